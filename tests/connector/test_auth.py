"""OAuth token store and refresh rules, against a small rotating token server.

The token server below is a real WSGI app behind ``httpx.WSGITransport`` that enforces what Keap
does: a refresh token works exactly once, and the response rotates both tokens. The simulator's
own ``/token`` is exercised in ``test_delivery_simulator.py``.
"""

from __future__ import annotations

import json
import os
import stat
import threading
import time
from base64 import b64decode

import httpx
import pytest
from flask import Flask, jsonify, request

from connector.client.auth import AuthError, OAuthAuth, TokenSet, TokenStore
from connector.client.errors import KeapAuthFailed
from connector.client.keap import KeapClient
from connector.client.retry import RetryPolicy


class RotatingTokenServer:
    def __init__(self, store_path) -> None:
        self.store_path = store_path
        self.valid_access = {"A0"}
        self.valid_refresh = {"R0"}
        self.refreshes = 0
        self.reused_refresh = 0
        self.seen_basic: list[str] = []
        self.saved_before_use: list[bool] = []
        self._lock = threading.Lock()
        app = Flask(__name__)

        @app.post("/token")
        def token():
            self.seen_basic.append(b64decode(request.headers["Authorization"][6:]).decode())
            assert request.content_type.startswith("application/x-www-form-urlencoded")
            assert request.form["grant_type"] == "refresh_token"
            old = request.form["refresh_token"]
            with self._lock:
                if old not in self.valid_refresh:
                    self.reused_refresh += 1
                    return jsonify(error="invalid_grant", error_description="Invalid"), 400
                self.valid_refresh.discard(old)
                self.refreshes += 1
                n = self.refreshes
                self.valid_access = {f"A{n}"}
                self.valid_refresh.add(f"R{n}")
            time.sleep(0.02)  # widen the race window for concurrent callers
            return jsonify(
                access_token=f"A{n}", refresh_token=f"R{n}", expires_in=86400, token_type="bearer"
            )

        @app.get("/crm/rest/v2/contacts/model")
        def model():
            token = request.headers.get("Authorization", "").removeprefix("Bearer ")
            if token not in self.valid_access:
                body = {"fault": {"faultstring": "Invalid Access Token"}}
                return jsonify(body), 401
            on_disk = json.loads(self.store_path.read_text())["access_token"]
            self.saved_before_use.append(on_disk == token)
            return jsonify(custom_fields=[{"id": 1, "label": "Color", "field_type": "TEXT"}])

        self.app = app


@pytest.fixture
def setup(tmp_path):
    store = TokenStore(tmp_path / "tokens.json")
    store.save(TokenSet("A0", "R0", expires_at=time.time() + 86400))
    server = RotatingTokenServer(store.path)
    transport = httpx.WSGITransport(app=server.app)
    http = httpx.Client(transport=transport)

    def make_client(clock=time.time) -> KeapClient:
        auth = OAuthAuth(
            store,
            client_id="cid",
            client_secret="csecret",
            token_url="http://keap.test/token",
            http=http,
            clock=clock,
        )
        return KeapClient(
            "http://keap.test/crm/rest", auth, http=http, retry=RetryPolicy(initial_delay=0)
        )

    return store, server, make_client


def test_store_is_written_atomically_with_0600(tmp_path):
    store = TokenStore(tmp_path / "sub" / "tokens.json")
    store.save(TokenSet("a", "r", expires_at=5))
    assert stat.S_IMODE(store.path.stat().st_mode) == 0o600
    assert store.load() == TokenSet("a", "r", expires_at=5)
    assert [p.name for p in store.path.parent.iterdir()] == ["tokens.json"]  # no temp left


def test_store_write_is_atomic_and_never_world_readable(tmp_path, monkeypatch):
    store = TokenStore(tmp_path / "tokens.json")
    store.save(TokenSet("a", "r", expires_at=5))
    store.path.chmod(0o644)  # even a loosened old file is replaced by a 0600 one
    modes_before_rename = []
    real_replace = os.replace

    def replace(src, dst):
        modes_before_rename.append(stat.S_IMODE(os.stat(src).st_mode))
        real_replace(src, dst)

    monkeypatch.setattr(os, "replace", replace)
    store.save(TokenSet("b", "r2", expires_at=6))
    assert modes_before_rename == [0o600]  # the temp file holding the secret was never wider
    assert stat.S_IMODE(store.path.stat().st_mode) == 0o600
    assert store.load() == TokenSet("b", "r2", expires_at=6)

    def disk_full(fd):
        raise OSError("No space left on device")

    monkeypatch.setattr(os, "fsync", disk_full)
    with pytest.raises(OSError):
        store.save(TokenSet("c", "r3"))
    # a failed write leaves the previous tokens whole and no temp file behind
    assert store.load() == TokenSet("b", "r2", expires_at=6)
    assert [p.name for p in tmp_path.iterdir()] == ["tokens.json"]


def test_missing_or_broken_store_is_an_auth_error(tmp_path):
    with pytest.raises(AuthError, match="does not exist"):
        TokenStore(tmp_path / "nope.json").load()
    (tmp_path / "bad.json").write_text("{}")
    with pytest.raises(AuthError, match="lacks"):
        TokenStore(tmp_path / "bad.json").load()


@pytest.mark.slow
def test_refresh_once_on_401_then_token_is_persisted_before_use(setup):
    store, server, make_client = setup
    server.valid_access = {"revoked-elsewhere"}  # A0 no longer accepted: forces a 401
    client = make_client()
    assert client.test_connection()["custom_fields"][0]["label"] == "Color"
    assert server.refreshes == 1
    assert server.seen_basic == ["cid:csecret"]
    assert store.load().refresh_token == "R1"  # rotated token saved
    assert server.saved_before_use == [True]


@pytest.mark.slow
def test_refresh_shortly_before_expiry(setup):
    store, server, make_client = setup
    store.save(TokenSet("A0", "R0", expires_at=1000 + 120))  # expires in 2 minutes
    client = make_client(clock=lambda: 1000.0)
    client.test_connection()
    assert server.refreshes == 1  # refreshed proactively, no 401 seen
    assert store.load().expires_at == pytest.approx(1000 + 86400)


@pytest.mark.slow
def test_concurrent_401s_cause_a_single_refresh(setup):
    store, server, make_client = setup
    server.valid_access = set()  # every thread gets a 401 with A0
    client = make_client()
    errors = []

    def call():
        try:
            client.test_connection()
        except Exception as exc:
            errors.append(exc)

    threads = [threading.Thread(target=call) for _ in range(8)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert errors == []
    assert server.refreshes == 1
    assert server.reused_refresh == 0


def test_refused_refresh_is_a_credential_error(setup):
    store, server, make_client = setup
    server.valid_access = set()
    server.valid_refresh = set()  # refresh token revoked
    with pytest.raises(KeapAuthFailed, match="re-authorise"):
        make_client().test_connection()

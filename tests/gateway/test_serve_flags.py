"""``keapsim serve --profile guide --throttle off --admin-token``: the flags reach the default
tenant and the admin guard of a real server process."""

from __future__ import annotations

import httpx
import pytest
from support.serve_process import serve_process

pytestmark = pytest.mark.slow  # `keapsim serve` runs as a process


def test_profile_throttle_and_admin_token_flags() -> None:
    options = ("--profile", "guide", "--throttle", "off", "--admin-token", "flag-token")
    with serve_process(*options) as info:
        assert {"client_id", "client_secret", "redirect_uri", "api_key"} <= set(info)
        settings_url = f"{info['admin_url']}/tenants/{info['tenant_id']}/settings"
        assert httpx.get(settings_url, timeout=10).status_code == 401
        token = {"Authorization": "Bearer flag-token"}
        settings = httpx.get(settings_url, headers=token, timeout=10).json()
        assert (settings["profile"], settings["throttle"]) == ("guide", False)

        key = {"X-Keap-API-Key": info["api_key"]}
        with httpx.Client(base_url=info["base_url"], headers=key, timeout=10) as api:
            responses = [api.get("/v1/contacts") for _ in range(12)]  # over the 10/s spike
        assert [r.status_code for r in responses] == [200] * 12
        assert "x-keap-product-throttle-used" not in responses[-1].headers

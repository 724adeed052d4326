"""A fake connector for batch tests: deterministic outcomes from the lead's e-mail address.

* no email and no phone -> skip
* an email without "@" -> failure (invalid)
* an email containing "error" -> error (like a 503 that outlasted the retries)
* an email containing "boom" -> the deliver call raises
* anything else -> success; the second lead with the same email is a duplicate
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from types import SimpleNamespace
from typing import Any

from connector.result import DeliveryResult, Outcome, StepResult, StepStatus


class FakeConnector:
    def __init__(
        self,
        delay: float = 0.0,
        *,
        on_error: str = "continue",
        mode: str = "update_existing",
        calls_file: str | None = None,
    ) -> None:
        self.delay = delay
        self.calls: Counter[str] = Counter()
        self.contacts: dict[str, str] = {}
        self.lock = threading.Lock()
        self.active = 0
        self.max_active = 0
        self.calls_file = calls_file
        self.config = SimpleNamespace(on_error=on_error, duplicates=SimpleNamespace(mode=mode))

    def deliver(self, lead: dict[str, Any]) -> DeliveryResult:
        email = str(lead.get("email") or "").strip().lower()
        with self.lock:
            self.active += 1
            self.max_active = max(self.max_active, self.active)
            self.calls[email] += 1
        try:
            if self.delay:
                time.sleep(self.delay)
            if "boom" in email:
                raise RuntimeError("simulated crash inside deliver")
            if not email and not lead.get("phone_1"):
                return DeliveryResult(Outcome.SKIP, reason="lead has neither email nor phone")
            if email and "@" not in email:
                return DeliveryResult(Outcome.FAILURE, reason="email is not a valid email address")
            if "error" in email:
                return DeliveryResult(
                    Outcome.ERROR, reason="Keap answered HTTP 503 after 3 attempt(s)", attempts=3
                )
            with self.lock:
                duplicate = email in self.contacts
                if not duplicate:
                    self.contacts[email] = str(1000 + len(self.contacts))
                cid = self.contacts[email]
                if self.calls_file:
                    with open(self.calls_file, "a", encoding="utf-8") as fh:
                        fh.write(email + "\n")
            return DeliveryResult(
                Outcome.SUCCESS,
                contact_id=cid,
                duplicate=duplicate,
                attempts=1,
                elapsed=self.delay or 0.01,
                steps=[StepResult("contact", StepStatus.OK, "created")],
            )
        finally:
            with self.lock:
                self.active -= 1

    def close(self) -> None:
        pass

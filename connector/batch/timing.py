"""Telling Keap's response time apart from the connector's own waiting.

A lead's wall time includes sleeping in the connector: client-side rate-limit pacing (shared by
all workers), the quota governor and retry back-off. The report's "response time" is meant to
show how Keap answers, so the batch measures those sleeps per thread and subtracts them.

The connector takes a ``sleep`` function (``Connector.from_file(path, sleep=...)``) and calls it
for every such wait, outside its locks; :class:`WaitMeter` is that function, and wraps
``deliver`` to attach the total to each result as ``waited`` (seconds). A connector result that
already carries ``waited`` keeps its own value.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any


class MeteredConnector:
    """A connector whose ``deliver`` and ``deliver_in_doubt`` results carry ``waited`` (the
    seconds its own pacing slept), so the report's response time excludes them; everything
    else is the connector's."""

    def __init__(self, connector: Any, meter: WaitMeter) -> None:
        self._connector = connector
        self.deliver = meter.wrap(connector.deliver)
        self.deliver_in_doubt = meter.wrap(connector.deliver_in_doubt)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._connector, name)


class WaitMeter:
    def __init__(self, sleep: Callable[[float], None] = time.sleep) -> None:
        self._sleep = sleep
        self._local = threading.local()

    @property
    def total(self) -> float:
        """Seconds slept by the current thread since its delivery started."""
        return float(getattr(self._local, "total", 0.0))

    def sleep(self, seconds: float) -> None:
        t0 = time.monotonic()
        try:
            self._sleep(seconds)
        finally:
            self._local.total = self.total + (time.monotonic() - t0)

    def wrap(self, deliver: Callable[..., Any]) -> Callable[..., Any]:
        def measured(*args: Any, **kwargs: Any) -> Any:
            self._local.total = 0.0
            result = deliver(*args, **kwargs)
            if getattr(result, "waited", None) is None:
                try:
                    result.waited = self.total
                except AttributeError:  # a frozen or slotted result: leave it alone
                    pass
            return result

        return measured

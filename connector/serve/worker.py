"""Queue mode's background delivery: a few threads take leads from the queue in order.

Leads sharing an e-mail address are never in flight together (the batch runner's rule: two
concurrent upserts of one address can race into two contacts). The flow's retries apply inside
each delivery (``keap.retries``: 429, 5xx and lost connections are retried by the connector);
a lead that still ends in ``error`` keeps that outcome, as a batch lead does, rather than being
re-sent blindly: its contact may already be saved.

Leads in doubt after a crash follow ``--resume``'s rules (connector/batch/triage.py):

1. **checked first** with ``Connector.deliver_in_doubt`` when the lead has an e-mail address
   that no other lead finished with around the time it started: Keap is asked whether the
   contact was written since; found → ``success`` "reconciled after an interrupted run", no
   second write;
2. otherwise **re-sent** when the contact step is an upsert (``update_existing``,
   ``skip_existing``);
3. otherwise ended as ``error`` "in doubt: …" without a request: a person checks it.
"""

from __future__ import annotations

import logging
import threading
import time
from datetime import datetime

from connector.batch.ledger import IN_DOUBT, LeadResult
from connector.serve.deliverer import SOURCE_QUEUE, LeadDeliverer
from connector.serve.queue import Job, LeadQueue

log = logging.getLogger(__name__)

#: Another lead of the same address finished this close to an in-doubt lead's start: Keap's
#: record of *that* write could be taken for this one's, so the lead is not checked (the batch
#: runner's "address shared in the file" rule, in time instead of in a file). Wider than the
#: connector's clock-skew margin.
SHARED_ADDRESS_WINDOW = 60.0
#: How long an idle worker waits before looking at the queue again without being woken.
IDLE_POLL = 1.0
#: How often finished leads older than the retention are deleted.
SWEEP_EVERY = 600.0


class QueueWorkers:
    def __init__(self, queue: LeadQueue, deliverer: LeadDeliverer, *, workers: int = 4) -> None:
        self.queue = queue
        self.deliverer = deliverer
        self.workers = workers
        self._threads: list[threading.Thread] = []
        self._stop = threading.Event()
        self._changed = threading.Condition()
        self._generation = 0
        self._busy: dict[str, int] = {}  # address -> leads of it in flight here
        self._active = 0
        self._last_sweep = 0.0

    # -- control ---------------------------------------------------------------------------------
    def start(self) -> QueueWorkers:
        recovered = self.queue.recover()
        if recovered:
            log.warning(
                "%d lead(s) were in flight when the last run stopped: checking them", recovered
            )
        for i in range(self.workers):
            thread = threading.Thread(target=self._run, name=f"serve-queue-{i}", daemon=True)
            thread.start()
            self._threads.append(thread)
        return self

    def wake(self) -> None:
        """A lead was queued, or an address freed."""
        with self._changed:
            self._generation += 1
            self._changed.notify_all()

    def stop(self, timeout: float = 30.0) -> None:
        """Finish the leads in flight, take no more; waiting leads stay for the next start."""
        self._stop.set()
        self.wake()
        deadline = time.monotonic() + timeout
        for thread in self._threads:
            thread.join(max(0.0, deadline - time.monotonic()))

    @property
    def active(self) -> int:
        return self._active

    # -- the loop --------------------------------------------------------------------------------
    def _run(self) -> None:
        while not self._stop.is_set():
            with self._changed:
                generation = self._generation
                job = self.queue.claim(set(self._busy))
                if job is not None:
                    self._busy[job.address] = self._busy.get(job.address, 0) + 1
                    self._active += 1
            if job is None:
                self._idle(generation)
                continue
            try:
                result = self._deliver(job)
                self.queue.finish(job, result)
            except Exception:
                log.exception("queue worker: lead %s left in flight", job.id)
                self._stop.wait(IDLE_POLL)
            finally:
                with self._changed:
                    self._release(job.address)
                    self._active -= 1
                self.wake()

    def _release(self, address: str) -> None:
        left = self._busy[address] - 1
        if left:
            self._busy[address] = left
        else:
            del self._busy[address]

    def _idle(self, generation: int) -> None:
        now = time.monotonic()
        if now - self._last_sweep > SWEEP_EVERY and hasattr(self.queue, "forget_finished"):
            self._last_sweep = now
            self.queue.forget_finished()
        with self._changed:
            if self._generation == generation and not self._stop.is_set():
                self._changed.wait(IDLE_POLL)

    # -- one lead --------------------------------------------------------------------------------
    def _deliver(self, job: Job) -> LeadResult:
        if not job.in_doubt:
            return self.deliverer.deliver(job.lead, lead_id=job.id, source=SOURCE_QUEUE)
        started = job.first_started
        if job.address and started is not None and not self._shared(job, started):
            result = self.deliverer.deliver(
                job.lead, lead_id=job.id, source=SOURCE_QUEUE, in_doubt_since=started
            )
            if result.outcome == "error" and not self.deliverer.redeliver_in_doubt:
                result.reason = f"{IN_DOUBT} {result.reason}"  # still unknown: not re-sent later
            return result
        if job.address and self.deliverer.redeliver_in_doubt:
            return self.deliverer.deliver(job.lead, lead_id=job.id, source=SOURCE_QUEUE)
        return LeadResult(
            line=0,
            key=job.id,
            outcome="error",
            reason=f"{IN_DOUBT} the lead was in flight when an earlier run died and may have "
            "reached Keap; check it before re-sending it (duplicates.mode is not an upsert, "
            "or the lead has no e-mail address)",
            attempts=0,
        )

    def _shared(self, job: Job, started: datetime) -> bool:
        since = started.timestamp() - SHARED_ADDRESS_WINDOW
        return self.queue.finished_since(job.address, since, other_than=job.id)

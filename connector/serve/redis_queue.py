"""Queue mode's queue in Redis (``serve.queue_backend: redis``), shared by every instance.

The same life as the SQLite queue (connector/serve/queue.py): ``queued`` → ``in_flight`` →
``done``, the first start stamped before the first request to Keap, in-flight leads of a dead
process put back *in doubt*. Keys, under ``<prefix>:queue``:

* ``waiting``: list of lead ids, newest on the left;
* ``lead:<id>``: hash (the lead's JSON until delivered, its address, state, first start,
  in-doubt flag, then the result; kept seven days after delivery);
* ``busy:<address>``: the instance delivering a lead of that address (leads sharing an address
  are never in flight together, across instances too);
* ``inflight:<instance>``: the ids an instance has claimed;
* ``alive:<instance>``: a heartbeat that expires when the instance dies; ``instances`` lists
  them. An instance puts its own earlier in-flight leads back at start, and any instance adopts
  those of an instance whose heartbeat has expired.

Claiming is one Lua script (atomic in Redis). Durability is Redis's: run it with
``appendonly yes`` and ``appendfsync always`` (or ``everysec``, losing at most a second of
accepted leads on a power cut), as docs/connector/serve.md says.
"""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections.abc import Collection
from datetime import UTC, datetime
from typing import Any

from connector.batch.ledger import LeadResult
from connector.serve.queue import CLAIM_WINDOW, KEEP_FINISHED_SECONDS, Accepted, Job

HEARTBEAT_SECONDS = 5.0
HEARTBEAT_TTL = 20
#: How long an address's last finish is remembered (for the in-doubt "shared address" check).
LAST_FINISHED_TTL = 3600

_CLAIM = """
local ids = redis.call('LRANGE', KEYS[1], -tonumber(ARGV[4]), -1)
for i = #ids, 1, -1 do
  local id = ids[i]
  local key = ARGV[1] .. ':lead:' .. id
  local address = redis.call('HGET', key, 'address') or ''
  if address == '' or redis.call('EXISTS', ARGV[1] .. ':busy:' .. address) == 0 then
    redis.call('LREM', KEYS[1], -1, id)
    if address ~= '' then redis.call('SET', ARGV[1] .. ':busy:' .. address, ARGV[2]) end
    redis.call('SADD', KEYS[2], id)
    redis.call('HSET', key, 'state', 'in_flight')
    if not redis.call('HGET', key, 'first_started') then
      redis.call('HSET', key, 'first_started', ARGV[3])
    end
    return id
  end
end
return false
"""

# KEYS[1] waiting, KEYS[2] the dead (or earlier) instance's in-flight set; ARGV[1] prefix.
_RECOVER = """
local ids = redis.call('SMEMBERS', KEYS[2])
for _, id in ipairs(ids) do
  local key = ARGV[1] .. ':lead:' .. id
  if redis.call('HGET', key, 'state') == 'in_flight' then
    redis.call('HSET', key, 'state', 'queued', 'in_doubt', '1')
    redis.call('RPUSH', KEYS[1], id)
    local address = redis.call('HGET', key, 'address') or ''
    if address ~= '' then redis.call('DEL', ARGV[1] .. ':busy:' .. address) end
  end
end
redis.call('DEL', KEYS[2])
return #ids
"""


class RedisQueue:
    def __init__(self, client: Any, prefix: str, instance: str | None = None) -> None:
        self.client = client
        self.prefix = f"{prefix}:queue"
        self.instance = instance or uuid.uuid4().hex[:12]
        self.waiting = f"{self.prefix}:waiting"
        self._claim = client.register_script(_CLAIM)
        self._recover = client.register_script(_RECOVER)
        self._stop = threading.Event()
        self._beat()
        self._heart = threading.Thread(target=self._heartbeat, name="serve-redis-heartbeat")
        self._heart.daemon = True
        self._heart.start()

    def _key(self, *parts: str) -> str:
        return ":".join((self.prefix, *parts))

    # -- writes ----------------------------------------------------------------------------------
    def enqueue(self, lead: dict[str, Any], address: str, key: str | None = None) -> Accepted:
        lead_id = uuid.uuid4().hex
        if key is not None:
            idem = self._key("idem", key)
            if not self.client.set(idem, lead_id, nx=True, ex=KEEP_FINISHED_SECONDS):
                return Accepted(self.client.get(idem).decode(), new=False)
        with self.client.pipeline() as pipe:  # MULTI/EXEC: the lead and its place in line
            pipe.hset(
                self._key("lead", lead_id),
                mapping={
                    "lead": json.dumps(lead),
                    "address": address,
                    "state": "queued",
                    "received": time.time(),
                },
            )
            pipe.lpush(self.waiting, lead_id)
            pipe.execute()
        return Accepted(lead_id, new=True)

    def claim(self, busy: Collection[str]) -> Job | None:
        """The oldest waiting lead whose address no instance is delivering; ``busy`` is this
        instance's own view, already covered by the ``busy:`` keys."""
        now = datetime.now(UTC).isoformat(timespec="milliseconds")
        found = self._claim(
            keys=[self.waiting, self._key("inflight", self.instance)],
            args=[self.prefix, self.instance, now, CLAIM_WINDOW],
        )
        if not found:
            return None
        lead_id = found.decode()
        data = {
            k.decode(): v.decode()
            for k, v in self.client.hgetall(self._key("lead", lead_id)).items()
        }
        in_doubt = data.get("in_doubt") == "1"
        started = data.get("first_started")
        return Job(
            id=lead_id,
            lead=json.loads(data["lead"]),
            address=data.get("address", ""),
            first_started=datetime.fromisoformat(started) if in_doubt and started else None,
            in_doubt=in_doubt,
        )

    def finish(self, job: Job, result: LeadResult) -> None:
        now = time.time()
        outcome = {
            "finished": now,
            "outcome": result.outcome,
            "reason": result.reason,
            "contact_id": result.contact_id,
            "duplicate": result.duplicate,
        }
        key = self._key("lead", job.id)
        with self.client.pipeline() as pipe:
            pipe.hset(key, mapping={"state": "done", "result": json.dumps(outcome)})
            pipe.hdel(key, "lead")
            pipe.expire(key, KEEP_FINISHED_SECONDS)
            pipe.srem(self._key("inflight", self.instance), job.id)
            if job.address:
                pipe.delete(self._key("busy", job.address))
                pipe.set(self._key("last-finished", job.address), now, ex=LAST_FINISHED_TTL)
            pipe.execute()

    def recover(self) -> int:
        """This instance's earlier in-flight leads, then those of instances that died."""
        return self._recover_instance(self.instance) + self.recover_dead()

    def _recover_instance(self, instance: str) -> int:
        return int(
            self._recover(keys=[self.waiting, self._key("inflight", instance)], args=[self.prefix])
        )

    # -- reads -----------------------------------------------------------------------------------
    def status(self, lead_id: str) -> dict[str, Any] | None:
        raw = self.client.hgetall(self._key("lead", lead_id))
        if not raw:
            return None
        data = {k.decode(): v.decode() for k, v in raw.items()}
        result = json.loads(data.get("result") or "{}")
        return {
            "id": lead_id,
            "status": data.get("state"),
            "received_at": _iso(float(data["received"])),
            "finished_at": _iso(result.get("finished")),
            "outcome": result.get("outcome"),
            "reason": result.get("reason"),
            "contact_id": result.get("contact_id"),
            "duplicate": result.get("duplicate"),
        }

    def depth(self) -> int:
        instances = [m.decode() for m in self.client.smembers(self._key("instances"))]
        with self.client.pipeline(transaction=False) as pipe:
            pipe.llen(self.waiting)
            for instance in instances:
                pipe.scard(self._key("inflight", instance))
            return int(sum(pipe.execute()))

    def finished_since(self, address: str, since: float, other_than: str) -> bool:
        # The last finish of the address; the in-doubt lead itself never finished.
        last = self.client.get(self._key("last-finished", address))
        return last is not None and float(last) >= since

    # -- liveness --------------------------------------------------------------------------------
    def _beat(self) -> None:
        self.client.set(self._key("alive", self.instance), 1, ex=HEARTBEAT_TTL)
        self.client.sadd(self._key("instances"), self.instance)

    def _heartbeat(self) -> None:
        while not self._stop.wait(HEARTBEAT_SECONDS):
            try:
                self._beat()
                self.recover_dead()
            except Exception:
                pass

    def recover_dead(self) -> int:
        count = 0
        for member in self.client.smembers(self._key("instances")):
            other = member.decode()
            if other != self.instance and not self.client.exists(self._key("alive", other)):
                count += self._recover_instance(other)
                self.client.srem(self._key("instances"), other)
        return count

    def close(self) -> None:
        self._stop.set()
        self._heart.join(timeout=HEARTBEAT_SECONDS + 1)
        # A clean stop: nothing of ours is in flight (the workers finished), so no heartbeat
        # needs to outlive us.
        self.client.delete(self._key("alive", self.instance))
        self.client.srem(self._key("instances"), self.instance)


def _iso(stamp: float | None) -> str | None:
    if stamp is None:
        return None
    return datetime.fromtimestamp(stamp, tz=UTC).isoformat(timespec="milliseconds")

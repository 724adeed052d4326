"""``keap-connector serve``: real-time lead delivery over HTTP (docs/connector/serve.md).

Modules: :mod:`~connector.serve.app` (routes), :mod:`~connector.serve.body` (reading a lead),
:mod:`~connector.serve.callers` (caller tokens), :mod:`~connector.serve.deliverer` (one lead
through the connector, logged), :mod:`~connector.serve.queue` and
:mod:`~connector.serve.redis_queue` (queue mode's durable queue),
:mod:`~connector.serve.worker` (background delivery), :mod:`~connector.serve.metrics`
(Prometheus), :mod:`~connector.serve.shared` (Redis: one rate limiter and one token store for
every instance), :mod:`~connector.serve.command` (the command),
:mod:`~connector.serve.runtime` (what it builds before listening) and
:mod:`~connector.serve.server` (waitress, and stopping by draining).

Nothing is imported here, so ``keap-connector`` starts without Flask or Redis loaded.
"""

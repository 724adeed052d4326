"""Admin API: the simulated clock (token expiry, the rolling minute, the UTC day).

- ``GET  /_keapsim/clock``            ``{now, epoch, offset_seconds, frozen}``
- ``POST /_keapsim/clock/advance``    ``{"seconds": N}`` (forward only)
- ``POST /_keapsim/clock/freeze``     optional ``{"at": <epoch seconds>}``
- ``POST /_keapsim/clock/unfreeze``
"""

from __future__ import annotations

from flask import Response, jsonify

from ..clock import LATEST
from ..context import current_simulator
from ..store.due import catch_up
from . import admin_error, blueprint, validated_body


def _past_the_latest(epoch: float) -> Response | None:
    if epoch > LATEST:
        return admin_error("that would move the clock past 9000-01-01T00:00:00Z")
    return None


@blueprint.get("/clock")
def get_clock() -> Response:
    return jsonify(current_simulator().clock.to_dict())


@blueprint.post("/clock/advance")
def advance_clock() -> Response:
    from .bodies import Advance

    advance = validated_body(Advance)
    if isinstance(advance, Response):
        return advance
    clock = current_simulator().clock
    if (too_far := _past_the_latest(clock.time() + advance.seconds)) is not None:
        return too_far
    clock.advance(advance.seconds)
    # Payment plans and subscriptions whose due dates the clock passed charge and bill now,
    # not at each tenant's next request (docs/design/commerce.md, "What is due on the clock").
    for tenant in list(current_simulator().tenants.values()):
        catch_up(tenant)
    return jsonify(clock.to_dict())


@blueprint.post("/clock/freeze")
def freeze_clock() -> Response:
    from .bodies import Freeze

    freeze = validated_body(Freeze)
    if isinstance(freeze, Response):
        return freeze
    clock = current_simulator().clock
    if freeze.at is not None:
        if freeze.at < clock.time():
            # Tokens and windows assume time never goes back.
            return admin_error("at is in the past; the clock only moves forward")
        if (too_far := _past_the_latest(freeze.at)) is not None:
            return too_far
    clock.freeze(freeze.at)
    return jsonify(clock.to_dict())


@blueprint.post("/clock/unfreeze")
def unfreeze_clock() -> Response:
    clock = current_simulator().clock
    clock.unfreeze()
    return jsonify(clock.to_dict())

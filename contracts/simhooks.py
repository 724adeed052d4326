"""Preconditions the simulator can set up for the verifier and the scenarios.

The real Keap API cannot be asked for an expired token or a throttled key on demand; the
simulator can. Exchanges that need one carry ``requires: [...]`` in their cassette notes;
on targets without these hooks (``real``, a foreign ``url``) they are skipped, and say so.

* ``expired_token``: an access token of the target tenant's OAuth app issued 48 h ago;
* ``auth_code``: a fresh authorization code for that app and its redirect URI;
* ``user`` (optional set-up): the tenant owner, when a fresh simulated tenant has no user;
* ``campaign`` (optional set-up): a campaign with one sequence, like a real tenant has;
* ``throttled``: freezes the simulator clock and spends the API key's per-second spike
  allowance with ``GET /crm/rest/v1/contacts?limit=1`` until the gateway answers 429.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from contracts.targets import Target
    from keapsim import Simulator

THROTTLE_PROBE = "/crm/rest/v1/contacts?limit=1"
MAX_THROTTLE_REQUESTS = 400


# These talk to the simulator only through its documented set-up methods
# (``Simulator.expired_access_token``, ``.authorization_code``, ``.tenant_of_api_key``), never
# through its credential store.
def expired_access_token(sim: Simulator, client_id: str | None = None) -> str:
    return sim.expired_access_token(client_id)


def authorization_code(sim: Simulator, client_id: str | None = None) -> str:
    return sim.authorization_code(client_id)


def seed_campaign(sim: Simulator, api_key: str | None) -> None:
    """A campaign with one sequence in the tenant that owns ``api_key``."""
    sim.tenant_of_api_key(api_key).campaigns.create("Contract campaign", ["Contract sequence"])


def exhaust_quota(target: Target, *, max_requests: int = MAX_THROTTLE_REQUESTS) -> int:
    """Spend the API key's allowance; returns how many requests it took to get a 429."""
    sim = target.simulator
    if not sim.clock.frozen:
        sim.clock.freeze()
    headers = {"X-Keap-API-Key": target.credentials.api_key or ""}
    for n in range(1, max_requests + 1):
        response = target.client.get(THROTTLE_PROBE, headers=headers)
        if response.status_code == 429:
            return n
    raise RuntimeError(
        f"the simulator did not throttle the API key after {max_requests} requests "
        f"(GET {THROTTLE_PROBE} with a frozen clock)"
    )


def install(target: Target) -> None:
    """Register the simulator-backed preparers on ``target``."""
    sim = target.simulator
    if sim is None:
        return

    def expired(**_: Any) -> dict[str, str]:
        token = expired_access_token(sim, target.credentials.client_id)
        return {"SCRUBBED-EXPIRED-ACCESS-TOKEN": token}

    def code(**_: Any) -> dict[str, str]:
        return {"SCRUBBED-AUTH-CODE": authorization_code(sim, target.credentials.client_id)}

    def throttled(**_: Any) -> dict[str, str]:
        exhaust_quota(target)
        return {}

    def campaign(**_: Any) -> dict[str, str]:
        seed_campaign(sim, target.credentials.api_key)
        return {}

    target.preparers.update(
        {
            "expired_token": expired,
            "auth_code": code,
            "throttled": throttled,
            "campaign": campaign,
        }
    )
    target.capabilities.update(target.preparers)

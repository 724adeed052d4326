"""The gateway refuses a missing, garbage or expired token before any routing (v1 and v2)."""

from __future__ import annotations

from contracts.cassette import Cassette
from contracts.evidence.bodies import EXPIRED_TOKEN, INVALID_TOKEN, MISSING_TOKEN
from contracts.evidence.build import evidence_cassette, gateway_refusal
from contracts.evidence.sources import PMPRO, TOKEN_LIFETIME, V1, V2, W6W


def gateway_missing_token() -> Cassette:
    return evidence_cassette(
        "gateway_missing_token",
        "Unauthenticated requests are refused by the gateway before routing.",
        [
            gateway_refusal(
                f"{V1}/contacts?limit=1",
                MISSING_TOKEN,
                source=[W6W, PMPRO],
                note="no Authorization header -> oauth.v2.InvalidAccessToken (w6w measured)",
            ),
            gateway_refusal(
                f"{V1}/no-such-resource",
                MISSING_TOKEN,
                source=W6W,
                note="the gateway authenticates before routing: unknown path -> 401, not 404",
            ),
            gateway_refusal(
                f"{V2}/contacts",
                MISSING_TOKEN,
                request_headers={"Authorization": "SCRUBBED-UNKNOWN-TOKEN"},
                source=W6W,
                note="Authorization header without the Bearer scheme -> same fault (v2 too)",
            ),
        ],
    )


def gateway_invalid_token() -> Cassette:
    return evidence_cassette(
        "gateway_invalid_token",
        "A garbage bearer token is refused by the gateway (v1 and v2 alike).",
        [
            gateway_refusal(
                f"{V1}/contacts?limit=1",
                INVALID_TOKEN,
                request_headers={"Authorization": "Bearer SCRUBBED-UNKNOWN-TOKEN"},
                source=[W6W, PMPRO],
                note="body quoted in many clients; recorded live by w6w on 2026-08-11",
            ),
            gateway_refusal(
                f"{V2}/contacts",
                INVALID_TOKEN,
                request_headers={"Authorization": "Bearer SCRUBBED-UNKNOWN-TOKEN"},
                source=W6W,
                note="gateway errors are the same for v1 and v2",
            ),
        ],
    )


def gateway_expired_token() -> Cassette:
    return evidence_cassette(
        "gateway_expired_token",
        "An expired access token (24 h lifetime) is refused by the gateway.",
        [
            gateway_refusal(
                f"{V1}/contacts?limit=1",
                EXPIRED_TOKEN,
                request_headers={"Authorization": "Bearer SCRUBBED-EXPIRED-ACCESS-TOKEN"},
                source=[PMPRO, TOKEN_LIFETIME],
                note=(
                    "errorcode listed by pmpro-keap; faultstring is Apigee's standard text "
                    "for this errorcode (not quoted from Keap)"
                ),
                requires=["expired_token"],
            ),
        ],
    )

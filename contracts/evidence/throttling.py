"""Throttling and quota: the 2025 429 body and the x-keap header families on every answer."""

from __future__ import annotations

from contracts.cassette import Cassette
from contracts.evidence.bodies import API_KEY_AUTH, QUOTA_HEADERS_429, THROTTLED, V1_EMPTY_LIST
from contracts.evidence.build import api_key_call, evidence_cassette, exchange
from contracts.evidence.sources import (
    APIGEE_POST,
    HEADER_RENAME,
    PASTEBIN_HEADERS,
    THROTTLE_2025,
    THROTTLE_2025_B,
    V1,
    V1SPEC,
)


def throttled_429() -> Cassette:
    return evidence_cassette(
        "throttled_429",
        "A throttled key gets the 2025 429 body (code is a string) and the quota headers.",
        [
            exchange(
                "GET",
                f"{V1}/contacts?limit=1",
                429,
                THROTTLED,
                request_headers=API_KEY_AUTH,
                response_headers=QUOTA_HEADERS_429,
                reason="Too Many Requests",
                source=[THROTTLE_2025, THROTTLE_2025_B, APIGEE_POST],
                note="body quoted by OAuth and SAK users (2025); header values from the post",
                requires=["throttled"],
            ),
        ],
    )


def quota_headers() -> Cassette:
    return evidence_cassette(
        "quota_headers",
        "Every response carries the x-keap product quota/throttle and tenant header families.",
        [
            api_key_call(
                "GET",
                f"{V1}/contacts?limit=1",
                200,
                V1_EMPTY_LIST,
                reason="OK",
                source=[PASTEBIN_HEADERS, HEADER_RENAME, V1SPEC],
                note=(
                    "header set from a real PAT/SAK call (2024-08-14); list body shape from "
                    "the v1 ContactList schema (count/next/previous), not observed"
                ),
                shape="subset",
            ),
        ],
    )

"""The OAuth token endpoint: code exchange, refresh rotation and invalid_grant."""

from __future__ import annotations

from contracts.cassette import Cassette
from contracts.evidence.bodies import (
    FORM_CT,
    INVALID_GRANT_BODY,
    QUOTA_HEADERS_OK,
    TOKEN_RESPONSE,
    V1_EMPTY_LIST,
)
from contracts.evidence.build import evidence_cassette, exchange, refresh_call
from contracts.evidence.sources import (
    API,
    INVALID_GRANT,
    INVALID_REQUEST,
    OAUTH_DOC,
    REFRESH_TWICE,
    TOKEN_LIFETIME,
    V1,
    V1SPEC,
)


def token_refresh() -> Cassette:
    return evidence_cassette(
        "token_refresh",
        "Refreshing rotates both tokens; the new access token works, the old refresh fails.",
        [
            refresh_call(
                "SCRUBBED-REFRESH-TOKEN",
                200,
                TOKEN_RESPONSE,
                reason="OK",
                source=[OAUTH_DOC, TOKEN_LIFETIME],
                note="form-encoded refresh with Basic client credentials; shape quoted",
            ),
            exchange(
                "GET",
                f"{V1}/contacts?limit=1",
                200,
                V1_EMPTY_LIST,
                request_headers={"Authorization": "Bearer SCRUBBED-ACCESS-TOKEN-2"},
                response_headers=QUOTA_HEADERS_OK,
                reason="OK",
                source=[OAUTH_DOC, V1SPEC],
                note="the new access token is accepted (body shape from the v1 schema)",
                shape="subset",
            ),
            refresh_call(
                "SCRUBBED-REFRESH-TOKEN",
                400,
                INVALID_GRANT_BODY,
                reason="Bad Request",
                source=[REFRESH_TWICE, INVALID_GRANT],
                note=(
                    "a refresh token works once (#16); the invalid_grant body is quoted in "
                    "#228 (a variant 'invalid_request'/'Invalid Refresh Token' is also seen)"
                ),
            ),
        ],
    )


def token_invalid_grant() -> Cassette:
    return evidence_cassette(
        "token_invalid_grant",
        "The token endpoint refuses an unknown refresh token with 400 invalid_grant.",
        [
            refresh_call(
                "SCRUBBED-UNKNOWN-TOKEN",
                400,
                INVALID_GRANT_BODY,
                reason="Bad Request",
                source=[INVALID_GRANT, INVALID_REQUEST],
                note="body quoted verbatim in infusionsoft-php #228",
            ),
        ],
    )


def token_authorization_code() -> Cassette:
    return evidence_cassette(
        "token_authorization_code",
        "Exchanging an authorization code returns the documented token response.",
        [
            exchange(
                "POST",
                f"{API}/token",
                200,
                TOKEN_RESPONSE,
                request_headers=FORM_CT,
                request_body=(
                    "client_id=SCRUBBED-CLIENT-ID&client_secret=SCRUBBED-CLIENT-SECRET"
                    "&code=SCRUBBED-AUTH-CODE&grant_type=authorization_code"
                    "&redirect_uri=SCRUBBED-REDIRECT-URI"
                ),
                reason="OK",
                source=[OAUTH_DOC, TOKEN_LIFETIME],
                note="form fields from the OAuth guide; response shape from a public client",
                requires=["auth_code"],
            ),
        ],
    )

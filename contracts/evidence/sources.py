"""Where the evidence comes from: the API's base addresses and every cited public source.

Each exchange of an evidence cassette names one or more of these in its ``source`` note.
"""

from __future__ import annotations

API = "https://api.infusionsoft.com"
V1 = f"{API}/crm/rest/v1"
V2 = f"{API}/crm/rest/v2"

# Gateway answers to unauthenticated calls.
W6W = "https://github.com/w6w-io/w6w-apps/blob/6fdd2ad9/apps/keap/README.md"
PMPRO = (
    "https://github.com/MaximilianoRicoTabo/pmpro-keap/blob/HEAD/classes/"
    "class-pmpro-keap-api-wrapper.php"
)

# Throttling and the quota headers.
APIGEE_POST = "https://community.keap.com/t/apigee-migration-update/74173"
THROTTLE_2025 = (
    "https://integration.keap.com/t/stated-receiving-api-error-an-http-error-occurred-"
    "too-many-requests/93964"
)
THROTTLE_2025_B = "https://community.keap.com/t/api-error-quota-exceeded-request-throttled/89944"
PASTEBIN_HEADERS = "https://pastebin.com/Y9EnSpbW"
HEADER_RENAME = "https://integration.keap.com/t/updates-to-returned-throttle-quota-headers/88994"

# The OAuth token endpoint.
OAUTH_DOC = "https://developer.infusionsoft.com/getting-started-oauth-keys"
TOKEN_LIFETIME = "https://integration.keap.com/t/how-to-get-access-token/86529"
INVALID_GRANT = "https://github.com/infusionsoft/infusionsoft-php/issues/228"
REFRESH_TWICE = "https://github.com/infusionsoft/infusionsoft-php/issues/16"
INVALID_REQUEST = "https://integration.keap.com/t/invalid-refresh-token/82597"

# v1/v2 record answers: client issues and the official documents.
PHP_190 = "https://github.com/infusionsoft/infusionsoft-php/issues/190"
PHP_191 = "https://github.com/infusionsoft/infusionsoft-php/issues/191"
PHP_140 = "https://github.com/infusionsoft/infusionsoft-php/issues/140"
V1SPEC = (
    "https://github.com/toddstoker/keap-sdk/blob/a2ea17427103135ac8c5d7287615d8ee0a8490bb/"
    "api-docs/2025-11-05-v1.json"
)
V2SDK = (
    "https://github.com/infusionsoft/keap-sdk/blob/d5b3dec249360ab81d7aeafb772f9341697b935b/"
    "sdks/v2/swagger.yml"
)
TAG_MAP_CLIENT = "public client lib/keap-contact.js (code comment, cited in keap-facts.md §3.2)"
DUP_OPTION_CURL = (
    "https://integration.keap.com/t/rest-v1-create-or-update-end-point-billing-region-is-"
    "invalid-bug/93909?page=2"
)

#: Real Keap bodies kept as test fixtures by amp-labs/connectors (captured 2024-11 to 2024-12
#: from a Keap account; keap-facts.md §9), read at this commit.
AMP_COMMIT = "30bbef6d8fc52b2cbd45c8394b626130212ff94e"
AMP = f"https://github.com/amp-labs/connectors/blob/{AMP_COMMIT}/providers/keap/test"
AMP_WRITE = f"{AMP}/write-contacts.json"
AMP_LIST = f"{AMP}/read/contacts/1-first-page-v2.json"
AMP_MISSING_FIELDS = f"{AMP}/write-contacts-missing-fields.json"
AMP_DELETE_MISSING = f"{AMP}/delete-missing-contact.json"
AMP_V2_MODEL = f"{AMP}/custom-fields/contacts-v2.json"
AMP_V1_OPP_MODEL = f"{AMP}/custom-fields/opportunities-v1.json"
AMP_V1_OPPORTUNITIES = f"{AMP}/read/opportunities/v1.json"
#: Printed responses in the keap-python 1.3.0 README (PyPI project keap-python).
KEAP_PYTHON = "https://pypi.org/project/keap-python/1.3.0/ (README: printed REST v1 responses)"

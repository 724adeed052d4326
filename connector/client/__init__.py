"""HTTP side of the connector: credentials, pacing, retries and the Keap calls."""

from connector.client.auth import ApiKeyAuth, AuthError, OAuthAuth, TokenSet, TokenStore
from connector.client.errors import KeapAuthFailed, KeapError, KeapRejected, KeapUnavailable
from connector.client.keap import KeapClient, RequestStats
from connector.client.retry import RetryPolicy
from connector.client.throttle import QuotaGovernor, TokenBucket

__all__ = [
    "ApiKeyAuth",
    "AuthError",
    "KeapAuthFailed",
    "KeapClient",
    "KeapError",
    "KeapRejected",
    "KeapUnavailable",
    "OAuthAuth",
    "QuotaGovernor",
    "RequestStats",
    "RetryPolicy",
    "TokenBucket",
    "TokenSet",
    "TokenStore",
]

"""The azure-core pipeline of every client the Azure adapter builds itself (Resource Manager
GETs, Key Vault reads): the SDK's usual policies with one bearer policy, and no policy that
could write (azure-mgmt's automatic resource provider registration is left out)."""

from __future__ import annotations

from typing import Any

from azure.core.pipeline import policies

from cloudaudit import __version__

RETRY = {"retry_total": 6, "retry_status": 4, "retry_connect": 2, "retry_backoff_factor": 0.8, "retry_backoff_max": 60}
"""429 and 5xx are retried this many times; a Retry-After header sets the wait (azure-core)."""


def read_pipeline(bearer: Any) -> list[Any]:
    """The policies, in azure-core's order, with `bearer` adding the token."""
    return [
        policies.RequestIdPolicy(),
        policies.HeadersPolicy(),
        policies.UserAgentPolicy(user_agent=f"cloudaudit/{__version__}"),
        policies.ContentDecodePolicy(),
        policies.RedirectPolicy(),
        policies.RetryPolicy(**RETRY),
        bearer,
        policies.SensitiveHeaderCleanupPolicy(),
        policies.HttpLoggingPolicy(),
    ]

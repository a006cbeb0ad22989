"""Make one Cloud Storage read, count it, and turn its failure into a ReadFailure."""

from __future__ import annotations

from typing import Any, Callable

import google.api_core.exceptions as api_exceptions
import google.auth.exceptions as auth_exceptions
import requests

from cloudaudit.providers.facts import ReadFailure
from cloudaudit.providers.gcp.errors import describe
from cloudaudit.providers.gcp.session import GcsSession

READ_ERRORS = (
    api_exceptions.GoogleAPIError,
    auth_exceptions.GoogleAuthError,
    requests.RequestException,
    ConnectionError,
)


def read(session: GcsSession, call: str, operation: Callable[..., Any], **params: Any) -> Any:
    """`operation(**params, retry=...)`, counted once however often it is retried; ReadFailure
    naming `call` (the JSON API method, e.g. storage.buckets.getIamPolicy) when it fails."""
    session.count(call)
    try:
        return operation(retry=session.retry, **params)
    except READ_ERRORS as exc:
        raise ReadFailure(describe(call, exc)) from None

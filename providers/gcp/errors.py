"""Turn Google client exceptions into one-line reasons, and spot the ones that stop a scan."""

from __future__ import annotations

import google.api_core.exceptions as api_exceptions
import google.auth.exceptions as auth_exceptions
import requests

from cloudaudit.errors import ScanCannotRun
from cloudaudit.redact import one_line

NO_CREDENTIALS = (
    "gcp: no credentials found: run `gcloud auth application-default login`, set "
    "GOOGLE_APPLICATION_CREDENTIALS, or pass --gcp-credentials-file KEY.json"
)


def _api_reason(exc: api_exceptions.GoogleAPICallError) -> str:
    """'HTTP 403 forbidden: x does not have storage.buckets.getIamPolicy access ...'"""
    reasons = [e.get("reason") for e in (exc.errors or []) if isinstance(e, dict) and e.get("reason")]
    if not reasons and exc.reason:  # newer APIs (Resource Manager, Org Policy): google.rpc.ErrorInfo
        reasons = [exc.reason]
    message = exc.message or ""
    # The client puts 'GET https://...: ' in front of the server's message: keep the message.
    method, _, rest = message.partition(" ")
    if method in ("GET", "POST", "PUT", "PATCH", "DELETE") and ": " in rest:
        message = rest.split(": ", 1)[1]
    head = f"HTTP {exc.code}" + (f" {reasons[0]}" if reasons else "")
    return f"{head}: {message}" if message else head


def _unwrap(exc: BaseException) -> BaseException:
    """The last error behind a retry that gave up, or a transport error around another."""
    if isinstance(exc, api_exceptions.RetryError) and exc.cause is not None:
        return exc.cause
    return exc


def describe(call: str, exc: BaseException) -> str:
    """'storage.buckets.getIamPolicy: HTTP 403 forbidden: ...' - the call and the reason, scrubbed."""
    cause = _unwrap(exc)
    retried = " (after retries)" if cause is not exc else ""
    if isinstance(cause, api_exceptions.GoogleAPICallError):
        return one_line(f"{call}: {_api_reason(cause)}{retried}")
    if isinstance(cause, (requests.ConnectionError, ConnectionError)):
        return one_line(f"{call}: cannot reach the endpoint{retried}")
    if isinstance(cause, requests.Timeout):
        return one_line(f"{call}: timed out{retried}")
    if isinstance(cause, auth_exceptions.RefreshError):
        return one_line(f"{call}: the credentials could not be refreshed ({cause})")
    return one_line(f"{call}: {type(cause).__name__}: {cause}{retried}")


def fatal_for_scan(exc: BaseException, endpoint: str) -> ScanCannotRun | None:
    """The error that means no call can succeed with these credentials or this endpoint, or None."""
    fatal = fatal_credentials(exc)
    if fatal:
        return fatal
    cause = _unwrap(exc)
    if isinstance(cause, (requests.ConnectionError, ConnectionError, auth_exceptions.TransportError)):
        return ScanCannotRun(
            f"gcp: cannot reach the Cloud Storage endpoint ({endpoint}): check the network or STORAGE_EMULATOR_HOST"
        )
    return None


def fatal_credentials(exc: BaseException) -> ScanCannotRun | None:
    """The error that means no call of any Google API can succeed with these credentials, or
    None. An unreachable endpoint is not one: another API's endpoint may still answer."""
    cause = _unwrap(exc)
    if isinstance(cause, auth_exceptions.InvalidOperation):  # a 401 for credentials that cannot refresh
        return ScanCannotRun(f"gcp: the credentials were rejected and cannot be refreshed ({one_line(str(cause), 160)})")
    if isinstance(cause, auth_exceptions.DefaultCredentialsError):
        return ScanCannotRun(NO_CREDENTIALS)
    if isinstance(cause, auth_exceptions.RefreshError):
        return ScanCannotRun(
            "gcp: the credentials have expired or were revoked: run `gcloud auth application-default "
            f"login` again, or use a valid key file ({one_line(str(cause), 160)})"
        )
    if isinstance(cause, api_exceptions.Unauthorized):
        return ScanCannotRun(f"gcp: the credentials were rejected ({_api_reason(cause)[:160]})")
    return None

"""Turn azure-core exceptions into one-line reasons, and spot the ones that stop a whole scan."""

from __future__ import annotations

from azure.core.exceptions import (
    AzureError,
    ClientAuthenticationError,
    HttpResponseError,
    ServiceRequestError,
    ServiceResponseError,
)

from cloudaudit.errors import ScanCannotRun
from cloudaudit.redact import one_line

TOKEN_CODES = frozenset(
    {"InvalidAuthenticationToken", "ExpiredAuthenticationToken", "InvalidAuthenticationTokenAudience",
     "InvalidAuthenticationTokenTenant", "AuthenticationFailed"}
)


def status_of(exc: BaseException) -> int | None:
    return getattr(exc, "status_code", None) if isinstance(exc, HttpResponseError) else None


def error_code(exc: BaseException) -> str | None:
    """ARM's error.code, or the storage service's x-ms-error-code."""
    if isinstance(exc, HttpResponseError):
        error = getattr(exc, "error", None)
        return getattr(error, "code", None) or getattr(exc, "error_code", None) or None
    return None


def describe(call: str, exc: BaseException) -> str:
    """'storage:BlobServices_GetServiceProperties: HTTP 403 AuthorizationFailed: ...', scrubbed."""
    if isinstance(exc, HttpResponseError) and exc.status_code is not None:
        # ARM errors carry a code and a message. Storage data-plane errors say only their code:
        # their messages can quote the string that was signed.
        error = getattr(exc, "error", None)
        code = error_code(exc)
        message = getattr(error, "message", None)
        detail = f"HTTP {exc.status_code}"
        if code:
            detail += f" {code}"
        if message:
            detail += f": {message}"
        return one_line(f"{call}: {detail}")
    if isinstance(exc, ServiceRequestError):
        return one_line(f"{call}: cannot reach the endpoint ({type(exc).__name__})")
    if isinstance(exc, ServiceResponseError):
        return one_line(f"{call}: the connection failed while waiting for the answer")
    return one_line(f"{call}: {type(exc).__name__}: {getattr(exc, 'message', None) or exc}")


def fatal_for_scan(exc: BaseException, endpoint: str) -> ScanCannotRun | None:
    """The error that means no call can succeed with this identity or endpoint, or None."""
    if isinstance(exc, ClientAuthenticationError) and status_of(exc) is None:
        # Raised by the credential itself: nothing could sign in.
        return ScanCannotRun(
            "azure: no usable credential: sign in with `az login`, set AZURE_CLIENT_ID/AZURE_TENANT_ID/"
            "AZURE_CLIENT_SECRET (or a federated token), use a managed identity, or pass "
            f"--azure-access-token ({one_line(getattr(exc, 'message', None) or str(exc), 160)})"
        )
    if status_of(exc) == 401 or error_code(exc) in TOKEN_CODES:
        return ScanCannotRun(
            f"azure: the token was rejected ({error_code(exc) or 'HTTP 401'}): sign in again or get a new token"
        )
    if isinstance(exc, ServiceRequestError):
        return ScanCannotRun(f"azure: cannot reach Resource Manager ({endpoint}): check the network or --azure-arm-endpoint")
    return None


__all__ = ["AzureError", "describe", "error_code", "fatal_for_scan", "status_of"]

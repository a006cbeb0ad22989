"""Turn botocore exceptions into one-line reasons, and spot the ones that stop a whole scan."""

from __future__ import annotations

import botocore.exceptions

from cloudaudit.errors import InputError, ScanCannotRun
from cloudaudit.redact import one_line

EXPIRED_CODES = frozenset(
    {"ExpiredToken", "ExpiredTokenException", "RequestExpired", "TokenRefreshRequired"}
)
REJECTED_CODES = frozenset(
    {
        "InvalidClientTokenId",
        "SignatureDoesNotMatch",
        "UnrecognizedClientException",
        "AuthFailure",
        "InvalidAccessKeyId",
        "InvalidToken",
    }
)


def error_code(exc: BaseException) -> str | None:
    if isinstance(exc, botocore.exceptions.ClientError):
        return exc.response.get("Error", {}).get("Code")
    return None


def describe(call: str, exc: BaseException) -> str:
    """'s3:GetBucketPolicy: AccessDenied: Access Denied' - the call and the reason, scrubbed."""
    if isinstance(exc, botocore.exceptions.ClientError):
        error = exc.response.get("Error", {})
        code = error.get("Code") or "Error"
        message = error.get("Message") or ""
        status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
        detail = f"{code}: {message}" if message and message != code else code
        if status and code.isdigit():
            detail = f"HTTP {status}"
        return one_line(f"{call}: {detail}")
    if isinstance(exc, botocore.exceptions.EndpointConnectionError):
        return one_line(f"{call}: cannot reach the endpoint ({exc})")
    if isinstance(exc, botocore.exceptions.ReadTimeoutError):
        return one_line(f"{call}: timed out")
    return one_line(f"{call}: {type(exc).__name__}: {exc}")


def fatal_for_scan(exc: BaseException, endpoint: str | None) -> ScanCannotRun | InputError | None:
    """The error that means no call can succeed with these credentials, or None."""
    where = f" ({endpoint})" if endpoint else ""
    if isinstance(exc, botocore.exceptions.ProfileNotFound):
        return InputError(f"--profile: {one_line(str(exc))} (see ~/.aws/config)")
    if isinstance(exc, botocore.exceptions.NoCredentialsError):
        return ScanCannotRun(
            "aws: no credentials found: set AWS_PROFILE or use --profile, or provide environment "
            "variables, ~/.aws/credentials, SSO or an instance role"
        )
    if isinstance(exc, (botocore.exceptions.TokenRetrievalError, botocore.exceptions.SSOTokenLoadError,
                        botocore.exceptions.UnauthorizedSSOTokenError)):
        return ScanCannotRun(f"aws: the SSO session has expired or is missing: run `aws sso login` ({one_line(str(exc), 120)})")
    if isinstance(exc, botocore.exceptions.CredentialRetrievalError):
        return ScanCannotRun(f"aws: could not obtain credentials: {one_line(str(exc), 200)}")
    if isinstance(exc, botocore.exceptions.PartialCredentialsError):
        return ScanCannotRun(f"aws: incomplete credentials: {one_line(str(exc), 200)}")
    if isinstance(exc, (botocore.exceptions.EndpointConnectionError, botocore.exceptions.ConnectTimeoutError)):
        return ScanCannotRun(f"aws: cannot reach the AWS endpoint{where}: check the network or AWS_ENDPOINT_URL")
    code = error_code(exc)
    if code in EXPIRED_CODES:
        return ScanCannotRun(f"aws: the credentials have expired ({code}): refresh them (aws sso login, or new STS credentials)")
    if code in REJECTED_CODES:
        return ScanCannotRun(f"aws: the credentials were rejected ({code}): check the access key and the profile")
    return None

"""Read what a bucket policy enforces about transport: HTTPS only, and a minimum TLS version.

A bucket is HTTPS-only when a statement denies every principal every S3 action (or all
actions) on the bucket's objects when `aws:SecureTransport` is false. It enforces TLS 1.2 when
a statement denies requests with `NumericLessThan s3:TlsVersion 1.2`. These are the forms AWS
documents and AWS Config's s3-bucket-ssl-requests-only rule accepts.

It also tells when a policy cannot be public, so that GetBucketPolicyStatus need not be asked:
S3 calls a policy public only when it grants access to a wildcard principal (without a
restricting condition), so one that allows nothing, or allows only named principals, is not.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any, Iterable


@dataclass(frozen=True)
class TransportPolicy:
    https_only: bool
    min_tls_version: str | None
    """'1.2' when requests below TLS 1.2 are denied; None when no minimum is enforced."""


def parse_policy(text: str) -> dict[str, Any]:
    document = json.loads(text)
    if not isinstance(document, dict):
        raise ValueError("the bucket policy is not a JSON object")
    return document


def transport_policy(document: dict[str, Any], bucket: str) -> TransportPolicy:
    https_only = False
    versions: list[float] = []
    for statement in _statements(document):
        if not _is_blanket_deny(statement, bucket):
            continue
        conditions = statement.get("Condition") or {}
        if _denies_insecure_transport(conditions):
            https_only = True
        version = _denied_below_tls(conditions)
        if version is not None:
            versions.append(version)
    minimum = f"{max(versions):.1f}" if versions else None
    return TransportPolicy(https_only, minimum)


def _statements(document: dict[str, Any]) -> list[dict[str, Any]]:
    statements = document.get("Statement") or []
    if isinstance(statements, dict):
        statements = [statements]
    return [s for s in statements if isinstance(s, dict)]


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _is_blanket_deny(statement: dict[str, Any], bucket: str) -> bool:
    """Deny, for everyone, of all S3 actions, covering the bucket's objects."""
    if statement.get("Effect") != "Deny" or "NotPrincipal" in statement or "NotAction" in statement:
        return False
    if not _everyone(statement.get("Principal")):
        return False
    actions = [a.lower() for a in _as_list(statement.get("Action"))]
    if not any(a in ("*", "s3:*") for a in actions):
        return False
    resources = _as_list(statement.get("Resource"))
    return any(_covers_objects(r, bucket) for r in resources)


def _everyone(principal: Any) -> bool:
    if principal == "*":
        return True
    if isinstance(principal, dict):
        return "*" in _as_list(principal.get("AWS"))
    return False


def _covers_objects(resource: Any, bucket: str) -> bool:
    if not isinstance(resource, str):
        return False
    if resource == "*":
        return True
    _, _, rest = resource.partition(":::")
    return rest in (f"{bucket}/*", "*") or rest == f"{bucket}*"


def _condition_values(conditions: dict[str, Any], operators: Iterable[str], key: str) -> list[Any]:
    values: list[Any] = []
    for operator, body in conditions.items():
        if operator not in operators or not isinstance(body, dict):
            continue
        for name, value in body.items():
            if name.lower() == key.lower():
                values.extend(_as_list(value))
    return values


def _denies_insecure_transport(conditions: dict[str, Any]) -> bool:
    values = _condition_values(conditions, ("Bool", "BoolIfExists"), "aws:SecureTransport")
    return any(str(v).lower() == "false" for v in values)


def _denied_below_tls(conditions: dict[str, Any]) -> float | None:
    values = _condition_values(conditions, ("NumericLessThan", "NumericLessThanIfExists"), "s3:TlsVersion")
    parsed = []
    for value in values:
        try:
            parsed.append(float(value))
        except (TypeError, ValueError):
            continue
    return max(parsed) if parsed else None


_ACCOUNT_ID = re.compile(r"^\d{12}$")


def foreign_accounts(document: dict[str, Any], own_account: str) -> list[str]:
    """AWS accounts other than the bucket owner's that an Allow statement names as principal."""
    accounts: list[str] = []
    for statement in _statements(document):
        if statement.get("Effect") != "Allow":
            continue
        principal = statement.get("Principal")
        if not isinstance(principal, dict):
            continue
        for entry in _as_list(principal.get("AWS")):
            account = _account_of(entry)
            if account and account != own_account and account not in accounts:
                accounts.append(account)
    return sorted(accounts)


def _account_of(principal: Any) -> str | None:
    if not isinstance(principal, str):
        return None
    if _ACCOUNT_ID.match(principal):
        return principal
    parts = principal.split(":")
    if len(parts) >= 6 and parts[0] == "arn" and _ACCOUNT_ID.match(parts[4]):
        return parts[4]
    return None


_PRIVATE_NETWORK_KEYS = ("aws:sourcevpce", "aws:sourcevpc")
_NEGATED_MATCH = ("StringNotEquals", "StringNotEqualsIfExists", "StringNotLike", "StringNotLikeIfExists")


def restricted_to_private_network(document: dict[str, Any], bucket: str) -> bool:
    """Does a blanket deny refuse every request that does not come through a VPC or VPC endpoint?"""
    for statement in _statements(document):
        if not _is_blanket_deny(statement, bucket):
            continue
        conditions = statement.get("Condition") or {}
        for operator, body in conditions.items():
            if operator in _NEGATED_MATCH and isinstance(body, dict):
                if any(key.lower() in _PRIVATE_NETWORK_KEYS for key in body):
                    return True
    return False


def may_be_public(document: dict[str, Any]) -> bool:
    """False when no statement could grant anything to everyone: every statement is a Deny, or
    an Allow to principals named without a wildcard. True whenever in doubt (S3 then decides)."""
    for statement in _statements(document):
        if statement.get("Effect") == "Deny":
            continue
        if "NotPrincipal" in statement or _has_wildcard(statement.get("Principal", "*")):
            return True
    return not isinstance(document.get("Statement"), (list, dict))


def _has_wildcard(principal: Any) -> bool:
    if isinstance(principal, str):
        return "*" in principal
    if isinstance(principal, dict):
        return any(_has_wildcard(value) for value in principal.values())
    if isinstance(principal, list):
        return any(_has_wildcard(value) for value in principal)
    return True  # not a shape S3 accepts: let S3 judge

"""Blob containers (storage.container): public access level with the account's setting and the
effective result, immutability (time-based policy, legal hold, version-level), encryption scope."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from cloudaudit.providers.azure import normalise
from cloudaudit.providers.azure.arm import ArmSession
from cloudaudit.providers.azure.guard import guarded
from cloudaudit.providers.azure.subresources import SubResource
from cloudaudit.providers.facts import Facts, Fetcher

GET_CALL = "storage:BlobContainers_Get"
ACCOUNT_KEY_SCOPE = "$account-encryption-key"
AUDIT_LOG_PREFIX = "insights-logs-"
WORM_MODES = {"Locked": "COMPLIANCE", "Unlocked": "GOVERNANCE"}
"""A locked policy cannot be shortened or removed (as S3 compliance mode); an unlocked one can."""


@dataclass(frozen=True)
class ContainerContext(SubResource):
    """A ListContainerItem from BlobContainers_List, with its account."""

    session: ArmSession | None = None
    """Reads a container's full immutability policy when the list leaves it out."""

    collection: ClassVar[str] = "blobServices/default/containers"


def _level(ctx: ContainerContext, facts: Facts) -> dict[str, Any]:
    props = ctx.item.properties
    level = (normalise.text(props.public_access) or "None").lower() if props else "none"
    return {"public_access.level": level}


def _account_allows(ctx: ContainerContext, facts: Facts) -> dict[str, Any]:
    return {"public_access.account_allows_anonymous": ctx.account_facts.get("public_access.anonymous_allowed")}


def effective_public(facts: Facts) -> dict[str, Any]:
    """Effectively public only when the level is not none and the account allows it: a level of
    none decides alone, whatever could be read of the account."""
    if facts.get("public_access.level") == "none":
        return {"public_access.public": False}
    return {"public_access.public": facts.get("public_access.account_allows_anonymous")}


def _immutability(ctx: ContainerContext, facts: Facts) -> dict[str, Any]:
    props = ctx.item.properties
    if props is not None and props.has_immutability_policy and props.immutability_policy is None and ctx.session:
        full = ctx.session.reader.one(
            GET_CALL,
            ctx.session.storage(ctx.where.subscription).blob_containers.get,
            resource_group_name=ctx.where.resource_group,
            account_name=ctx.where.name,
            container_name=ctx.name,
        )
        props = full.container_properties
    policy = props.immutability_policy.properties if props and props.immutability_policy else None
    state = normalise.text(policy.state) if policy else None
    days = policy.immutability_period_since_creation_in_days if policy else None
    version_level = bool(props and props.immutable_storage_with_versioning and props.immutable_storage_with_versioning.enabled)
    if policy is None and version_level:
        # Version-level immutability applies the account's default policy to new versions.
        state = ctx.account_facts.get("retention.default_policy_state")
        days = ctx.account_facts.get("retention.default_policy_days")
    worm = state in WORM_MODES
    return {
        "retention.object_lock": worm,
        "retention.mode": WORM_MODES.get(state) if worm else None,
        "retention.days": days if worm else None,
        "retention.locked": state == "Locked",
        "retention.policy_state": state if worm else None,
        "retention.legal_hold": bool(props and props.has_legal_hold),
        "retention.version_immutability": version_level,
    }


def encryption_scope(scope: str | None, enforced: bool | None) -> dict[str, Any]:
    """A container's default encryption scope, none when it is the account's key."""
    return {
        "encryption.scope": scope if scope and scope != ACCOUNT_KEY_SCOPE else None,
        "encryption.scope_enforced": bool(enforced),
    }


def audit_log_container(ctx: Any, facts: Facts) -> dict[str, Any]:
    """Containers that diagnostic settings ($insights-logs-*) or classic logging ($logs) write to."""
    name = ctx.item.name or ""
    return {"logging.audit_log_bucket": name == "$logs" or name.startswith(AUDIT_LOG_PREFIX)}


def _encryption_scope(ctx: ContainerContext, facts: Facts) -> dict[str, Any]:
    props = ctx.item.properties
    return encryption_scope(props.default_encryption_scope if props else None, props.deny_encryption_scope_override if props else None)


CONTAINER_FETCHERS: tuple[Fetcher[ContainerContext], ...] = guarded((
    Fetcher("level", ("public_access.level",), _level),
    Fetcher("account_allows", ("public_access.account_allows_anonymous",), _account_allows),
    Fetcher("public", ("public_access.public",), lambda ctx, facts: effective_public(facts), requires=("level", "account_allows"), combines=True),
    Fetcher(
        "immutability",
        (
            "retention.object_lock", "retention.mode", "retention.days", "retention.locked", "retention.policy_state",
            "retention.legal_hold", "retention.version_immutability",
        ),
        _immutability,
        calls=(GET_CALL,),
    ),
    Fetcher("encryption_scope", ("encryption.scope", "encryption.scope_enforced"), _encryption_scope),
    Fetcher("audit_log", ("logging.audit_log_bucket",), audit_log_container),
))

ACCOUNT_FACTS_NEEDED = {"account_allows": ("public",), "immutability": ("account_immutability",)}
"""Container fetcher -> the account fetchers whose facts it reads."""

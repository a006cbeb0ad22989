"""What a project's IAM policy and its effective organization policies say, from their JSON.

The project IAM policy (Resource Manager `projects.getIamPolicy`) carries `auditConfigs`: per
service (`storage.googleapis.com`, or `allServices` for every service) the Data Access log
types that are on (`ADMIN_READ`, `DATA_READ`, `DATA_WRITE`), each with the members exempted
from it. A service logs a type when its own entry or the allServices entry turns it on.

An effective organization policy (Org Policy v2 `getEffectivePolicy`) is the policy that holds
on the project once the organization's, folders' and project's own are merged and their tag
conditions evaluated: `spec.rules[]`, each `{enforce}` for a boolean constraint or `{allowAll}`,
`{denyAll}` or `{values: {allowedValues, deniedValues}}` for a list constraint. No rule means
the constraint's default: not enforced, every value allowed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping

from cloudaudit.providers.gcp.calls import strings

STORAGE_SERVICE = "storage.googleapis.com"
ALL_SERVICES = "allServices"
DATA_LOG_TYPES = ("DATA_READ", "DATA_WRITE")


@dataclass(frozen=True)
class StorageAudit:
    """Cloud Storage's Data Access audit logs in a project's audit configuration."""

    log_types: tuple[str, ...]
    """DATA_READ, DATA_WRITE (and ADMIN_READ) when on, for storage or for allServices."""
    exempted_members: tuple[str, ...]
    """Members whose reads or writes are not logged (exempted from DATA_READ or DATA_WRITE)."""

    @property
    def objects_recorded(self) -> bool:
        """Every object read and write is logged (both data log types are on)."""
        return all(kind in self.log_types for kind in DATA_LOG_TYPES)

    def merged(self, inherited: "StorageAudit") -> "StorageAudit":
        """With a folder's or the organization's: log types and exemptions both add up."""
        kinds = tuple(sorted(set(self.log_types) | set(inherited.log_types)))
        exempted = self.exempted_members + tuple(m for m in inherited.exempted_members if m not in self.exempted_members)
        return StorageAudit(kinds, exempted)


def storage_audit(policy: Mapping[str, Any]) -> StorageAudit:
    kinds: list[str] = []
    exempted: list[str] = []
    for config in policy.get("auditConfigs") or ():
        if not isinstance(config, Mapping) or config.get("service") not in (STORAGE_SERVICE, ALL_SERVICES):
            continue
        for log in config.get("auditLogConfigs") or ():
            kind = log.get("logType") if isinstance(log, Mapping) else None
            if not isinstance(kind, str):
                continue
            if kind not in kinds:
                kinds.append(kind)
            if kind in DATA_LOG_TYPES:
                exempted.extend(m for m in strings(log.get("exemptedMembers")) if m not in exempted)
    return StorageAudit(tuple(sorted(kinds)), tuple(exempted))


def _rules(policy: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    spec = policy.get("spec")
    rules = spec.get("rules") if isinstance(spec, Mapping) else None
    return [rule for rule in rules or () if isinstance(rule, Mapping)]


def boolean_enforced(policy: Mapping[str, Any]) -> bool:
    """The boolean constraint is enforced on the whole project: at least one rule, and every
    rule enforces (a rule that does not could exempt some resources)."""
    rules = _rules(policy)
    return bool(rules) and all(rule.get("enforce") is True for rule in rules)


@dataclass(frozen=True)
class ListPolicy:
    """A list constraint as it holds on the project."""

    restricted: bool
    """Only listed values are allowed (allowedValues, or denyAll). False when every value, or
    every value but a few denied ones, is allowed."""
    allowed: tuple[str, ...]
    """The allowed values as written (in:eu-locations, europe-west9); [] with denyAll."""
    denied: tuple[str, ...]
    """Denied values as written."""


def list_policy(policy: Mapping[str, Any]) -> ListPolicy:
    """Every rule counts (a rule is chosen by tags, so some resource may get any of them):
    values are allowed when one rule allows them, and the policy restricts only when each rule
    does."""
    rules = _rules(policy)
    allowed: list[str] = []
    denied: list[str] = []
    restricted = bool(rules)
    for rule in rules:
        values = rule.get("values") if isinstance(rule.get("values"), Mapping) else {}
        denied.extend(v for v in strings(values.get("deniedValues")) if v not in denied)
        if rule.get("denyAll") is True:
            continue
        listed = strings(values.get("allowedValues"))
        if rule.get("allowAll") is True or not listed:
            restricted = False
        allowed.extend(v for v in listed if v not in allowed)
    return ListPolicy(restricted, tuple(allowed) if restricted else (), tuple(denied))

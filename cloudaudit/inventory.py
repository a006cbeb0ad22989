"""The inventory: what collection found, as plain JSON that `evaluate` re-checks offline."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from cloudaudit import __version__
from cloudaudit.engine.validation import schema_problems
from cloudaudit.errors import InputError
from cloudaudit.jsonfile import read_json_file
from cloudaudit.model import CollectionIssue, Resource
from cloudaudit.providers.interface import AccountRef

SCHEMA_VERSION = 1


@dataclass
class Inventory:
    resources: list[Resource] = field(default_factory=list)
    issues: list[CollectionIssue] = field(default_factory=list)
    """What could not be collected at all (a listing, an account), and why."""
    accounts: list[AccountRef] = field(default_factory=list)
    tenant: str | None = None
    started_at: str = ""
    finished_at: str = ""
    api_calls: dict[str, int] = field(default_factory=dict)

    @property
    def providers(self) -> list[str]:
        seen = [a.provider for a in self.accounts] + [r.provider for r in self.resources]
        return sorted(set(seen))

    def to_document(self) -> dict[str, Any]:
        return {
            "schema_version": SCHEMA_VERSION,
            "tool": {"name": "cloudaudit", "version": __version__},
            "tenant": self.tenant,
            "started_at": self.started_at,
            "finished_at": self.finished_at,
            "accounts": [{"provider": a.provider, "id": a.id, "name": a.name} for a in self.accounts],
            "resources": [r.to_dict() for r in self.resources],
            "errors": [i.to_dict() for i in self.issues],
            "api_calls": dict(sorted(self.api_calls.items())),
        }

    def to_json(self) -> str:
        return json.dumps(self.to_document(), indent=2, sort_keys=False, default=str) + "\n"

    @classmethod
    def from_document(cls, document: Any, source: str) -> "Inventory":
        if not isinstance(document, dict):
            raise InputError(f"{source}: $: expected an inventory object (written by `cloudaudit collect`)")
        version = document.get("schema_version")
        if version != SCHEMA_VERSION:
            raise InputError(
                f"{source}: $.schema_version: {version!r} is not supported (expected {SCHEMA_VERSION}; "
                "collect it again with this version of cloudaudit)"
            )
        problems = schema_problems(document, "inventory.schema.json")
        if problems:
            raise InputError([f"{source}: {p}" for p in problems])
        return cls(
            resources=[Resource.from_dict(r) for r in document["resources"]],
            issues=[CollectionIssue(**i) for i in document.get("errors", [])],
            accounts=[AccountRef(a["provider"], a["id"], a.get("name", "")) for a in document.get("accounts", [])],
            tenant=document.get("tenant"),
            started_at=document.get("started_at", ""),
            finished_at=document.get("finished_at", ""),
            api_calls=dict(document.get("api_calls", {})),
        )

    @classmethod
    def load(cls, path: str) -> "Inventory":
        return cls.from_document(read_json_file(path), path)


def merge(parts: list[Inventory], tenant: str | None) -> Inventory:
    """One inventory from the collections of several accounts."""
    merged = Inventory(tenant=tenant)
    calls: dict[str, int] = {}
    for part in parts:
        merged.resources.extend(part.resources)
        merged.issues.extend(part.issues)
        merged.accounts.extend(part.accounts)
        for name, count in part.api_calls.items():
            calls[name] = calls.get(name, 0) + count
    merged.api_calls = calls
    return merged


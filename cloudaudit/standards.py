"""Standards (rules/standards/*.yaml): named sets of parameters, rule selection and severities.

`--standard hds` sets what HDS expects (EEA regions for every copy, customer-managed keys for
patient data, residency as critical); a tenant's config file overrides any of it per run.
Precedence, lowest first: rule defaults, the standard, the config's defaults, the tenant.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from typing import Mapping

from cloudaudit.engine.ruleset import ParamOverrides, Selection
from cloudaudit.datafiles import load_bundled_documents
from cloudaudit.errors import InputError
from cloudaudit.model import Severity

STANDARD_DIRECTORY = "standards"


@dataclass(frozen=True)
class Standard:
    id: str
    title: str
    params: ParamOverrides = field(default_factory=ParamOverrides)
    selection: Selection = field(default_factory=Selection)
    severity: Mapping[str, Severity] = field(default_factory=dict)
    """Rule id -> the severity this standard gives it."""
    framework: str | None = None
    description: str = ""
    source: str = ""


@functools.lru_cache(maxsize=1)
def load_standards() -> Mapping[str, Standard]:
    standards: dict[str, Standard] = {}
    for source, document in load_bundled_documents(STANDARD_DIRECTORY, "standard.schema.json"):
        params = document.get("params") or {}
        rules = document.get("rules") or {}
        standards[document["id"]] = Standard(
            id=document["id"],
            title=document["title"],
            description=document.get("description", ""),
            framework=document.get("framework"),
            source=source,
            params=ParamOverrides(params, {name: f"{source}: $.params.{name}" for name in params}),
            selection=Selection(
                include=tuple(rules.get("include") or ()),
                exclude=tuple(rules.get("exclude") or ()),
                min_severity=Severity(rules["min_severity"]) if rules.get("min_severity") else None,
            ),
            severity={rule_id: Severity(level) for rule_id, level in (document.get("severity") or {}).items()},
        )
    return standards


def get_standard(name: str, where: str = "--standard") -> Standard:
    standards = load_standards()
    if name not in standards:
        raise InputError(f"{where} {name}: unknown standard (expected one of {', '.join(standards)})")
    return standards[name]


def layered(*layers: ParamOverrides) -> ParamOverrides:
    """Parameter overrides where a later layer wins, each value keeping where it was written."""
    values: dict = {}
    where: dict = {}
    for layer in layers:
        values.update(layer.values)
        where.update({name: layer.where.get(name, name) for name in layer.values})
    return ParamOverrides(values, where)

"""Standards (rules/standards/*.yaml): named sets of parameters, rule selection and severities.

`--standard hds` sets what HDS expects (EEA regions for every copy, customer-managed keys for
patient data, residency as critical); a tenant's config file overrides any of it per run.
Precedence, lowest first: rule defaults, the standard, the config's defaults, the tenant.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from importlib import resources
from typing import Mapping

from cloudaudit.engine.ruleset import ParamOverrides, Selection
from cloudaudit.engine.validation import schema_problems
from cloudaudit.errors import InputError
from cloudaudit.model import Severity
from cloudaudit.yamlfile import parse_yaml

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
    root = resources.files("cloudaudit.rules").joinpath(STANDARD_DIRECTORY)
    standards: dict[str, Standard] = {}
    problems: list[str] = []
    for entry in sorted(root.iterdir(), key=lambda e: e.name):
        if not entry.name.endswith(".yaml"):
            continue
        source = f"rules/{STANDARD_DIRECTORY}/{entry.name}"
        document = parse_yaml(entry.read_text("utf-8"), source)
        found = schema_problems(document, "standard.schema.json")
        if found:
            problems.extend(f"{source}: {p}" for p in found)
            continue
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
    if problems:
        raise InputError(problems)
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

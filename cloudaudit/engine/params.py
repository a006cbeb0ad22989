"""Typed rule parameters: declarations, overrides and named region sets.

A rule declares each parameter with a type and a default; a tenant's config (or a standard)
overrides it by name, and the override is validated against the declaration. A value may be
written as `{region_set: eea}`, which expands to the region codes of rules/data/regions.yaml.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from importlib import resources
from typing import Any, Mapping

import jsonschema

from cloudaudit.engine.validation import problems_from_errors
from cloudaudit.yamlfile import parse_yaml

_DECLARATION_KEYS = ("type", "items", "minimum", "maximum", "enum")


@dataclass(frozen=True)
class ParamDeclaration:
    name: str
    schema: Mapping[str, Any]
    """The JSON Schema a value must satisfy (type, items, minimum, maximum, enum)."""
    default: Any
    description: str = ""

    @classmethod
    def from_rule(cls, name: str, body: Mapping[str, Any]) -> "ParamDeclaration":
        schema = {key: body[key] for key in _DECLARATION_KEYS if key in body}
        return cls(name, schema, body.get("default"), body.get("description", ""))

    def problems(self, value: Any, where: str) -> list[str]:
        """Problems of `value` (already expanded) against this declaration."""
        validator = jsonschema.Draft202012Validator(dict(self.schema))
        lines = problems_from_errors(validator.iter_errors(value))
        return [f"{where}{line[1:]}" if line.startswith("$") else f"{where}: {line}" for line in lines]


@functools.lru_cache(maxsize=1)
def region_sets() -> Mapping[str, tuple[str, ...]]:
    """Named region sets: name -> every region code of that set across the clouds, lower-case."""
    text = resources.files("cloudaudit.rules").joinpath("data/regions.yaml").read_text("utf-8")
    data = parse_yaml(text, "rules/data/regions.yaml") or {}
    sets = {}
    for name, body in data.items():
        codes: list[str] = []
        for cloud in ("aws", "azure", "gcp"):
            codes.extend(code.lower() for code in body.get(cloud, []))
        sets[name] = tuple(codes)
    return sets


def expand_value(value: Any, where: str, problems: list[str]) -> Any:
    """Expand `{region_set: NAME}`; any other value is returned as is."""
    if isinstance(value, dict) and set(value) == {"region_set"}:
        name = value["region_set"]
        sets = region_sets()
        if name not in sets:
            problems.append(f"{where}: unknown region set {name!r} (expected one of {', '.join(sets)})")
            return None
        return list(sets[name])
    return value


def resolve_params(
    declarations: Mapping[str, ParamDeclaration],
    overrides: Mapping[str, Any],
    override_where: Mapping[str, str],
    rule_where: str,
) -> tuple[dict[str, Any], list[str]]:
    """The parameter values for one rule: defaults, then overrides, each checked.

    `override_where` names where each override came from (config file and JSON path), for errors.
    """
    problems: list[str] = []
    values: dict[str, Any] = {}
    for name, declaration in declarations.items():
        if name in overrides:
            where = override_where.get(name, f"params.{name}")
            raw = overrides[name]
        else:
            where = f"{rule_where}: $.params.{name}.default"
            raw = declaration.default
        before = len(problems)
        value = expand_value(raw, where, problems)
        if len(problems) > before:
            continue
        problems.extend(declaration.problems(value, where))
        values[name] = value
    return values, problems

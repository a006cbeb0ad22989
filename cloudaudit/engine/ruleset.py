"""Choose rules, bind their parameters, compile them once, and run them over an inventory."""

from __future__ import annotations

import dataclasses
import fnmatch
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any, Iterable, Mapping, Sequence

from cloudaudit.engine.params import resolve_params
from cloudaudit.engine.rule import Rule, RuleSpec, compile_rule
from cloudaudit.errors import InputError
from cloudaudit.model import Finding, Resource, Severity
from cloudaudit.vocabulary import vocabulary


@dataclass(frozen=True)
class Selection:
    """Which rules run: the CLI's --rule/--exclude-rule/--severity/--category, and the config's."""

    include: tuple[str, ...] = ()
    """Rule ids or globs (aws.*); empty means every rule."""
    exclude: tuple[str, ...] = ()
    min_severity: Severity | None = None
    """Only rules at or above this severity."""
    categories: tuple[str, ...] = ()
    """Only rules in at least one of these categories."""
    within: tuple[str, ...] = ()
    """Only these rule ids (the rules a --framework maps); empty means no such limit."""

    def merged(self, other: "Selection") -> "Selection":
        """This selection narrowed further by `other` (both apply)."""
        severities = [s for s in (self.min_severity, other.min_severity) if s is not None]
        if self.within and other.within:
            within = tuple(i for i in self.within if i in other.within)
        else:
            within = self.within or other.within
        return Selection(
            include=other.include or self.include,
            exclude=self.exclude + other.exclude,
            min_severity=max(severities, key=lambda s: s.rank) if severities else None,
            categories=other.categories or self.categories,
            within=within,
        )


@dataclass(frozen=True)
class ParamOverrides:
    values: Mapping[str, Any] = field(default_factory=dict)
    where: Mapping[str, str] = field(default_factory=dict)
    """Parameter name -> where the override was written (file: $.json.path), for errors."""


def select_rules(specs: Sequence[RuleSpec], selection: Selection) -> list[RuleSpec]:
    ids = [spec.id for spec in specs]
    problems = [
        f"--rule {pattern}: no rule matches (see `cloudaudit rules list`)"
        for pattern in selection.include
        if not fnmatch.filter(ids, pattern)
    ] + [
        f"--exclude-rule {pattern}: no rule matches (see `cloudaudit rules list`)"
        for pattern in selection.exclude
        if not fnmatch.filter(ids, pattern)
    ]
    if problems:
        raise InputError(problems)
    chosen = []
    for spec in specs:
        if selection.within and spec.id not in selection.within:
            continue
        if selection.include and not any(fnmatch.fnmatchcase(spec.id, p) for p in selection.include):
            continue
        if any(fnmatch.fnmatchcase(spec.id, p) for p in selection.exclude):
            continue
        if selection.min_severity and spec.severity.rank < selection.min_severity.rank:
            continue
        if selection.categories and not set(spec.categories) & set(selection.categories):
            continue
        chosen.append(spec)
    return chosen


@dataclass(frozen=True)
class SeverityOverrides:
    """Rule id -> severity, from a standard (HDS makes residency critical)."""

    levels: Mapping[str, Severity] = field(default_factory=dict)
    source: str = ""
    """Where they were written, for errors."""


def compile_rules(
    specs: Sequence[RuleSpec],
    overrides: ParamOverrides = ParamOverrides(),
    all_specs: Sequence[RuleSpec] | None = None,
    severities: SeverityOverrides = SeverityOverrides(),
) -> list[Rule]:
    """Bind parameters and severities, and compile; raises InputError with every problem found.

    `all_specs` (every loaded rule, selected or not) decides whether an override names a
    parameter or a rule that exists; a config is not wrong because a rule was excluded on this run.
    """
    known = all_specs or specs
    declared = {name for spec in known for name in spec.params}
    problems = [
        f"{overrides.where.get(name, name)}: no rule has a parameter {name!r}"
        f" (known: {', '.join(sorted(declared)) or 'none'})"
        for name in overrides.values
        if name not in declared
    ]
    known_ids = {spec.id for spec in known}
    problems += [
        f"{severities.source}: $.severity.{rule_id}: no rule {rule_id!r}"
        for rule_id in severities.levels
        if rule_id not in known_ids
    ]
    rules = []
    vocab = vocabulary()
    for spec in specs:
        if spec.id in severities.levels:
            spec = dataclasses.replace(spec, severity=severities.levels[spec.id])
        relevant = {k: v for k, v in overrides.values.items() if k in spec.params}
        values, param_problems = resolve_params(spec.params, relevant, overrides.where, spec.source)
        if param_problems:
            problems.extend(p for p in param_problems if p not in problems)
            continue
        rule, rule_problems = compile_rule(spec, values, vocab)
        problems.extend(rule_problems)
        if rule is not None:
            rules.append(rule)
    if problems:
        raise InputError(problems)
    return rules


def evaluate(rules: Sequence[Rule], resources: Iterable[Resource]) -> list[Finding]:
    """Every matching (rule, resource) pair gives one finding."""
    by_type: dict[str, list[Rule]] = defaultdict(list)
    for rule in rules:
        for rtype in rule.spec.resource_types:
            by_type[rtype].append(rule)
    findings = []
    for resource in resources:
        for rule in by_type.get(resource.type, ()):
            if rule.matches(resource):
                findings.append(rule.evaluate(resource))
    return findings


def needed_paths(rules: Sequence[Rule], provider: str) -> dict[str, frozenset[str]]:
    """Resource type -> the property paths that rules for `provider` read (its collection plan)."""
    needs: dict[str, set[str]] = defaultdict(set)
    for rule in rules:
        if rule.spec.providers is not None and provider not in rule.spec.providers:
            continue
        for rtype in rule.spec.resource_types:
            for text, path in rule.paths.items():
                needs[rtype].add("tags" if path.root == "tags" else text)
    return {rtype: frozenset(paths) for rtype, paths in needs.items()}

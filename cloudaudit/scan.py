"""The pipeline: load rules, collect from each account, evaluate, and build the report."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass, field
from typing import Any, Mapping, Sequence

from cloudaudit.engine.loader import load_rule_specs
from cloudaudit.engine.rule import Rule, RuleSpec
from cloudaudit.engine.ruleset import (
    ParamOverrides,
    Selection,
    SeverityOverrides,
    compile_rules,
    evaluate,
    needed_paths,
    select_rules,
)
from cloudaudit.errors import ScanCannotRun
from cloudaudit.frameworks import Framework, compliance_summary
from cloudaudit.inventory import Inventory, merge
from cloudaudit.model import CollectionIssue
from cloudaudit.progress import Progress
from cloudaudit.providers import provider_class
from cloudaudit.providers.interface import CollectionPlan
from cloudaudit.report import Report


@dataclass(frozen=True)
class Target:
    """One account to collect from: a provider and its settings (profile, regions...)."""

    provider: str
    settings: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class RuleBook:
    """The rules of one run: every rule loaded, the ones selected, and their compiled form."""

    all_specs: Sequence[RuleSpec]
    selected: Sequence[RuleSpec]
    rules: Sequence[Rule]


def prepare_rules(
    rules_dirs: Sequence[str] = (),
    selection: Selection = Selection(),
    overrides: ParamOverrides = ParamOverrides(),
    severities: SeverityOverrides = SeverityOverrides(),
) -> RuleBook:
    """Load, validate, select and compile, once per run. Raises InputError on any problem."""
    specs = load_rule_specs(rules_dirs)
    selected = select_rules(specs, selection)
    rules = compile_rules(selected, overrides, all_specs=specs, severities=severities)
    return RuleBook(specs, tuple(rule.spec for rule in rules), rules)


def now() -> str:
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds").replace("+00:00", "Z")


def collect(
    targets: Sequence[Target],
    rules: Sequence[Rule] | None,
    workers: int,
    progress: Progress,
    tenant: str | None = None,
    also_read: frozenset[str] = frozenset(),
) -> Inventory:
    """Collect from every target. `rules` decides what is read; None reads everything.
    `also_read`: paths to read on every resource type the rules check, though no rule reads
    them (`tags`, when a suppression matches on tags).

    An account that cannot be read at all (expired credentials...) is reported and the others
    go on; only when no account could be read does the scan stop with ScanCannotRun.
    """
    started = now()
    parts: list[Inventory] = []
    failures: list[ScanCannotRun] = []
    for target in targets:
        plan = CollectionPlan(_plan_needs(rules, target.provider, also_read))
        provider = provider_class(target.provider)(target.settings, workers)
        try:
            result = provider.collect(plan, progress)
        except ScanCannotRun as exc:
            failures.append(exc)
            label = target.settings.get("profile") or target.settings.get("role_arn") or "default credentials"
            issue = CollectionIssue(target.provider, "", f"account ({label})", exc.message)
            parts.append(Inventory(issues=[issue]))
            continue
        parts.append(
            Inventory(
                resources=result.resources,
                issues=result.issues,
                accounts=result.accounts,
                api_calls=dict(result.api_calls),
            )
        )
    if failures and len(failures) == len(targets):
        raise failures[0]
    inventory = merge(parts, tenant)
    inventory.started_at = started
    inventory.finished_at = now()
    return inventory


def _plan_needs(rules: Sequence[Rule] | None, provider: str, also_read: frozenset[str]) -> dict[str, frozenset[str]] | None:
    if rules is None:
        return None
    return {rtype: paths | also_read for rtype, paths in needed_paths(rules, provider).items()}


def build_report(
    inventory: Inventory,
    book: RuleBook,
    started_at: str | None = None,
    standard: str | None = None,
    frameworks: Sequence[Framework] = (),
) -> Report:
    findings = evaluate(book.rules, inventory.resources)
    report = Report(
        scan_id=str(uuid.uuid4()),
        inventory=inventory,
        findings=findings,
        rules=book.selected,
        started_at=started_at or inventory.started_at or now(),
        finished_at=now(),
        standard=standard,
    )
    if frameworks:
        report.extra["compliance"] = [compliance_summary(f, report.findings) for f in frameworks]
    return report

"""What scan and evaluate do once the rules ran: suppressions, the baseline, the webhook, and
the exit code that results.

Every input is read and checked in `review_plan`, before anything is collected, so a typo in
a suppressions file costs no scan and exits 2 at once.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass
from typing import Any, Mapping

import click

from cloudaudit.baseline import Baseline, load_baseline
from cloudaudit.cli.common import fail_on_from
from cloudaudit.cli.delivery import DeliverySettings, delivery_settings, run_delivery
from cloudaudit.config import TenantConfig
from cloudaudit.errors import ExitCode
from cloudaudit.outputs.document import findings_document
from cloudaudit.report import Report
from cloudaudit.scan import RuleBook
from cloudaudit.suppressions import SuppressionFile, apply_suppressions, load_suppressions, today_utc

WEBHOOK_PREFIX = "webhook-"


@dataclass(frozen=True)
class ReviewPlan:
    suppressions: SuppressionFile | None = None
    baseline: Baseline | None = None
    delivery: DeliverySettings | None = None

    @property
    def also_read(self) -> frozenset[str]:
        """Paths to collect for the suppressions although no rule reads them (tags)."""
        return self.suppressions.reads if self.suppressions else frozenset()

    @property
    def accepted(self) -> frozenset[str]:
        """Failing fingerprints that do not fail the run: those failing in the baseline."""
        return self.baseline.failing if self.baseline else frozenset()


def review_plan(options: Mapping[str, Any], book: RuleBook, tenant: TenantConfig | None = None) -> ReviewPlan:
    suppressions = None
    suppressions_path = options.get("suppressions_path") or (tenant.suppressions if tenant else None)
    if suppressions_path:
        suppressions = load_suppressions(suppressions_path, [s.id for s in book.all_specs])
    baseline = load_baseline(options["baseline_path"]) if options.get("baseline_path") else None
    return ReviewPlan(suppressions, baseline, delivery_settings(options, WEBHOOK_PREFIX))


def review(report: Report, plan: ReviewPlan, today: dt.date | None = None) -> Report:
    """The report with suppressed findings MUTED, and the `suppressions` and `baseline`
    sections of the findings document; warnings about stale entries go to stderr."""
    findings = list(report.findings)
    extra = dict(report.extra)
    if plan.suppressions is not None:
        rules_run = [spec.id for spec in report.rules]
        result = apply_suppressions(findings, plan.suppressions, today or today_utc(), rules_run)
        findings = list(result.findings)
        extra["suppressions"] = result.to_document()
        for line in result.warnings():
            click.echo(f"warning: {line}", err=True)
    if plan.baseline is not None:
        mismatch = plan.baseline.mismatch(a.id for a in report.inventory.accounts)
        if mismatch:
            click.echo(f"warning: {mismatch}", err=True)
        extra["baseline"] = plan.baseline.section(plan.baseline.compare(findings))
    return dataclasses.replace(report, findings=findings, extra=extra)


def finish(report: Report, plan: ReviewPlan, options: Mapping[str, Any]) -> int:
    """Deliver to the webhook if asked, then the exit code: 3 when something was not
    delivered (it needs a person either way), else what --fail-on and --baseline say."""
    code = report.exit_code(fail_on_from(options["fail_on"]), options["fail_on_error"], plan.accepted)
    if plan.delivery is None:
        return code
    document = findings_document(report)
    delivered = run_delivery(plan.delivery, document["findings"], document["scan"], plan.accepted)
    return ExitCode.UNDELIVERED if delivered != ExitCode.OK else code

"""A finished scan: its findings with the context every output format renders."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Collection, Sequence

from cloudaudit.engine.rule import RuleSpec
from cloudaudit.errors import ExitCode
from cloudaudit.inventory import Inventory
from cloudaudit.model import Finding, Severity, Status

STATUS_ORDER = (Status.FAIL, Status.ERROR, Status.MUTED, Status.PASS, Status.NOT_APPLICABLE)
SEVERITY_ORDER = (Severity.CRITICAL, Severity.HIGH, Severity.MEDIUM, Severity.LOW, Severity.INFO)


@dataclass
class Report:
    scan_id: str
    inventory: Inventory
    findings: list[Finding]
    rules: Sequence[RuleSpec]
    """The rules that ran."""
    started_at: str
    finished_at: str
    standard: str | None = None
    """The named parameter set applied (hds, gdpr, hipaa), if any."""
    extra: dict[str, Any] = field(default_factory=dict)
    """Sections that features add to the findings document (compliance summary, baseline...)."""

    def __post_init__(self) -> None:
        self.findings.sort(key=lambda f: (f.resource.id, f.rule.id))

    @property
    def tenant(self) -> str | None:
        return self.inventory.tenant

    def summary(self) -> dict[str, Any]:
        by_status = {s.value: 0 for s in STATUS_ORDER}
        by_severity = {sev.value: {s.value: 0 for s in STATUS_ORDER} for sev in SEVERITY_ORDER}
        for finding in self.findings:
            by_status[finding.status.value] += 1
            by_severity[finding.severity.value][finding.status.value] += 1
        return {
            "resources": len(self.inventory.resources),
            "rules": len(self.rules),
            "findings": len(self.findings),
            "by_status": by_status,
            "by_severity": by_severity,
            "collection_errors": len(self.inventory.issues),
        }

    def failures_at_or_above(self, threshold: Severity | None) -> list[Finding]:
        if threshold is None:
            return []
        return [
            f for f in self.findings if f.status is Status.FAIL and f.severity.rank >= threshold.rank
        ]

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.status is Status.ERROR]

    def exit_code(self, fail_on: Severity | None, fail_on_error: bool, accepted: Collection[str] = frozenset()) -> int:
        """0 when nothing at or above `fail_on` fails; 1 otherwise. With `fail_on_error`, ERROR
        results and collection errors fail too. `accepted`: fingerprints that were failing
        already in a baseline; they are reported but do not fail the run. MUTED never fails."""
        if any(f.fingerprint not in accepted for f in self.failures_at_or_above(fail_on)):
            return ExitCode.FINDINGS
        if fail_on_error and (self.errors or self.inventory.issues):
            return ExitCode.FINDINGS
        return ExitCode.OK


def sort_for_reading(findings: Sequence[Finding]) -> list[Finding]:
    """Failures first, the most serious first: the order a person fixes things in."""
    status_rank = {s: i for i, s in enumerate(STATUS_ORDER)}
    return sorted(
        findings,
        key=lambda f: (status_rank[f.status], -f.severity.rank, f.resource.id, f.rule.id),
    )

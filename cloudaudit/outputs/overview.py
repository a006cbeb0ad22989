"""Wording shared by the report formats written for people (markdown, html): what was scanned,
and the one-line verdict."""

from __future__ import annotations

from cloudaudit import __version__
from cloudaudit.model import CollectionIssue, Finding, Resource, Status
from cloudaudit.report import SEVERITY_ORDER, Report, sort_for_reading


def scope_parts(report: Report) -> list[str]:
    """What the scan covered, as short labels: tenant, standard, accounts, counts."""
    parts = []
    if report.tenant:
        parts.append(f"tenant {report.tenant}")
    if report.standard:
        parts.append(f"standard {report.standard}")
    accounts = [f"{a.provider} {a.name or a.id}" for a in report.inventory.accounts]
    parts.append(", ".join(accounts) if accounts else "no account")
    parts.append(f"{len(report.inventory.resources)} resources, {len(report.rules)} rules")
    return parts


def tool_label(report: Report) -> str:
    return f"cloudaudit {__version__}, scan {report.scan_id}, finished {report.finished_at}"


def headline(report: Report) -> str:
    """The verdict in one line, e.g. '3 failing checks (1 critical, 2 high), 1 error, 12 passed'."""
    by_status = report.summary()["by_status"]
    failing = failing_findings(report)
    if failing:
        per_severity = ", ".join(
            f"{count} {severity.value}"
            for severity in SEVERITY_ORDER
            if (count := sum(1 for f in failing if f.severity is severity))
        )
        parts = [f"{_count(len(failing), 'failing check')} ({per_severity})"]
    else:
        parts = ["no failing check"]
    if by_status[Status.ERROR.value]:
        parts.append(_count(by_status[Status.ERROR.value], "check") + " could not be evaluated")
    if by_status[Status.MUTED.value]:
        parts.append(f"{by_status[Status.MUTED.value]} muted")
    parts.append(f"{by_status[Status.PASS.value]} passed")
    if report.inventory.issues:
        parts.append(_count(len(report.inventory.issues), "collection error"))
    return ", ".join(parts)


def failing_findings(report: Report) -> list[Finding]:
    """FAIL findings, the most serious first."""
    return [f for f in sort_for_reading(report.findings) if f.status is Status.FAIL]


def findings_with(report: Report, status: Status) -> list[Finding]:
    return [f for f in sort_for_reading(report.findings) if f.status is status]


def issue_where(issue: CollectionIssue) -> str:
    """'aws 111122223333 eu-west-3': what could not be collected."""
    return " ".join(part for part in (issue.provider, issue.account, issue.scope) if part)


def issue_label(issue: CollectionIssue) -> str:
    """'aws 111122223333 eu-west-3: s3:ListBuckets: AccessDenied'."""
    return f"{issue_where(issue)}: {issue.message}"


def resource_place(resource: Resource) -> str:
    """'aws 111122223333 eu-west-3': where a resource lives."""
    return " ".join(part for part in (resource.provider, resource.account, resource.region) if part)


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}" + ("" if number == 1 else "s")

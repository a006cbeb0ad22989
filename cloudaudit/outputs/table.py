"""The terminal report: findings grouped by resource, failures first, a summary, what to fix first."""

from __future__ import annotations

import textwrap
from collections import defaultdict

from tabulate import tabulate

from cloudaudit import __version__
from cloudaudit.model import Finding, Resource, Status
from cloudaudit.outputs.interface import OutputFormat
from cloudaudit.report import SEVERITY_ORDER, STATUS_ORDER, Report, sort_for_reading

_COLORS = {
    Status.FAIL: "\x1b[31m",
    Status.ERROR: "\x1b[33m",
    Status.MUTED: "\x1b[2m",
    Status.PASS: "\x1b[32m",
    Status.NOT_APPLICABLE: "\x1b[2m",
}
_RESET = "\x1b[0m"
_BOLD = "\x1b[1m"
_SHORT_STATUS = {Status.NOT_APPLICABLE: "N/A"}
_FIX_FIRST = 5


class TableFormat(OutputFormat):
    name = "table"
    description = "Readable report for a terminal (the default on a terminal)"
    extension = "txt"

    def render(self, report: Report) -> str:
        lines = [self._heading(report), ""]
        by_resource: dict[str, list[Finding]] = defaultdict(list)
        resources: dict[str, Resource] = {}
        for finding in report.findings:
            by_resource[finding.resource.id].append(finding)
            resources[finding.resource.id] = finding.resource
        for resource_id in sorted(by_resource, key=lambda rid: _resource_rank(by_resource[rid])):
            lines.extend(self._resource_block(resources[resource_id], by_resource[resource_id]))
        if not report.findings:
            lines.append("No resources matched the selected rules.")
            lines.append("")
        lines.extend(self._summary(report))
        lines.extend(self._compliance(report))
        lines.extend(self._collection_errors(report))
        lines.extend(self._fix_first(report))
        return "\n".join(lines).rstrip("\n") + "\n"

    # -- pieces ------------------------------------------------------------------------------

    def _heading(self, report: Report) -> str:
        accounts = ", ".join(f"{a.provider} {a.name or a.id}" for a in report.inventory.accounts) or "no account"
        parts = [f"cloudaudit {__version__}"]
        if report.tenant:
            parts.append(f"tenant {report.tenant}")
        if report.standard:
            parts.append(f"standard {report.standard}")
        parts.append(accounts)
        parts.append(f"{len(report.inventory.resources)} resources, {len(report.rules)} rules")
        return "\n".join(self._bold(line) for line in self._wrap(" | ".join(parts), "", "  "))

    def _resource_block(self, resource: Resource, findings: list[Finding]) -> list[str]:
        ordered = sort_for_reading(findings)
        counts = {s: sum(1 for f in findings if f.status is s) for s in STATUS_ORDER}
        shown = [
            f for f in ordered
            if self.options.show_passed or f.status not in (Status.PASS, Status.NOT_APPLICABLE)
        ]
        where = f" ({resource.region})" if resource.region else ""
        tally = ", ".join(
            f"{counts[s]} {_word(s, counts[s])}" for s in STATUS_ORDER if counts[s]
        )
        lines = [self._bold(f"{resource.type} {resource.name}{where}") + f"  {tally}", f"  {resource.id}"]
        if shown:
            message_width = max(30, self.options.width - 2 - 8 - 6 - 34 - 6)
            rows = [[f.severity.value, self._status(f.status), f.rule.id, _message(f)] for f in shown]
            table = tabulate(rows, tablefmt="plain", maxcolwidths=[None, None, 34, message_width], break_on_hyphens=False)
            lines.extend("  " + line for line in table.splitlines())
        lines.append("")
        return lines

    def _summary(self, report: Report) -> list[str]:
        summary = report.summary()
        headers = ["status"] + [s.value for s in SEVERITY_ORDER] + ["total"]
        rows = []
        for status in STATUS_ORDER:
            per = [summary["by_severity"][sev.value][status.value] for sev in SEVERITY_ORDER]
            rows.append([self._status(status)] + per + [summary["by_status"][status.value]])
        table = tabulate(rows, headers=headers, tablefmt="simple")
        return [self._bold("Summary"), *table.splitlines(), ""]

    def _compliance(self, report: Report) -> list[str]:
        lines: list[str] = []
        for summary in report.extra.get("compliance", ()):
            framework = summary["framework"]
            counts = ", ".join(f"{n} {status.lower().replace('_', ' ')}" for status, n in summary["summary"].items() if n)
            lines += [self._bold(line) for line in self._wrap(f"Compliance: {framework['name']} ({framework['version']})", "", "  ")]
            lines.append(f"  {counts}")
            rows = [
                [r["id"], self._requirement_status(r["status"]), _requirement_detail(r), _requirement_text(r)]
                for r in summary["requirements"]
            ]
            table = tabulate(rows, headers=["requirement", "status", "resources", "requirement and why it fails"],
                             tablefmt="simple", maxcolwidths=[None, None, None, max(30, self.options.width - 50)],
                             break_on_hyphens=False)
            lines.extend("  " + line for line in table.splitlines())
            lines.append("")
        return lines

    def _requirement_status(self, status: str) -> str:
        try:
            return self._status(Status(status))
        except ValueError:
            return status

    def _collection_errors(self, report: Report) -> list[str]:
        issues = report.inventory.issues
        if not issues:
            return []
        lines = [self._bold(f"Could not collect ({len(issues)})")]
        for issue in issues:
            lines += self._wrap(f"{issue.provider} {issue.account} {issue.scope}: {issue.message}", "  ", "    ")
        return lines + [""]

    def _fix_first(self, report: Report) -> list[str]:
        failing = sort_for_reading([f for f in report.findings if f.status is Status.FAIL])
        if not failing:
            return []
        lines = [self._bold("Fix first")]
        for number, finding in enumerate(failing[:_FIX_FIRST], start=1):
            lines += self._wrap(f"{number}. [{finding.severity.value}] {finding.rule.title}: {finding.resource.name}", "  ", "     ")
            lines += self._wrap(finding.message, "     ", "     ")
            lines += self._wrap(f"-> {finding.remediation.splitlines()[0]}", "     ", "        ")
        if len(failing) > _FIX_FIRST:
            lines.append(f"  ... and {len(failing) - _FIX_FIRST} more failing findings above.")
        return lines + [""]

    def _wrap(self, text: str, first: str, rest: str) -> list[str]:
        return textwrap.wrap(text, self.options.width, initial_indent=first, subsequent_indent=rest) or [first]

    # -- styling -----------------------------------------------------------------------------

    def _status(self, status: Status) -> str:
        text = _SHORT_STATUS.get(status, status.value)
        if not self.options.color:
            return text
        return f"{_COLORS[status]}{text}{_RESET}"

    def _bold(self, text: str) -> str:
        return f"{_BOLD}{text}{_RESET}" if self.options.color else text


def _message(finding: Finding) -> str:
    if finding.status is Status.MUTED and finding.muted_reason:
        return f"{finding.message} (muted: {finding.muted_reason})"
    return finding.message


def _requirement_text(row: dict) -> str:
    """The title, and for a failing requirement the rules that fail it, on how many resources."""
    if not row.get("failing"):
        return row["title"]
    per_rule: dict[str, set[str]] = defaultdict(set)
    for failure in row["failing"]:
        per_rule[failure["rule"]].add(failure["resource"])
    why = ", ".join(f"{rule} ({len(resources)})" for rule, resources in sorted(per_rule.items()))
    return f"{row['title']}\nfailing: {why}"


def _requirement_detail(row: dict) -> str:
    if row["status"] == "MANUAL":
        return "evidence needed"
    if row["failing_resources"]:
        return f"{row['failing_resources']} failing"
    if row["error_resources"]:
        return f"{row['error_resources']} unreadable"
    return f"{row['checked_resources']} checked"


def _word(status: Status, count: int) -> str:
    return {
        Status.FAIL: "failed",
        Status.ERROR: "error" if count == 1 else "errors",
        Status.MUTED: "muted",
        Status.PASS: "passed",
        Status.NOT_APPLICABLE: "n/a",
    }[status]


def _resource_rank(findings: list[Finding]) -> tuple[int, int, int, int, str]:
    """Resources with the most serious failures first (then the most failures), clean ones last."""
    failing = [f.severity.rank for f in findings if f.status is Status.FAIL]
    errors = [f for f in findings if f.status is Status.ERROR]
    worst = max(failing) if failing else -1
    return (-worst, -failing.count(worst), -len(failing), -len(errors), findings[0].resource.id)

"""Markdown for a pull-request or merge-request comment: the verdict, the counts, the failing
checks by severity, and the details folded away."""

from __future__ import annotations

import html
from collections import Counter

from cloudaudit.model import Finding, Status
from cloudaudit.outputs.interface import OutputFormat
from cloudaudit.outputs.markdown_text import code_block, code_span, inline
from cloudaudit.outputs.overview import (
    failing_findings,
    findings_with,
    headline,
    issue_label,
    resource_place,
    scope_parts,
    tool_label,
)
from cloudaudit.report import SEVERITY_ORDER, STATUS_ORDER, Report
from cloudaudit.rule_docs import CLOUD_NAMES

MAX_ROWS = 50
"""Rows per table: a comment stays well under GitHub's 65,536 characters; the rest is counted."""
RESOURCES_PER_RULE = 10
"""Resources named under each rule's remediation."""


class MarkdownFormat(OutputFormat):
    name = "markdown"
    description = "A summary for a pull-request or merge-request comment"
    extension = "md"

    def render(self, report: Report) -> str:
        failing = failing_findings(report)
        sections = [
            f"## {'❌' if failing else '✅'} cloudaudit: {inline(headline(report))}",
            " · ".join(inline(part) for part in scope_parts(report)),
            _counts_table(report),
        ]
        if failing:
            sections.append("### Failing checks\n\n" + _findings_table(failing))
            rules = len({f.rule.id for f in failing})
            sections.append(_folded(f"How to fix ({rules} {'rule' if rules == 1 else 'rules'})", _remediations(failing)))
        unknown = findings_with(report, Status.ERROR)
        if unknown:
            sections.append(_folded(f"Could not be evaluated ({len(unknown)})", _findings_table(unknown)))
        muted = findings_with(report, Status.MUTED)
        if muted:
            sections.append(_folded(f"Muted ({len(muted)})", _findings_table(muted, "Reason")))
        issues = report.inventory.issues
        if issues:
            lines = "\n".join(f"- {inline(issue_label(issue))}" for issue in issues)
            sections.append(_folded(f"Could not collect ({len(issues)})", lines))
        sections.append(f"<sub>{inline(tool_label(report))}</sub>")
        return "\n\n".join(sections) + "\n"


def _counts_table(report: Report) -> str:
    summary = report.summary()
    header = "| Status | " + " | ".join(s.value for s in SEVERITY_ORDER) + " | total |"
    rule = "|---|" + "---:|" * (len(SEVERITY_ORDER) + 1)
    rows = [
        f"| {status.value} | "
        + " | ".join(str(summary["by_severity"][sev.value][status.value]) for sev in SEVERITY_ORDER)
        + f" | {summary['by_status'][status.value]} |"
        for status in STATUS_ORDER
    ]
    return "\n".join([header, rule, *rows])


def _findings_table(findings: list[Finding], last_column: str = "What was seen") -> str:
    """Severity, check, resource, then the message (or, for muted findings, the reason)."""
    rows = [f"| Severity | Check | Resource | {last_column} |", "|---|---|---|---|"]
    for finding in findings[:MAX_ROWS]:
        last = (finding.muted_reason or "") if finding.status is Status.MUTED else finding.message
        rows.append(
            f"| {finding.severity.value} | {inline(finding.rule.title)} {code_span(finding.rule.id)} "
            f"| {inline(finding.resource.name)} ({inline(resource_place(finding.resource))}) "
            f"| {inline(last)} |"
        )
    return "\n".join(rows) + _more(findings)


def _remediations(findings: list[Finding]) -> str:
    """One block per failing rule and remediation (a rule tells each cloud its own fix), most
    serious first, with the resources it failed on."""
    by_fix: dict[tuple[str, str], list[Finding]] = {}
    for finding in findings:
        by_fix.setdefault((finding.rule.id, finding.remediation), []).append(finding)
    fixes_per_rule = Counter(rule_id for rule_id, _ in by_fix)
    blocks = []
    for (rule_id, _), failing in by_fix.items():
        first = failing[0]
        names = ", ".join(inline(f.resource.name) for f in failing[:RESOURCES_PER_RULE])
        more = len(failing) - RESOURCES_PER_RULE
        if more > 0:
            names += f" and {more} more"
        clouds = ""
        if fixes_per_rule[rule_id] > 1:
            providers = sorted({f.resource.provider for f in failing})
            clouds = " on " + ", ".join(CLOUD_NAMES.get(p, p) for p in providers)
        blocks.append(
            f"**[{first.severity.value}] {inline(first.rule.title)}** {code_span(first.rule.id)}{inline(clouds)}  \n"
            f"Failing on: {names}\n\n"
            f"{code_block(first.remediation)}"
        )
    return "\n\n".join(blocks)


def _folded(summary: str, body: str) -> str:
    """A collapsible section; the blank lines let GitHub and GitLab render Markdown inside."""
    return f"<details>\n<summary>{html.escape(summary)}</summary>\n\n{body}\n\n</details>"


def _more(findings: list[Finding]) -> str:
    hidden = len(findings) - MAX_ROWS
    return f"\n\n… and {hidden} more in the full report." if hidden > 0 else ""

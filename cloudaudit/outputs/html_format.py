"""One self-contained HTML page: the summary, filters by severity, cloud and status, and each
finding with its remediation. Nothing is fetched: the style and script are inline and allowed by
hash in the page's Content-Security-Policy, which forbids every other source. Every value from
the cloud or the inventory is escaped (resource names and messages are untrusted text)."""

from __future__ import annotations

import base64
import hashlib
import json
from collections import Counter
from html import escape

from cloudaudit.model import Finding, Status
from cloudaudit.outputs.html_assets import SCRIPT, STYLE
from cloudaudit.outputs.interface import OutputFormat
from cloudaudit.outputs.overview import (
    headline,
    issue_label,
    resource_place,
    scope_parts,
    tool_label,
)
from cloudaudit.report import SEVERITY_ORDER, STATUS_ORDER, Report, sort_for_reading

_FINDING_COLUMNS = "".join(
    f"<th>{name}</th>" for name in ("Severity", "Status", "Check", "Resource", "What was seen, and how to fix it")
)

SHOWN_BY_DEFAULT = frozenset({Status.FAIL, Status.ERROR, Status.MUTED})
"""Statuses ticked when the page opens; PASS and NOT_APPLICABLE are one click away."""


class HtmlFormat(OutputFormat):
    name = "html"
    description = "One self-contained page (no network): summary, filters, remediation per finding"
    extension = "html"

    def render(self, report: Report) -> str:
        title = "cloudaudit report: " + " · ".join(scope_parts(report)[:-1])
        body = "\n".join(
            [
                _header(report),
                _summary(report),
                _findings(report),
                _collection_errors(report),
                f'<footer><p class="tool">{escape(tool_label(report))}</p></footer>',
            ]
        )
        return (
            "<!doctype html>\n"
            '<html lang="en">\n<head>\n<meta charset="utf-8">\n'
            f'<meta http-equiv="Content-Security-Policy" content="{escape(content_security_policy())}">\n'
            '<meta name="referrer" content="no-referrer">\n'
            '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
            '<link rel="icon" href="data:,">\n'
            f"<title>{escape(title)}</title>\n"
            f"<style>{STYLE}</style>\n</head>\n<body>\n{body}\n<script>{SCRIPT}</script>\n</body>\n</html>\n"
        )


def content_security_policy() -> str:
    """Nothing may load but the page's own inline style and script (and data: images)."""
    return (
        "default-src 'none'; img-src data:; "
        f"style-src '{_sha256(STYLE)}'; script-src '{_sha256(SCRIPT)}'; "
        "base-uri 'none'; form-action 'none'"
    )


def _sha256(source: str) -> str:
    return "sha256-" + base64.b64encode(hashlib.sha256(source.encode("utf-8")).digest()).decode("ascii")


def _header(report: Report) -> str:
    scope = " · ".join(escape(part) for part in scope_parts(report))
    return (
        "<header>\n<h1>cloudaudit report</h1>\n"
        f'<p class="scope">{scope}</p>\n'
        f'<p class="headline" id="headline">{escape(headline(report))}</p>\n</header>'
    )


def _summary(report: Report) -> str:
    summary = report.summary()
    tiles = "".join(
        f'<div class="tile" data-status="{s.value}"><span class="number">{summary["by_status"][s.value]}</span>{_status_word(s)}</div>'
        for s in STATUS_ORDER
    )
    head = "".join(f"<th>{s.value}</th>" for s in SEVERITY_ORDER)
    rows = "".join(
        f'<tr><td><span class="badge st-{s.value}">{_status_word(s)}</span></td>'
        + "".join(f"<td>{summary['by_severity'][sev.value][s.value]}</td>" for sev in SEVERITY_ORDER)
        + f"<td>{summary['by_status'][s.value]}</td></tr>"
        for s in STATUS_ORDER
    )
    return (
        '<section id="summary">\n<h2>Summary</h2>\n'
        f'<div class="tiles">{tiles}</div>\n'
        f'<table class="counts"><thead><tr><th>Status</th>{head}<th>total</th></tr></thead><tbody>{rows}</tbody></table>\n'
        "</section>"
    )


def _findings(report: Report) -> str:
    findings = sort_for_reading(report.findings)
    rows = "\n".join(_row(f) for f in findings)
    return (
        '<section id="findings-section">\n<h2>Findings</h2>\n'
        f"{_filters(findings)}\n"
        '<noscript><p>Filters need JavaScript; every finding is listed.</p></noscript>\n'
        f'<p class="shown" aria-live="polite">Showing <span id="shown-count">{len(findings)}</span> of {len(findings)} findings.</p>\n'
        f"<table id=\"findings\"><thead><tr>{_FINDING_COLUMNS}</tr></thead>\n"
        f"<tbody>\n{rows}\n</tbody></table>\n"
        '<p id="no-match" hidden>No finding matches the filters.</p>\n'
        "</section>"
    )


def _filters(findings: list[Finding]) -> str:
    severities = Counter(f.severity.value for f in findings)
    providers = Counter(f.resource.provider for f in findings)
    statuses = Counter(f.status.value for f in findings)
    groups = [
        ("severity", "Severity", [(s.value, s.value, True) for s in SEVERITY_ORDER], severities),
        ("provider", "Cloud", [(p, p, True) for p in sorted(providers)], providers),
        ("status", "Status", [(s.value, _status_word(s), s in SHOWN_BY_DEFAULT) for s in STATUS_ORDER], statuses),
    ]
    fieldsets = []
    for key, legend, choices, counts in groups:
        boxes = "".join(
            f'<label><input type="checkbox" name="{key}" value="{escape(value)}"{" checked" if checked else ""}> '
            f"{escape(label)} ({counts.get(value, 0)})</label>"
            for value, label, checked in choices
        )
        fieldsets.append(f'<fieldset data-filter="{key}"><legend>{legend}</legend>{boxes}</fieldset>')
    return '<form id="filters" class="filters" aria-label="Filter findings">' + "".join(fieldsets) + "</form>"


def _row(finding: Finding) -> str:
    resource = finding.resource
    rule = finding.rule
    muted = ""
    if finding.status is Status.MUTED:
        muted = f'<p class="muted-reason">Muted: {escape(finding.muted_reason or "no reason given")}</p>'
    return (
        f'<tr class="finding" data-severity="{escape(finding.severity.value)}" data-provider="{escape(resource.provider)}" '
        f'data-status="{escape(finding.status.value)}" data-fingerprint="{finding.fingerprint}">'
        f'<td><span class="badge sev-{escape(finding.severity.value)}">{escape(finding.severity.value)}</span></td>'
        f'<td><span class="badge st-{escape(finding.status.value)}">{_status_word(finding.status)}</span></td>'
        f"<td>{escape(rule.title)}<br><code>{escape(rule.id)}</code> · {escape(rule.control)}</td>"
        f'<td class="resource"><span class="name">{escape(resource.name)}</span><br><code class="rid">{escape(resource.id)}</code>'
        f"<br>{escape(resource.type)} · {escape(resource_place(resource))}</td>"
        f'<td><p class="message">{escape(finding.message)}</p>{muted}{_remediation(finding)}</td>'
        "</tr>"
    )


def _remediation(finding: Finding) -> str:
    parts = [f'<pre class="remediation">{escape(finding.remediation)}</pre>']
    if finding.compliance:
        refs = ", ".join(escape(f"{c.framework} {c.control}") for c in finding.compliance)
        parts.append(f'<p class="compliance">Compliance: {refs}</p>')
    if finding.evidence:
        seen = "".join(
            f"<li><code>{escape(path)}</code> = <code>{escape(json.dumps(value, default=str))}</code></li>"
            for path, value in finding.evidence.items()
        )
        parts.append(f'<ul class="evidence">{seen}</ul>')
    return "<details><summary>How to fix</summary>" + "".join(parts) + "</details>"


def _collection_errors(report: Report) -> str:
    issues = report.inventory.issues
    if not issues:
        return ""
    items = "".join(f"<li>{escape(issue_label(issue))}</li>" for issue in issues)
    return f'<section id="collection-errors">\n<h2>Could not collect ({len(issues)})</h2>\n<ul class="issues">{items}</ul>\n</section>'


def _status_word(status: Status) -> str:
    return "N/A" if status is Status.NOT_APPLICABLE else status.value

"""SARIF 2.1.0 for code-scanning dashboards (GitHub code scanning, GitLab, Azure DevOps).

Mapping (docs/outputs.md): one reportingDescriptor per rule that ran; one result per FAIL,
ERROR and MUTED finding. FAIL is kind "fail" with a level from the severity; ERROR is kind
"open" (the rule ran but the fact could not be read) with level "none", as SARIF requires for
every kind but "fail"; MUTED is a failing result with an accepted external suppression. PASS and
NOT_APPLICABLE give no result. What could not be collected at all becomes a tool execution
notification. The resource id is the location; the fingerprint is a partial fingerprint.
"""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import quote

from cloudaudit import __version__
from cloudaudit.engine.rule import RuleSpec
from cloudaudit.model import Finding, Resource, Severity, Status
from cloudaudit.outputs.interface import OutputFormat
from cloudaudit.outputs.markdown_text import code_block, inline
from cloudaudit.outputs.overview import issue_label, resource_place
from cloudaudit.rule_docs import CLOUD_NAMES
from cloudaudit.report import Report, sort_for_reading

SARIF_SCHEMA = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
FINGERPRINT_KEY = "cloudauditFingerprint/v1"
COLLECTION_ERROR = "collection-error"

LEVELS = {
    Severity.CRITICAL: "error",
    Severity.HIGH: "error",
    Severity.MEDIUM: "warning",
    Severity.LOW: "note",
    Severity.INFO: "note",
}
SECURITY_SEVERITY = {
    Severity.CRITICAL: "9.5",
    Severity.HIGH: "8.0",
    Severity.MEDIUM: "5.5",
    Severity.LOW: "3.0",
    Severity.INFO: "1.0",
}
"""GitHub's properties.security-severity: its critical/high/medium/low bands (9.0, 7.0, 4.0, 0.1)."""

_REPORTED = (Status.FAIL, Status.ERROR, Status.MUTED)
_URI_SAFE = "/:@!$&'()*+,;=-._~"


class SarifFormat(OutputFormat):
    name = "sarif"
    description = "SARIF 2.1.0, for code-scanning dashboards (GitHub, GitLab, Azure DevOps)"
    extension = "sarif"

    def render(self, report: Report) -> str:
        return json.dumps(sarif_log(report), indent=2, default=str) + "\n"


def sarif_log(report: Report) -> dict[str, Any]:
    rules = list(report.rules)
    index = {spec.id: position for position, spec in enumerate(rules)}
    run: dict[str, Any] = {
        "tool": {
            "driver": {
                "name": "cloudaudit",
                "version": __version__,
                "semanticVersion": __version__,
                "rules": [rule_descriptor(spec) for spec in rules],
                "notifications": [
                    {
                        "id": COLLECTION_ERROR,
                        "shortDescription": {"text": "A listing, a region or an account could not be collected."},
                    }
                ],
            }
        },
        "invocations": [_invocation(report)],
        "results": [
            _result(finding, index.get(finding.rule.id))
            for finding in sort_for_reading(report.findings)
            if finding.status in _REPORTED
        ],
        "properties": {
            "scan_id": report.scan_id,
            "tenant": report.tenant,
            "standard": report.standard,
            "accounts": [{"provider": a.provider, "id": a.id, "name": a.name} for a in report.inventory.accounts],
            "summary": report.summary(),
        },
    }
    if report.tenant:
        run["automationDetails"] = {"id": f"cloudaudit/{report.tenant}/"}
    return {"$schema": SARIF_SCHEMA, "version": "2.1.0", "runs": [run]}


def rule_descriptor(spec: RuleSpec) -> dict[str, Any]:
    descriptor: dict[str, Any] = {
        "id": spec.id,
        "name": _pascal_case(spec.id),
        "shortDescription": {"text": spec.title},
        "fullDescription": {"text": " ".join(spec.description.split()) or spec.title},
        "help": {"text": _help_text(spec), "markdown": _help_markdown(spec)},
        "defaultConfiguration": {"level": LEVELS[spec.severity]},
        "properties": {
            "tags": list(dict.fromkeys(["security", "compliance", *spec.categories])),
            "security-severity": SECURITY_SEVERITY[spec.severity],
            "precision": "very-high",
            "severity": spec.severity.value,
            "control": spec.control,
            "compliance": [f"{c.framework}:{c.control}" for c in spec.compliance],
        },
    }
    web_references = [r for r in spec.references if r.startswith(("https://", "http://"))]
    if web_references:
        descriptor["helpUri"] = web_references[0]
    return descriptor


def _help_text(spec: RuleSpec) -> str:
    lines = [spec.remediation.render()]
    if spec.compliance:
        lines.append("Compliance: " + ", ".join(f"{c.framework} {c.control}" for c in spec.compliance))
    return "\n".join(lines)


def _help_markdown(spec: RuleSpec) -> str:
    remediation = spec.remediation
    parts = [f"**{inline(spec.title)}** ({inline(spec.control)})"]
    if spec.description:
        parts.append(inline(spec.description))
    parts.append("**How to fix:** " + inline(remediation.text))
    parts += _how_to_markdown(remediation.console, remediation.cli, remediation.terraform)
    for cloud, specific in remediation.clouds.items():
        heading = f"**On {CLOUD_NAMES.get(cloud, cloud)}:**"
        parts.append(f"{heading} {inline(specific.text)}" if specific.text else heading)
        parts += _how_to_markdown(specific.console, specific.cli, specific.terraform)
    if spec.compliance:
        parts.append("Compliance: " + ", ".join(inline(f"{c.framework} {c.control}") for c in spec.compliance))
    return "\n\n".join(parts)


def _how_to_markdown(console: str | None, cli: str | None, terraform: str | None) -> list[str]:
    parts = []
    if console:
        parts.append("Console: " + inline(console))
    if cli:
        parts.append("CLI:\n\n" + code_block(cli))
    if terraform:
        parts.append("Terraform: " + inline(terraform))
    return parts


def _result(finding: Finding, rule_index: int | None) -> dict[str, Any]:
    failing = finding.status is not Status.ERROR
    result: dict[str, Any] = {"ruleId": finding.rule.id}
    if rule_index is not None:
        result["ruleIndex"] = rule_index
    result.update(
        {
            "kind": "fail" if failing else "open",
            "level": LEVELS[finding.severity] if failing else "none",
            "message": {"text": f"{finding.resource.name}: {finding.message}"},
            "locations": [resource_location(finding.resource)],
            "partialFingerprints": {FINGERPRINT_KEY: finding.fingerprint},
            "properties": {
                "status": finding.status.value,
                "severity": finding.severity.value,
                "control": finding.rule.control,
                "resource": {
                    "provider": finding.resource.provider,
                    "type": finding.resource.type,
                    "id": finding.resource.id,
                    "account": finding.resource.account,
                    "region": finding.resource.region,
                },
                "remediation": finding.remediation,
            },
        }
    )
    if finding.status is Status.MUTED:
        result["suppressions"] = [
            {"kind": "external", "state": "accepted", "justification": finding.muted_reason or ""}
        ]
    return result


def resource_location(resource: Resource) -> dict[str, Any]:
    """The resource id as the location: an artifact URI (what dashboards show and key on) and a
    logical location of kind 'resource' with the id as written by the cloud."""
    return {
        "physicalLocation": {"artifactLocation": {"uri": quote(resource.id, safe=_URI_SAFE)}},
        "logicalLocations": [
            {"name": resource.name, "fullyQualifiedName": resource.id, "kind": "resource"}
        ],
        "message": {"text": f"{resource.type} {resource.name} ({resource_place(resource)})"},
    }


def _invocation(report: Report) -> dict[str, Any]:
    issues = report.inventory.issues
    return {
        "executionSuccessful": not issues,
        "startTimeUtc": report.started_at,
        "endTimeUtc": report.finished_at,
        "toolExecutionNotifications": [
            {
                "level": "error",
                "message": {"text": issue_label(issue)},
                "descriptor": {"id": COLLECTION_ERROR},
            }
            for issue in issues
        ],
    }


def _pascal_case(rule_id: str) -> str:
    return "".join(word.capitalize() for word in re.split(r"[^a-zA-Z0-9]+", rule_id) if word)

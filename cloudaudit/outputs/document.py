"""The findings document (schemas/findings.schema.json): the contract for CI and ticketing."""

from __future__ import annotations

from typing import Any

from cloudaudit import __version__
from cloudaudit.model import Finding
from cloudaudit.report import Report

DOCUMENT_VERSION = "1.0"


def finding_to_dict(finding: Finding) -> dict[str, Any]:
    resource = finding.resource
    return {
        "fingerprint": finding.fingerprint,
        "status": finding.status.value,
        "severity": finding.severity.value,
        "rule": {
            "id": finding.rule.id,
            "title": finding.rule.title,
            "control": finding.rule.control,
            "categories": list(finding.rule.categories),
        },
        "resource": {
            "provider": resource.provider,
            "type": resource.type,
            "id": resource.id,
            "name": resource.name,
            "account": resource.account,
            "region": resource.region,
        },
        "message": finding.message,
        "remediation": finding.remediation,
        "compliance": [{"framework": c.framework, "control": c.control} for c in finding.compliance],
        "evidence": dict(finding.evidence),
        "muted_reason": finding.muted_reason,
    }


def findings_document(report: Report, with_findings: bool = True) -> dict[str, Any]:
    """The whole document; with_findings=False leaves `findings` empty (for a format that
    encodes them one by one)."""
    inventory = report.inventory
    document: dict[str, Any] = {
        "schema_version": DOCUMENT_VERSION,
        "tool": {"name": "cloudaudit", "version": __version__},
        "scan": {
            "id": report.scan_id,
            "started_at": report.started_at,
            "finished_at": report.finished_at,
            "tenant": report.tenant,
            "standard": report.standard,
            "providers": inventory.providers,
            "accounts": [{"provider": a.provider, "id": a.id, "name": a.name} for a in inventory.accounts],
            "rules": len(report.rules),
            "api_calls": dict(sorted(inventory.api_calls.items())),
        },
        "summary": report.summary(),
        "findings": [finding_to_dict(f) for f in report.findings] if with_findings else [],
        "errors": [issue.to_dict() for issue in inventory.issues],
    }
    document.update(report.extra)
    return document

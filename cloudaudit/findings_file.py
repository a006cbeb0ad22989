"""Read a findings document (what `scan --format json` writes) back: for diff, baseline, notify."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping

from cloudaudit.engine.validation import schema_problems
from cloudaudit.errors import InputError
from cloudaudit.jsonfile import read_json_file
from cloudaudit.model import Severity, Status
from cloudaudit.outputs.document import DOCUMENT_VERSION

_MAX_PROBLEMS = 10


@dataclass(frozen=True)
class FindingRecord:
    """One finding of a document, as written."""

    fingerprint: str
    status: Status
    severity: Severity
    data: Mapping[str, Any]
    """The finding exactly as the document has it (findings.schema.json $defs/finding)."""

    @property
    def rule_id(self) -> str:
        return self.data["rule"]["id"]

    @property
    def resource_id(self) -> str:
        return self.data["resource"]["id"]

    @property
    def resource_name(self) -> str:
        return self.data["resource"]["name"]

    @property
    def message(self) -> str:
        return self.data["message"]


@dataclass(frozen=True)
class FindingsFile:
    path: str
    scan: Mapping[str, Any]
    """The document's `scan` section: id, started_at, finished_at, tenant, accounts..."""
    findings: tuple[FindingRecord, ...]

    def failing(self) -> dict[str, FindingRecord]:
        """Fingerprint -> finding, for the FAIL findings (MUTED ones are not failing)."""
        return {f.fingerprint: f for f in self.findings if f.status is Status.FAIL}

    def by_fingerprint(self) -> dict[str, FindingRecord]:
        return {f.fingerprint: f for f in self.findings}


def load_findings_file(path: str) -> FindingsFile:
    """Read and validate a findings document; InputError (exit 2) with one line per problem."""
    return findings_from_document(read_json_file(path), path)


def findings_from_document(document: Any, source: str) -> FindingsFile:
    if not isinstance(document, dict):
        raise InputError(f"{source}: $: expected a findings document (written by `cloudaudit scan --format json`)")
    if "resources" in document and "findings" not in document:
        raise InputError(
            f"{source}: this is an inventory (from `cloudaudit collect`), expected a findings document "
            "(from `cloudaudit scan --format json` or `cloudaudit evaluate --format json`)"
        )
    missing = [key for key in ("schema_version", "scan", "findings") if key not in document]
    if missing:
        raise InputError(
            f"{source}: not a findings document (no {', '.join(missing)}); expected the output of "
            "`cloudaudit scan --format json`"
        )
    if document["schema_version"] != DOCUMENT_VERSION:
        raise InputError(
            f"{source}: $.schema_version: {document['schema_version']!r} is not supported (expected {DOCUMENT_VERSION!r})"
        )
    problems = schema_problems(document, "findings.schema.json")
    if problems:
        shown = [f"{source}: {p}" for p in problems[:_MAX_PROBLEMS]]
        if len(problems) > _MAX_PROBLEMS:
            shown.append(f"{source}: ... and {len(problems) - _MAX_PROBLEMS} more problems")
        raise InputError(shown)
    records = tuple(
        FindingRecord(f["fingerprint"], Status(f["status"]), Severity(f["severity"]), f)
        for f in document["findings"]
    )
    return FindingsFile(source, document["scan"], records)

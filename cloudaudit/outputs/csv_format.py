"""CSV: one row per finding, a fixed column order, RFC 4180 quoting (for spreadsheets and BI)."""

from __future__ import annotations

import csv
import io
from typing import Callable

from cloudaudit.model import Finding
from cloudaudit.outputs.interface import OutputFormat
from cloudaudit.report import Report

COLUMNS: tuple[tuple[str, Callable[[Finding], str]], ...] = (
    ("fingerprint", lambda f: f.fingerprint),
    ("status", lambda f: f.status.value),
    ("severity", lambda f: f.severity.value),
    ("rule_id", lambda f: f.rule.id),
    ("rule_title", lambda f: f.rule.title),
    ("control", lambda f: f.rule.control),
    ("categories", lambda f: ";".join(f.rule.categories)),
    ("provider", lambda f: f.resource.provider),
    ("account", lambda f: f.resource.account),
    ("region", lambda f: f.resource.region or ""),
    ("resource_type", lambda f: f.resource.type),
    ("resource_id", lambda f: f.resource.id),
    ("resource_name", lambda f: f.resource.name),
    ("message", lambda f: f.message),
    ("remediation", lambda f: f.remediation),
    ("compliance", lambda f: ";".join(f"{c.framework}:{c.control}" for c in f.compliance)),
    ("muted_reason", lambda f: f.muted_reason or ""),
)
"""The columns, in their documented order (docs/outputs.md). Add new columns at the end only."""

_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


class CsvFormat(OutputFormat):
    name = "csv"
    description = "One row per finding, fixed column order, RFC 4180 quoting"
    extension = "csv"

    def render(self, report: Report) -> str:
        buffer = io.StringIO()
        writer = csv.writer(buffer, dialect="excel", lineterminator="\r\n")
        writer.writerow([name for name, _ in COLUMNS])
        for finding in report.findings:
            writer.writerow([defuse_formula(value(finding)) for _, value in COLUMNS])
        return buffer.getvalue()


def defuse_formula(cell: str) -> str:
    """A cell a spreadsheet would run as a formula (=, +, -, @ first) gets a leading apostrophe.

    Resource names, messages and muted reasons come from the cloud or from people; opened in a
    spreadsheet, '=HYPERLINK(...)' must stay text (CSV injection)."""
    return "'" + cell if cell.startswith(_FORMULA_STARTS) else cell

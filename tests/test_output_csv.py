"""CSV: the documented column order, RFC 4180 quoting, and cells a spreadsheet will not run."""

from __future__ import annotations

import csv
import io

from cloudaudit.outputs.csv_format import CsvFormat
from tests.support.reports import (
    FORMULA_NAME,
    HOSTILE_NAME,
    MUTED_REASON,
    empty_report,
    sample_report,
)

DOCUMENTED_COLUMNS = [
    "fingerprint", "status", "severity", "rule_id", "rule_title", "control", "categories",
    "provider", "account", "region", "resource_type", "resource_id", "resource_name",
    "message", "remediation", "compliance", "muted_reason",
]


def parse(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text, newline="")))


def test_columns_are_the_documented_ones_in_order():
    text = CsvFormat().render(empty_report())
    assert text == ",".join(DOCUMENTED_COLUMNS) + "\r\n"


def test_one_row_per_finding_that_reads_back_exactly():
    report = sample_report()
    rows = parse(CsvFormat().render(report))
    assert len(rows) == len(report.findings)
    for row, finding in zip(rows, report.findings, strict=True):
        assert row["fingerprint"] == finding.fingerprint
        assert row["status"] == finding.status.value
        assert row["resource_id"] == finding.resource.id
        assert row["remediation"] == finding.remediation
        assert row["compliance"] == ";".join(f"{c.framework}:{c.control}" for c in finding.compliance)
    muted = next(r for r in rows if r["status"] == "MUTED")
    assert muted["muted_reason"] == MUTED_REASON
    account = next(r for r in rows if r["resource_type"] == "cloud.account")
    assert account["region"] == ""


def test_quoting_follows_rfc_4180():
    report = sample_report()
    text = CsvFormat().render(report)
    assert text.count("\r\n") == len(report.findings) + 1  # each record ends with CRLF
    multi_line = next(r for r in parse(text) if "\n" in r["remediation"])
    assert "\nCLI: " in multi_line["remediation"]  # a line break inside a quoted field stays in the field
    assert '"' + HOSTILE_NAME.replace('"', '""') + '"' in text


def test_a_cell_that_would_be_a_formula_stays_text():
    rows = parse(CsvFormat().render(sample_report()))
    names = {r["resource_name"] for r in rows}
    assert "'" + FORMULA_NAME in names
    assert FORMULA_NAME not in names
    assert not any(cell.startswith(("=", "+", "-", "@")) for row in rows for cell in row.values())

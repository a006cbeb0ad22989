"""JSON Lines: one finding per line, each one a finding of the findings document."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema

from cloudaudit.outputs.document import findings_document
from cloudaudit.outputs.jsonl_format import JsonLinesFormat
from tests.support.reports import empty_report, sample_report

SCHEMA = json.loads((Path(__file__).resolve().parent.parent / "cloudaudit" / "schemas" / "findings.schema.json").read_text())
FINDING = jsonschema.Draft202012Validator({**SCHEMA["$defs"]["finding"], "$defs": SCHEMA["$defs"]})


def test_each_line_is_a_finding_of_the_json_document():
    report = sample_report()
    lines = JsonLinesFormat().render(report).splitlines()
    assert len(lines) == len(report.findings) == 106
    records = [json.loads(line) for line in lines]
    assert records == findings_document(report)["findings"]
    for record in records:
        FINDING.validate(record)


def test_no_finding_is_an_empty_file():
    assert JsonLinesFormat().render(empty_report()) == ""

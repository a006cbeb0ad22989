from __future__ import annotations

import json

from cloudaudit.outputs.document import finding_to_dict, findings_document
from cloudaudit.outputs.interface import OutputFormat
from cloudaudit.report import Report

_EMPTY_FINDINGS = '\n  "findings": [],\n'
"""How the top level's findings key reads in the indented envelope (a string value cannot
contain it: its quotes and newline would be escaped)."""


class JsonFormat(OutputFormat):
    name = "json"
    description = "The findings document (schemas/findings.schema.json), for CI and ticketing"
    extension = "json"

    def render(self, report: Report) -> str:
        """The envelope indented, each finding on a line of its own. Findings go through the C
        encoder one at a time: json.dumps(indent=...) is pure Python, and building every
        finding's dict first would hold them all in memory at once."""
        envelope = json.dumps(findings_document(report, with_findings=False), indent=2, default=str)
        head, found, tail = envelope.partition(_EMPTY_FINDINGS)
        if not found or not report.findings:
            return envelope + "\n"
        encode = json.JSONEncoder(default=str).encode
        parts = [head, '\n  "findings": [\n']
        for index, finding in enumerate(report.findings):
            if index:
                parts.append(",\n")
            parts.append("    ")
            parts.append(encode(finding_to_dict(finding)))
        parts.append("\n  ],\n")
        parts.append(tail)
        parts.append("\n")
        return "".join(parts)

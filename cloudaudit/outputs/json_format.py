from __future__ import annotations

import json
from typing import Iterator, TextIO

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
        return "".join(self.pieces(report))

    def write(self, report: Report, stream: TextIO) -> None:
        for piece in self.pieces(report):
            stream.write(piece)

    def pieces(self, report: Report) -> Iterator[str]:
        """The envelope indented, each finding on a line of its own. Findings go through the C
        encoder one at a time: json.dumps(indent=...) is pure Python, and building every
        finding's dict first would hold them all in memory at once."""
        envelope = json.dumps(findings_document(report, with_findings=False), indent=2, default=str)
        head, found, tail = envelope.partition(_EMPTY_FINDINGS)
        if not found or not report.findings:
            yield envelope + "\n"
            return
        encode = json.JSONEncoder(default=str).encode
        yield head + '\n  "findings": [\n'
        last = len(report.findings) - 1
        for index, finding in enumerate(report.findings):
            yield "    " + encode(finding_to_dict(finding)) + (",\n" if index < last else "\n")
        yield "  ],\n" + tail + "\n"

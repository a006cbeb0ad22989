"""JSON Lines: one finding per line, with the fields of the findings document's findings."""

from __future__ import annotations

import json
from typing import Iterator, TextIO

from cloudaudit.outputs.document import finding_to_dict
from cloudaudit.outputs.interface import OutputFormat
from cloudaudit.report import Report


class JsonLinesFormat(OutputFormat):
    name = "jsonl"
    description = "One finding per line (JSON Lines), the same fields as the JSON document's findings"
    extension = "jsonl"

    def render(self, report: Report) -> str:
        """One JSON object per line, in the order of the JSON document; empty when no finding."""
        return "".join(self._lines(report))

    def write(self, report: Report, stream: TextIO) -> None:
        for line in self._lines(report):
            stream.write(line)

    def _lines(self, report: Report) -> Iterator[str]:
        for finding in report.findings:
            yield json.dumps(finding_to_dict(finding), default=str) + "\n"

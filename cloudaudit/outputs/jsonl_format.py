"""JSON Lines: one finding per line, with the fields of the findings document's findings."""

from __future__ import annotations

import json

from cloudaudit.outputs.document import finding_to_dict
from cloudaudit.outputs.interface import OutputFormat
from cloudaudit.report import Report


class JsonLinesFormat(OutputFormat):
    name = "jsonl"
    description = "One finding per line (JSON Lines), the same fields as the JSON document's findings"
    extension = "jsonl"

    def render(self, report: Report) -> str:
        """One JSON object per line, in the order of the JSON document; empty when no finding."""
        return "".join(json.dumps(finding_to_dict(f), default=str) + "\n" for f in report.findings)

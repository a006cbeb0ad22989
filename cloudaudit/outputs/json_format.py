from __future__ import annotations

import json

from cloudaudit.outputs.document import findings_document
from cloudaudit.outputs.interface import OutputFormat
from cloudaudit.report import Report


class JsonFormat(OutputFormat):
    name = "json"
    description = "The findings document (schemas/findings.schema.json), for CI and ticketing"
    extension = "json"

    def render(self, report: Report) -> str:
        return json.dumps(findings_document(report), indent=2, default=str) + "\n"

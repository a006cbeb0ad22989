"""Report formats, one class each behind outputs.interface.OutputFormat."""

from __future__ import annotations

from cloudaudit.outputs.csv_format import CsvFormat
from cloudaudit.outputs.html_format import HtmlFormat
from cloudaudit.outputs.interface import OutputFormat, RenderOptions
from cloudaudit.outputs.json_format import JsonFormat
from cloudaudit.outputs.jsonl_format import JsonLinesFormat
from cloudaudit.outputs.junit_format import JunitFormat
from cloudaudit.outputs.markdown_format import MarkdownFormat
from cloudaudit.outputs.sarif_format import SarifFormat
from cloudaudit.outputs.table import TableFormat

FORMATS: dict[str, type[OutputFormat]] = {
    cls.name: cls
    for cls in (
        TableFormat,
        JsonFormat,
        JsonLinesFormat,
        CsvFormat,
        SarifFormat,
        JunitFormat,
        MarkdownFormat,
        HtmlFormat,
    )
}


def get_format(name: str, options: RenderOptions = RenderOptions()) -> OutputFormat:
    return FORMATS[name](options)


__all__ = ["FORMATS", "OutputFormat", "RenderOptions", "get_format"]

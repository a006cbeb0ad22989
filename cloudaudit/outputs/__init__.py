"""Report formats, one class each behind outputs.interface.OutputFormat."""

from __future__ import annotations

from cloudaudit.outputs.interface import OutputFormat, RenderOptions
from cloudaudit.outputs.json_format import JsonFormat
from cloudaudit.outputs.table import TableFormat

FORMATS: dict[str, type[OutputFormat]] = {
    cls.name: cls
    for cls in (
        TableFormat,
        JsonFormat,
    )
}


def get_format(name: str, options: RenderOptions = RenderOptions()) -> OutputFormat:
    return FORMATS[name](options)


__all__ = ["FORMATS", "OutputFormat", "RenderOptions", "get_format"]

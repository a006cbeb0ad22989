"""The one interface every report format implements. Formats only render findings; they never
re-derive a result."""

from __future__ import annotations

import abc
from dataclasses import dataclass
from typing import ClassVar, TextIO

from cloudaudit.report import Report


@dataclass(frozen=True)
class RenderOptions:
    show_passed: bool = False
    """Table: list PASS and NOT_APPLICABLE rows too, not only their counts."""
    color: bool = False
    """Table: ANSI colours (only when writing to a terminal)."""
    width: int = 100
    """Table: the line width to fit."""


class OutputFormat(abc.ABC):
    name: ClassVar[str]
    description: ClassVar[str]
    extension: ClassVar[str]
    """File extension for -o FORMAT:PATH defaults, e.g. json."""

    def __init__(self, options: RenderOptions = RenderOptions()):
        self.options = options

    @abc.abstractmethod
    def render(self, report: Report) -> str:
        """The whole output as text, ending with a newline (jsonl with no finding is empty)."""

    def write(self, report: Report, stream: TextIO) -> None:
        """Write the output to `stream`: render()'s text by default. A format whose output grows
        with the findings writes it in pieces instead, so that it is never in memory whole."""
        stream.write(self.render(report))

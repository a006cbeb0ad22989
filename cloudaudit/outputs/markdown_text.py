"""Markdown that stays inert: untrusted text (resource names, messages, reasons) rendered so that
it cannot open a link, an image, an HTML tag or a table cell, on GitHub or GitLab."""

from __future__ import annotations

import re

_INLINE_SPECIAL = re.compile(r"([\\`*_\[\]<>|~&])")


def inline(text: str) -> str:
    """`text` as literal inline Markdown, on one line (safe inside a table cell).

    Backslash escapes are CommonMark's own way to make punctuation literal; `<` and `&` escaped
    this way cannot start an HTML tag or an entity, `[` cannot start a link or image, `|` cannot
    end a cell."""
    return _INLINE_SPECIAL.sub(r"\\\1", " ".join(text.split()))


def code_block(text: str) -> str:
    """`text` in a fenced code block whose fence no line of `text` can close."""
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * max(3, longest + 1)
    return f"{fence}text\n{text.rstrip()}\n{fence}"


def code_span(text: str) -> str:
    """`text` as inline code, with a delimiter longer than any backtick run inside it; `|` is
    escaped because GitHub splits table cells before it reads code spans."""
    flat = " ".join(text.split()).replace("|", "\\|")
    longest = max((len(run) for run in re.findall(r"`+", flat)), default=0)
    ticks = "`" * (longest + 1)
    padded = f" {flat} " if flat.startswith("`") or flat.endswith("`") else flat
    return f"{ticks}{padded}{ticks}"

"""Markdown rendered the way GitHub and GitLab render a comment (CommonMark + tables)."""

from __future__ import annotations

from lxml import html
from markdown_it import MarkdownIt

_RENDERER = MarkdownIt("commonmark").enable("table").enable("strikethrough")


def render_markdown(text: str) -> html.HtmlElement:
    """The comment as an HTML tree, to read its text and find its elements."""
    return html.fragment_fromstring(_RENDERER.render(text), create_parent="div")

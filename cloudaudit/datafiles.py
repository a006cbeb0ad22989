"""Data files bundled under rules/ (frameworks, standards): read and schema-checked together."""

from __future__ import annotations

from importlib import resources
from typing import Any

from cloudaudit.engine.validation import schema_problems
from cloudaudit.errors import InputError
from cloudaudit.yamlfile import parse_yaml


def load_bundled_documents(directory: str, schema: str) -> list[tuple[str, dict[str, Any]]]:
    """(source, document) for every YAML file of rules/<directory>/, in name order. Raises
    InputError listing every schema problem of every file."""
    root = resources.files("cloudaudit.rules").joinpath(directory)
    documents = []
    problems: list[str] = []
    for entry in sorted(root.iterdir(), key=lambda e: e.name):
        if not entry.name.endswith(".yaml"):
            continue
        source = f"rules/{directory}/{entry.name}"
        document = parse_yaml(entry.read_text("utf-8"), source)
        found = schema_problems(document, schema)
        if found:
            problems.extend(f"{source}: {p}" for p in found)
        else:
            documents.append((source, document))
    if problems:
        raise InputError(problems)
    return documents

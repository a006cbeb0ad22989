"""Find rule files, validate them against the rule schema and build RuleSpecs.

Every problem in every file is collected before anything is reported, so a rule author sees
all of them in one run, one line each: `rules/x.yaml: $.assert.all[1]: unknown operator ...`.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Iterable, Iterator, Sequence

from cloudaudit.engine.rule import RuleSpec
from cloudaudit.engine.validation import schema_problems
from cloudaudit.errors import InputError
from cloudaudit.yamlfile import parse_yaml

DATA_DIRECTORIES = frozenset({"data", "frameworks", "standards"})
"""Folders of the rules tree that hold data files, not rules."""
RULE_SUFFIXES = (".yaml", ".yml")


@dataclass(frozen=True)
class RuleFile:
    display: str
    """How messages name the file: rules/encryption/x.yaml for bundled rules."""
    text: str
    bundled: bool


def bundled_rule_files() -> list[RuleFile]:
    root = resources.files("cloudaudit.rules")
    return [
        RuleFile(f"rules/{relative}", entry.read_text("utf-8"), True)
        for relative, entry in sorted(_walk_traversable(root, ""), key=lambda item: item[0])
    ]


def _walk_traversable(node: Traversable, prefix: str) -> Iterator[tuple[str, Traversable]]:
    for entry in node.iterdir():
        if entry.is_dir():
            if entry.name in DATA_DIRECTORIES or entry.name.startswith((".", "_")):
                continue
            yield from _walk_traversable(entry, f"{prefix}{entry.name}/")
        elif entry.name.endswith(RULE_SUFFIXES):
            yield f"{prefix}{entry.name}", entry


def user_rule_files(paths: Iterable[str]) -> list[RuleFile]:
    """Rule files from directories or single files the user named."""
    files: list[RuleFile] = []
    problems: list[str] = []
    for given in paths:
        path = Path(given)
        if path.is_file():
            candidates = [path]
        elif path.is_dir():
            candidates = sorted(_walk_directory(path))
            if not candidates:
                problems.append(f"{given}: no rule files (*.yaml) found")
        else:
            problems.append(f"{given}: no such file or directory")
            continue
        for candidate in candidates:
            try:
                text = candidate.read_text("utf-8")
            except (OSError, UnicodeDecodeError) as exc:
                problems.append(f"{candidate}: cannot read ({exc})")
                continue
            files.append(RuleFile(str(candidate), text, False))
    if problems:
        raise InputError(problems)
    return files


def _walk_directory(root: Path) -> Iterator[Path]:
    for directory, subdirs, names in os.walk(root):
        subdirs[:] = sorted(
            d for d in subdirs if d not in DATA_DIRECTORIES and not d.startswith((".", "_"))
        )
        for name in sorted(names):
            if name.endswith(RULE_SUFFIXES):
                yield Path(directory) / name


def parse_rule_files(files: Sequence[RuleFile]) -> list[RuleSpec]:
    """Validate and parse; raises InputError listing every problem of every file."""
    specs: list[RuleSpec] = []
    problems: list[str] = []
    seen: dict[str, str] = {}
    for rule_file in files:
        try:
            document = parse_yaml(rule_file.text, rule_file.display)
        except InputError as exc:
            problems.extend(exc.problems)
            continue
        if not isinstance(document, dict):
            problems.append(f"{rule_file.display}: $: expected a mapping with the rule's keys (id, title, assert, ...)")
            continue
        found = schema_problems(document, "rule.schema.json")
        if found:
            problems.extend(f"{rule_file.display}: {p}" for p in found)
            continue
        stem = Path(rule_file.display).name.rsplit(".", 1)[0]
        if stem != document["id"]:
            problems.append(
                f"{rule_file.display}: $.id: {document['id']!r} does not match the file name "
                f"(expected the file to be named {document['id']}.yaml)"
            )
            continue
        if document["id"] in seen:
            problems.append(
                f"{rule_file.display}: $.id: rule {document['id']!r} is already defined in {seen[document['id']]}"
            )
            continue
        seen[document["id"]] = rule_file.display
        specs.append(RuleSpec.from_document(document, rule_file.display, rule_file.bundled))
    if problems:
        raise InputError(problems)
    return specs


def load_rule_specs(rules_dirs: Sequence[str] = (), include_bundled: bool = True) -> list[RuleSpec]:
    files = bundled_rule_files() if include_bundled else []
    files += user_rule_files(rules_dirs)
    return parse_rule_files(files)

"""Read YAML the strict way: a syntax error or a duplicated key is one clear line, not a dump."""

from __future__ import annotations

from typing import Any

import yaml

from cloudaudit.errors import InputError


class _StrictLoader(yaml.SafeLoader):
    """SafeLoader that refuses duplicated keys (PyYAML keeps the last one without a word)."""


def _construct_mapping(loader: _StrictLoader, node: yaml.MappingNode, deep: bool = False) -> dict:
    loader.flatten_mapping(node)
    mapping: dict[Any, Any] = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=deep)
        if key in mapping:
            raise yaml.constructor.ConstructorError(
                None, None, f"duplicated key {key!r}", key_node.start_mark
            )
        mapping[key] = loader.construct_object(value_node, deep=deep)
    return mapping


def _construct_timestamp(loader: _StrictLoader, node: yaml.ScalarNode) -> Any:
    """A date such as 2027-13-01 looks like one to YAML but is none: say so with its line,
    instead of PyYAML's bare ValueError."""
    try:
        return yaml.SafeLoader.construct_yaml_timestamp(loader, node)
    except ValueError as exc:
        raise yaml.constructor.ConstructorError(
            None, None, f"{node.value!r} is not a valid date ({exc})", node.start_mark
        ) from None


_StrictLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)
_StrictLoader.add_constructor("tag:yaml.org,2002:timestamp", _construct_timestamp)


class _FastLoader(getattr(yaml, "CSafeLoader", _StrictLoader)):  # type: ignore[misc]
    """The same constructors over libyaml's parser, when PyYAML has it: rules load at every
    start, several times faster. On any error the text is parsed again by _StrictLoader, whose
    messages are the ones users see."""


_FastLoader.yaml_constructors = _StrictLoader.yaml_constructors  # shared: later additions too


def parse_yaml(text: str, display_name: str) -> Any:
    """Parse YAML text; errors name the file and the line."""
    try:
        return yaml.load(text, Loader=_FastLoader)  # noqa: S506 - a SafeLoader subclass
    except yaml.YAMLError:
        pass
    try:
        return yaml.load(text, Loader=_StrictLoader)  # noqa: S506 - a SafeLoader subclass
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = f"line {mark.line + 1}: " if mark is not None else ""
        problem = exc.problem or exc.context or "invalid YAML"
        raise InputError(f"{display_name}: {line}{problem}") from None
    except yaml.YAMLError as exc:
        raise InputError(f"{display_name}: invalid YAML: {exc}") from None


def read_yaml_file(path: str, display_name: str | None = None) -> Any:
    name = display_name or path
    try:
        with open(path, encoding="utf-8") as handle:
            text = handle.read()
    except FileNotFoundError:
        raise InputError(f"{name}: file not found") from None
    except IsADirectoryError:
        raise InputError(f"{name}: is a directory, expected a YAML file") from None
    except UnicodeDecodeError:
        raise InputError(f"{name}: not UTF-8 text") from None
    except OSError as exc:
        raise InputError(f"{name}: cannot read ({exc.strerror})") from None
    return parse_yaml(text, name)

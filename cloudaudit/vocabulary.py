"""The normalised property vocabulary (schemas/properties.yaml): which paths exist, per type."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from importlib import resources
from typing import Any, Iterator, Mapping

import yaml

from cloudaudit.model import RESOURCE_TYPES


@dataclass(frozen=True)
class PropertySpec:
    """What the vocabulary says of one path."""

    type: str
    """boolean, string, integer, number, array or object."""
    items: str | None = None
    """Element type of an array."""
    enum: tuple[str, ...] | None = None
    nullable: bool = False
    doc: str = ""


class Vocabulary:
    def __init__(self, table: Mapping[str, Mapping[str, PropertySpec]]):
        self._table = table
        self._objects = {rtype: _object_prefixes(specs) for rtype, specs in table.items()}

    def spec(self, resource_type: str, path: str) -> PropertySpec | None:
        """The spec of a path (`a.b`, `a.list[*].field`); intermediate objects give type object."""
        specs = self._table.get(resource_type, {})
        if path in specs:
            return specs[path]
        if path in self._objects.get(resource_type, ()):
            return PropertySpec(type="object")
        return None

    def paths(self, resource_type: str) -> Mapping[str, PropertySpec]:
        return self._table.get(resource_type, {})

    def unknown_paths(self, resource_type: str, properties: Mapping[str, Any]) -> list[str]:
        """Leaf paths set in `properties` that the vocabulary does not declare."""
        return [
            path
            for path in _leaf_paths(properties)
            if self.spec(resource_type, path) is None
        ]


def _object_prefixes(specs: Mapping[str, PropertySpec]) -> frozenset[str]:
    prefixes = set()
    for path in specs:
        parts = path.split(".")
        for i in range(1, len(parts)):
            prefixes.add(".".join(parts[:i]))
    return frozenset(prefixes)


def _leaf_paths(value: Mapping[str, Any], prefix: str = "") -> Iterator[str]:
    for key, item in value.items():
        path = f"{prefix}{key}"
        if isinstance(item, Mapping) and item:
            yield from _leaf_paths(item, path + ".")
        elif isinstance(item, list) and item and all(isinstance(e, Mapping) for e in item):
            yield path
            for element in item:
                yield from _leaf_paths(element, path + "[*].")
        else:
            yield path


@functools.lru_cache(maxsize=1)
def vocabulary() -> Vocabulary:
    text = resources.files("cloudaudit").joinpath("schemas/properties.yaml").read_text("utf-8")
    data = yaml.safe_load(text) or {}
    table: dict[str, dict[str, PropertySpec]] = {}
    for rtype in RESOURCE_TYPES:
        entries = data.get(rtype) or {}
        table[rtype] = {
            path: PropertySpec(
                type=entry["type"],
                items=entry.get("items"),
                enum=tuple(entry["enum"]) if "enum" in entry else None,
                nullable=bool(entry.get("nullable", False)),
                doc=entry.get("doc", ""),
            )
            for path, entry in entries.items()
        }
    return Vocabulary(table)

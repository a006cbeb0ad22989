"""Property paths: how a rule names a fact of a resource, and how that fact is looked up.

A path is dotted (`encryption.at_rest`). The first segment picks where it is read:
the resource's own fields (`provider`, `type`, `id`, `name`, `account`, `region`),
its `tags` (`tags.env`: the rest of the path is the tag key, verbatim), its `raw`
provider facts (`raw.anything`, unchecked), or else its normalised `properties`.
Inside a quantifier's `where`, paths are relative to the list element and `@` is the
element itself.

A lookup gives the value, `MISSING` (the fact was not collected) or an `Unreadable`
(the provider tried and failed, e.g. AccessDenied). The engine treats both as unknown.
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass
from typing import Any, Mapping

from cloudaudit.model import Resource

RESOURCE_FIELDS = ("provider", "type", "id", "name", "account", "region")
ELEMENT = "@"
WILDCARD_SUFFIX = "[*]"

_SEGMENT = re.compile(r"^[a-z_][a-z0-9_]*$")


class _Missing:
    """The fact is not in the resource: not collected, or not given by this provider."""

    _instance: "_Missing | None" = None

    def __new__(cls) -> "_Missing":
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "MISSING"

    def __bool__(self) -> bool:
        return False


MISSING = _Missing()


@dataclass(frozen=True)
class Unreadable:
    """The provider tried to read the fact and failed; `reason` names the call and the error."""

    path: str
    reason: str


class PathSyntaxError(ValueError):
    pass


@dataclass(frozen=True)
class PropertyPath:
    """A parsed path, ready for fast lookups."""

    text: str
    root: str
    """'field', 'tags', 'raw', 'properties' or 'element'."""
    tokens: tuple[str, ...]
    error_keys: tuple[str, ...]
    """The path and each of its prefixes, as keys of Resource.errors, shortest first."""

    def lookup(self, resource: Resource) -> Any:
        if self.root == "field":
            return getattr(resource, self.tokens[0])
        for key in self.error_keys:
            reason = resource.errors.get(key)
            if reason is not None:
                return Unreadable(self.text, reason)
        if self.root == "tags":
            # Tags were read as a whole: a key that is not there is a tag that is not set.
            return resource.tags.get(self.tokens[0])
        source = resource.raw if self.root == "raw" else resource.properties
        return _walk(source, self.tokens)

    def lookup_in(self, element: Any) -> Any:
        """Look the path up relative to a list element (inside a quantifier's `where`)."""
        if not self.tokens:
            return element
        return _walk(element, self.tokens)


def _walk(value: Any, tokens: tuple[str, ...]) -> Any:
    for token in tokens:
        if not isinstance(value, Mapping) or token not in value:
            return MISSING
        value = value[token]
    return value


def parse_path(text: str, *, relative: bool = False) -> PropertyPath:
    """Parse a path; `relative` paths are read from a quantifier's list element."""
    if not isinstance(text, str) or not text:
        raise PathSyntaxError("a path must be a non-empty string")
    if relative:
        if text == ELEMENT:
            return PropertyPath(text, "element", (), ())
        tokens = _split(text)
        return PropertyPath(text, "element", tokens, ())
    if text in RESOURCE_FIELDS:
        return PropertyPath(text, "field", (text,), ())
    head, _, rest = text.partition(".")
    if head == "tags":
        if not rest:
            raise PathSyntaxError("'tags' needs a key, e.g. tags.env")
        return PropertyPath(text, "tags", (rest,), ("tags",))
    if head == "raw":
        tokens = _split(rest) if rest else ()
        return PropertyPath(text, "raw", tokens, _prefixes(("raw",) + tokens))
    tokens = _split(text)
    return PropertyPath(text, "properties", tokens, _prefixes(tokens))


def parse_wildcard_path(text: str) -> PropertyPath:
    """Parse a quantifier path, which names a list and ends in [*] (e.g. grants[*])."""
    if not isinstance(text, str) or not text.endswith(WILDCARD_SUFFIX):
        raise PathSyntaxError(f"a quantifier path must name a list and end in {WILDCARD_SUFFIX}")
    return parse_path(text[: -len(WILDCARD_SUFFIX)])


def _split(text: str) -> tuple[str, ...]:
    tokens = tuple(text.split("."))
    for token in tokens:
        if not _SEGMENT.match(token):
            raise PathSyntaxError(
                f"bad path segment {token!r} in {text!r} (expected lower-case letters, digits, _)"
            )
    return tokens


def _prefixes(tokens: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(".".join(tokens[: i + 1]) for i in range(len(tokens)))


def get_dotted(mapping: Mapping[str, Any], dotted: str) -> Any:
    """Read a dotted path from nested mappings; MISSING when absent."""
    return _walk(mapping, tuple(dotted.split(".")))


def set_dotted(mapping: dict[str, Any], dotted: str, value: Any) -> None:
    """Set a dotted path in nested dicts, creating the intermediate dicts. The keys are interned:
    every resource has the same few dozen, and thousands of private copies add up (30 MB at
    5,000 Azure accounts)."""
    tokens = [sys.intern(token) for token in dotted.split(".")]
    node = mapping
    for token in tokens[:-1]:
        node = node.setdefault(token, {})
    node[tokens[-1]] = value

"""Fact fetchers: each reads one group of settings with one or a few calls.

A provider declares its fetchers once: which property paths each one produces and which API
calls it makes. For a resource it runs only the fetchers whose paths the selected rules read
(plus the fetchers those depend on), so an encryption-only scan makes encryption calls only.
A fetcher that fails marks every path it produces as unreadable, with the call and the reason;
that fact then gives ERROR results and never reads as "not configured".
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any, Callable, Generic, Iterable, Mapping, Sequence, TypeVar

from cloudaudit.paths import set_dotted

Target = TypeVar("Target")


class ReadFailure(Exception):
    """A read that failed; `reason` names the call and the error, with no secret in it."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


class Facts:
    """Flat path -> value store of one resource, with the reasons of paths that failed."""

    def __init__(self) -> None:
        self.values: dict[str, Any] = {}
        self.errors: dict[str, str] = {}

    def get(self, path: str) -> Any:
        """The value; raises ReadFailure if that path could not be read, KeyError if not collected."""
        if path in self.errors:
            raise ReadFailure(self.errors[path])
        return self.values[path]

    def peek(self, path: str, default: Any = None) -> Any:
        """The value if it was read successfully, else `default` (never raises)."""
        return self.values.get(path, default)

    def set(self, path: str, value: Any) -> None:
        if isinstance(value, ReadFailure):
            self.errors[path] = value.reason
            self.values.pop(path, None)
        else:
            self.values[path] = value

    def fail(self, paths: Iterable[str], reason: str) -> None:
        for path in paths:
            self.errors[path] = reason
            self.values.pop(path, None)

    def split(self) -> tuple[dict[str, Any], dict[str, str], dict[str, Any], dict[str, str]]:
        """(nested properties, tags, nested raw, errors) for a Resource."""
        properties: dict[str, Any] = {}
        raw: dict[str, Any] = {}
        tags: dict[str, str] = {}
        for path, value in self.values.items():
            if path == "tags":
                tags = dict(value)
            elif path.startswith("raw."):
                set_dotted(raw, path[4:], value)
            else:
                set_dotted(properties, path, value)
        return properties, tags, raw, dict(self.errors)


@dataclass(frozen=True)
class Fetcher(Generic[Target]):
    """One group of facts and how to read it."""

    name: str
    provides: tuple[str, ...]
    """Property paths this fetcher sets (tags and raw.* included)."""
    read: Callable[[Target, Facts], Mapping[str, Any]]
    """(resource context, facts so far) -> {path: value or ReadFailure}. Raises ReadFailure when
    nothing could be read."""
    calls: tuple[str, ...] = ()
    """The API operations it may make, e.g. s3:GetBucketPolicy (documents the permissions needed)."""
    requires: tuple[str, ...] = ()
    """Fetchers that must run first because this one reads their facts."""
    uses: tuple[str, ...] = ()
    """Fetchers whose facts this one reads when they ran anyway, to save a call."""
    combines: bool = False
    """It derives an effective result from other facts and decides itself what a failed input
    means (Facts.get raises ReadFailure for it); otherwise a failed requirement fails it too."""


@dataclass(frozen=True)
class FetchPlan(Generic[Target]):
    """The fetchers to run for one resource type, in dependency order."""

    fetchers: tuple[Fetcher[Target], ...] = field(default_factory=tuple)

    def run(self, target: Target, facts: Facts | None = None) -> Facts:
        facts = facts or Facts()
        for fetcher in self.fetchers:
            failed = [facts.errors[p] for name in fetcher.requires for p in _provided(self, name) if p in facts.errors]
            if failed and not fetcher.combines:
                facts.fail(fetcher.provides, failed[0])
                continue
            try:
                produced = fetcher.read(target, facts)
            except ReadFailure as failure:
                facts.fail(fetcher.provides, failure.reason)
                continue
            for path, value in produced.items():
                facts.set(path, value)
        return facts

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(f.name for f in self.fetchers)


def _provided(plan: FetchPlan[Any], name: str) -> tuple[str, ...]:
    for fetcher in plan.fetchers:
        if fetcher.name == name:
            return fetcher.provides
    return ()


def plan_fetchers(
    fetchers: Sequence[Fetcher[Target]],
    wants: Callable[[tuple[str, ...]], bool],
    also: Iterable[str] = (),
) -> FetchPlan[Target]:
    """Choose the fetchers whose paths are wanted (and those named in `also`), add what they
    require, and order them so that each runs after what it requires or uses."""
    by_name = {f.name: f for f in fetchers}
    chosen: set[str] = set()

    def add(name: str) -> None:
        if name in chosen:
            return
        chosen.add(name)
        for dependency in by_name[name].requires:
            add(dependency)

    for fetcher in fetchers:
        if wants(fetcher.provides):
            add(fetcher.name)
    for name in also:
        add(name)

    ordered: list[Fetcher[Target]] = []
    placed: set[str] = set()

    def place(name: str) -> None:
        if name in placed:
            return
        fetcher = by_name[name]
        for before in fetcher.requires + tuple(u for u in fetcher.uses if u in chosen):
            place(before)
        placed.add(name)
        ordered.append(fetcher)

    for fetcher in fetchers:
        if fetcher.name in chosen:
            place(fetcher.name)
    return FetchPlan(tuple(ordered))


class SharedReads:
    """Reads that many resources need but that are made once: a KMS key's manager, a region's
    AWS Backup inventory, an account's trails. Thread-safe; a failure is remembered too, so
    every resource that needs it gets the same ReadFailure without asking again."""

    def __init__(self) -> None:
        self._values: dict[Any, Any] = {}
        self._locks: dict[Any, threading.Lock] = {}
        self._guard = threading.Lock()

    def get(self, key: Any, read: Callable[[], Any]) -> Any:
        """The value of `read()` for `key`, computed once; raises its ReadFailure each time."""
        with self._guard:
            lock = self._locks.setdefault(key, threading.Lock())
        with lock:
            if key not in self._values:
                try:
                    self._values[key] = read()
                except ReadFailure as failure:
                    self._values[key] = failure
        value = self._values[key]
        if isinstance(value, ReadFailure):
            raise value
        return value

"""What a cloud provides to the benchmark: an emulator holding a tenant of a given size, the
`cloudaudit scan` options that scan it, and the status every finding must have.

A provider plugs in by subclassing BenchProvider and adding itself to bench.providers.
"""

from __future__ import annotations

import abc
from dataclasses import dataclass, field
from typing import Mapping, Sequence


@dataclass(frozen=True)
class Tenant:
    """A built tenant, served by one or more local emulators."""

    resources: int
    """How many resources of the size-giving type (buckets, containers) it holds."""
    upstreams: Mapping[str, int]
    """Emulator name -> loopback port; the benchmark may put a latency proxy in front of each."""
    expected: Mapping[tuple[str, str], str]
    """(resource name, rule id) -> the status the scan must report."""
    build_seconds: float
    build_calls: int
    notes: Sequence[str] = field(default_factory=tuple)


class BenchProvider(abc.ABC):
    name: str
    selections: Mapping[str, Sequence[str]]
    """Selection name -> extra `scan` options (e.g. 'encryption': ['--rule', '...']); 'full' is []."""

    @abc.abstractmethod
    def start(self, size: int, seed: int) -> Tenant:
        """Start the emulator(s) and build a tenant of `size` resources."""

    @abc.abstractmethod
    def stop(self) -> None:
        """Stop what start() started."""

    @abc.abstractmethod
    def scan_options(self, urls: Mapping[str, str]) -> list[str]:
        """`cloudaudit scan` options that select this provider (e.g. ['--provider', 'aws']),
        given each upstream's URL as for scan_environment (some clouds take endpoints as options)."""

    @abc.abstractmethod
    def scan_environment(self, urls: Mapping[str, str]) -> dict[str, str]:
        """Environment for the scan: credentials and endpoints, given each upstream's URL
        (the emulator's own, or the latency proxy's in front of it)."""

"""The delivery state: which fingerprints each webhook has accepted, kept across runs.

    {"version": 1, "targets": {"<hash of the URL>": {"endpoint": "https://host",
                                                      "delivered": {"<fingerprint>": "<when>"},
                                                      "fixed": {"<fingerprint>": <times>}}}}

A delivered finding that a later run sees PASS is fixed: it leaves `delivered`, and `fixed`
counts how often that happened, so that if it fails again it is sent again as a new occurrence
(with an idempotency key of its own; payload.py). Only PASS forgets: a finding missing from a
run (its rule not selected, its resource not scanned) or in ERROR is not known to be fixed.

It is rewritten atomically after every accepted request, so a run that is killed half-way
loses at most the request in flight, and that one is re-sent with the same idempotency key.
Runs that share a state file (two CI jobs of one tenant) take turns: a delivery holds an
advisory lock on STATE.lock and re-reads the file once it has it, so the second run skips what
the first delivered instead of sending it again and overwriting its record.
"""

from __future__ import annotations

import contextlib
import json
import os
import time
from typing import Any, Iterable, Iterator

try:
    import fcntl
except ImportError:  # Windows: no advisory locks; runs sharing a state file must not overlap
    fcntl = None  # type: ignore[assignment]

from cloudaudit.atomic import write_text_atomic
from cloudaudit.errors import InputError
from cloudaudit.jsonfile import read_json_file

STATE_VERSION = 1
LOCK_WAIT_SECONDS = 600.0
"""How long a run waits for another run's delivery to the same state file."""


class DeliveryState:
    """Delivered fingerprints per webhook; `path` None keeps them in memory only."""

    def __init__(self, path: str | None = None, targets: dict[str, dict[str, Any]] | None = None):
        self.path = path
        self._targets: dict[str, dict[str, Any]] = targets or {}

    @classmethod
    def load(cls, path: str | None) -> "DeliveryState":
        """A missing file is an empty state (the first run); a damaged one is an error."""
        if path is None or not os.path.exists(path):
            return cls(path)
        document = read_json_file(path)
        problem = _problem(document)
        if problem:
            raise InputError(f"{path}: {problem} (a delivery state written by `cloudaudit notify --state`)")
        return cls(path, document["targets"])

    @contextlib.contextmanager
    def exclusive(self, wait_seconds: float = LOCK_WAIT_SECONDS) -> Iterator[None]:
        """Hold the state file's lock, with what other runs recorded meanwhile read in."""
        if self.path is None or fcntl is None:
            yield
            return
        lock_path = f"{self.path}.lock"
        try:
            handle = open(lock_path, "a", encoding="utf-8")
        except OSError as exc:
            raise StateNotWritten(f"{lock_path}: cannot open the delivery state's lock ({exc.strerror})") from None
        with handle:
            _acquire(handle, lock_path, wait_seconds)
            try:
                self._targets = DeliveryState.load(self.path)._targets
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    def delivered(self, target_key: str) -> frozenset[str]:
        return frozenset(self._targets.get(target_key, {}).get("delivered", {}))

    def occurrence(self, target_key: str, fingerprint: str) -> int:
        """1 for a finding never fixed since its first delivery; n + 1 after n fixes."""
        return self._targets.get(target_key, {}).get("fixed", {}).get(fingerprint, 0) + 1

    def forget_fixed(self, target_key: str, passing: Iterable[str]) -> tuple[str, ...]:
        """Forget the delivered fingerprints among `passing`; the file is written when any was."""
        entry = self._targets.get(target_key)
        if entry is None:
            return ()
        fixed = tuple(fp for fp in dict.fromkeys(passing) if fp in entry["delivered"])
        counts = entry.setdefault("fixed", {})
        for fingerprint in fixed:
            del entry["delivered"][fingerprint]
            counts[fingerprint] = counts.get(fingerprint, 0) + 1
        if fixed:
            self.save()
        return fixed

    def record(self, target_key: str, endpoint: str, fingerprints: Iterable[str], when: str) -> None:
        """Remember an accepted request, and write the file at once (StateNotWritten if not)."""
        entry = self._targets.setdefault(target_key, {"endpoint": endpoint, "delivered": {}})
        for fingerprint in fingerprints:
            entry["delivered"][fingerprint] = when
        self.save()

    def save(self) -> None:
        """Write the file now; before sending anything, this proves that it can be written."""
        if self.path is None:
            return
        document = {"version": STATE_VERSION, "targets": self._targets}
        try:
            write_text_atomic(self.path, json.dumps(document, indent=2, sort_keys=True) + "\n")
        except OSError as exc:
            raise StateNotWritten(f"{self.path}: cannot write the delivery state ({exc.strerror})") from None


class StateNotWritten(InputError):
    """The state file cannot be written: what was delivered would be sent again next time."""


def _acquire(handle: Any, lock_path: str, wait_seconds: float) -> None:
    deadline = time.monotonic() + wait_seconds
    while True:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return
        except BlockingIOError:
            if time.monotonic() >= deadline:
                raise StateNotWritten(
                    f"{lock_path}: another cloudaudit run has been delivering with this state file for "
                    f"{wait_seconds:.0f} s; try again when it has finished"
                ) from None
            time.sleep(0.2)


def _problem(document: Any) -> str | None:
    if not isinstance(document, dict) or document.get("version") != STATE_VERSION:
        return f"$.version: expected {STATE_VERSION}"
    targets = document.get("targets")
    if not isinstance(targets, dict):
        return "$.targets: expected a mapping"
    for key, entry in targets.items():
        if not isinstance(entry, dict) or not isinstance(entry.get("delivered"), dict):
            return f"$.targets.{key}.delivered: expected a mapping of fingerprints"
        fixed = entry.get("fixed", {})
        if not isinstance(fixed, dict) or not all(type(n) is int and n > 0 for n in fixed.values()):
            return f"$.targets.{key}.fixed: expected a mapping of fingerprints to counts (1 or more)"
    return None

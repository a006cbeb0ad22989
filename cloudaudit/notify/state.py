"""The delivery state: which fingerprints each webhook has accepted, kept across runs.

    {"version": 1, "targets": {"<hash of the URL>": {"endpoint": "https://host",
                                                      "delivered": {"<fingerprint>": "<when>"}}}}

It is rewritten atomically after every accepted request, so a run that is killed half-way
loses at most the request in flight, and that one is re-sent with the same idempotency key.
"""

from __future__ import annotations

import json
import os
from typing import Any, Iterable

from cloudaudit.atomic import write_text_atomic
from cloudaudit.errors import InputError
from cloudaudit.jsonfile import read_json_file

STATE_VERSION = 1


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

    def delivered(self, target_key: str) -> frozenset[str]:
        return frozenset(self._targets.get(target_key, {}).get("delivered", {}))

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


def _problem(document: Any) -> str | None:
    if not isinstance(document, dict) or document.get("version") != STATE_VERSION:
        return f"$.version: expected {STATE_VERSION}"
    targets = document.get("targets")
    if not isinstance(targets, dict):
        return "$.targets: expected a mapping"
    for key, entry in targets.items():
        if not isinstance(entry, dict) or not isinstance(entry.get("delivered"), dict):
            return f"$.targets.{key}.delivered: expected a mapping of fingerprints"
    return None

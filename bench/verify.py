"""Compare the findings document of a scan with the statuses the tenant is known to have."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping


@dataclass(frozen=True)
class Verdict:
    checked: int
    wrong: tuple[str, ...]
    """One line per finding that differs from the expectation (or is missing or unexpected)."""

    @property
    def matched(self) -> bool:
        return not self.wrong


def verify(document: Mapping[str, Any], expected: Mapping[tuple[str, str], str], rules: set[str] | None = None) -> Verdict:
    """`rules`: the rule ids the scan selected (None: every rule of `expected`)."""
    wanted = {key: status for key, status in expected.items() if rules is None or key[1] in rules}
    seen = {(f["resource"]["name"], f["rule"]["id"]): f for f in document["findings"]}
    wrong = []
    for key, status in sorted(wanted.items()):
        finding = seen.get(key)
        if finding is None:
            wrong.append(f"{key[0]} {key[1]}: no finding (expected {status})")
        elif finding["status"] != status:
            wrong.append(f"{key[0]} {key[1]}: {finding['status']} (expected {status}): {finding['message']}")
    wrong.extend(f"{key[0]} {key[1]}: unexpected finding" for key in sorted(set(seen) - set(wanted)))
    return Verdict(len(wanted), tuple(wrong))

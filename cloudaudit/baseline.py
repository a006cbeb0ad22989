"""Baselines and diffs: which failing findings are new, resolved or unchanged, by fingerprint.

A finding is failing when its status is FAIL; MUTED, ERROR, PASS and NOT_APPLICABLE are not.
The fingerprint (rule id + resource id) stays the same across runs, so two findings documents
of the same tenant can be compared without looking at anything else.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterable, Mapping, Sequence

from cloudaudit.findings_file import FindingRecord, FindingsFile, load_findings_file
from cloudaudit.model import Finding, Status


@dataclass(frozen=True)
class Classified:
    """Fingerprints split three ways, in a stable order (the newer run's order first)."""

    new: tuple[str, ...]
    """Failing now, not failing before."""
    resolved: tuple[str, ...]
    """Failing before, not failing now."""
    unchanged: tuple[str, ...]
    """Failing in both."""


def classify(old_failing: Sequence[str], new_failing: Sequence[str]) -> Classified:
    old, new = set(old_failing), set(new_failing)
    return Classified(
        new=tuple(fp for fp in dict.fromkeys(new_failing) if fp not in old),
        resolved=tuple(fp for fp in dict.fromkeys(old_failing) if fp not in new),
        unchanged=tuple(fp for fp in dict.fromkeys(new_failing) if fp in old),
    )


@dataclass(frozen=True)
class Baseline:
    """An earlier findings document that `scan --baseline` compares against."""

    path: str
    scan: Mapping[str, Any]
    failing: frozenset[str]
    """Fingerprints that failed in the baseline: failing again now does not fail the run."""
    account_ids: frozenset[str]

    def compare(self, findings: Iterable[Finding]) -> Classified:
        ordered = sorted(self.failing)
        return classify(ordered, [f.fingerprint for f in findings if f.status is Status.FAIL])

    def section(self, classified: Classified) -> dict[str, Any]:
        """The `baseline` section of the findings document."""
        return {
            "file": self.path,
            "scan_id": self.scan.get("id"),
            "finished_at": self.scan.get("finished_at"),
            "new": list(classified.new),
            "resolved": list(classified.resolved),
            "unchanged": list(classified.unchanged),
        }

    def mismatch(self, account_ids: Iterable[str]) -> str | None:
        """A warning when the baseline is of other accounts (every finding would look new)."""
        current = frozenset(account_ids)
        if self.account_ids and current and not self.account_ids & current:
            return (
                f"baseline {self.path} is of account {', '.join(sorted(self.account_ids))}, this scan of "
                f"{', '.join(sorted(current))}: every failing finding counts as new"
            )
        return None


def load_baseline(path: str) -> Baseline:
    document = load_findings_file(path)
    accounts = frozenset(a["id"] for a in document.scan.get("accounts", []))
    return Baseline(path, document.scan, frozenset(document.failing()), accounts)


@dataclass(frozen=True)
class Resolved:
    before: FindingRecord
    now: Status | None
    """Its status in the newer document; None when it is not there at all (rule or resource gone)."""


@dataclass(frozen=True)
class FindingsDiff:
    old: FindingsFile
    new: FindingsFile
    added: tuple[FindingRecord, ...]
    resolved: tuple[Resolved, ...]
    unchanged: tuple[FindingRecord, ...]

    def to_document(self) -> dict[str, Any]:
        return {
            "old": _scan_ref(self.old),
            "new": _scan_ref(self.new),
            "counts": {"new": len(self.added), "resolved": len(self.resolved), "unchanged": len(self.unchanged)},
            "findings": {
                "new": [dict(f.data) for f in self.added],
                "resolved": [{**f.before.data, "now": f.now.value if f.now else None} for f in self.resolved],
                "unchanged": [dict(f.data) for f in self.unchanged],
            },
        }


def diff_documents(old: FindingsFile, new: FindingsFile) -> FindingsDiff:
    old_failing, new_failing = old.failing(), new.failing()
    classified = classify(list(old_failing), list(new_failing))
    now = new.by_fingerprint()
    return FindingsDiff(
        old,
        new,
        added=tuple(new_failing[fp] for fp in classified.new),
        resolved=tuple(Resolved(old_failing[fp], now[fp].status if fp in now else None) for fp in classified.resolved),
        unchanged=tuple(new_failing[fp] for fp in classified.unchanged),
    )


def _scan_ref(document: FindingsFile) -> dict[str, Any]:
    return {
        "file": document.path,
        "scan_id": document.scan.get("id"),
        "finished_at": document.scan.get("finished_at"),
        "tenant": document.scan.get("tenant"),
    }

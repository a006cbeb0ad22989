"""What is sent: one request per finding, or batches, each with its idempotency key."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any, Callable, Mapping, Sequence


@dataclass(frozen=True)
class Request:
    key: str
    """The Idempotency-Key header: the fingerprint (`fingerprint.N` for its Nth occurrence, after
    N - 1 fixes), or `batch-` + a hash of the batch's finding keys. A retry of the same request
    sends the same key."""
    fingerprints: tuple[str, ...]
    body: bytes


def scan_context(scan: Mapping[str, Any]) -> dict[str, Any]:
    """What a receiver needs of the scan to file a ticket: which run and which tenant."""
    return {key: scan.get(key) for key in ("id", "tenant", "finished_at")}


Occurrence = Callable[[str], int]
"""fingerprint -> which occurrence of that finding this delivery is (1 unless it was fixed since)."""


def plan_requests(
    findings: Sequence[Mapping[str, Any]], scan: Mapping[str, Any], batch_size: int, occurrence: Occurrence = lambda _: 1
) -> list[Request]:
    """Findings in the findings-document form (outputs/document.py), in the order given."""
    context = scan_context(scan)
    if batch_size <= 1:
        requests = []
        for f in findings:
            n = occurrence(f["fingerprint"])
            key = finding_key(f["fingerprint"], n)
            body = {"kind": "cloudaudit.finding", "idempotency_key": key, "occurrence": n, "scan": context, "finding": f}
            requests.append(Request(key, (f["fingerprint"],), _encode(body)))
        return requests
    requests = []
    for start in range(0, len(findings), batch_size):
        batch = findings[start : start + batch_size]
        fingerprints = tuple(f["fingerprint"] for f in batch)
        occurrences = {fp: occurrence(fp) for fp in fingerprints}
        keys = sorted(finding_key(fp, n) for fp, n in occurrences.items())
        key = "batch-" + hashlib.sha256("\n".join(keys).encode()).hexdigest()[:32]
        body = {"kind": "cloudaudit.findings", "idempotency_key": key, "occurrences": occurrences, "scan": context, "findings": list(batch)}
        requests.append(Request(key, fingerprints, _encode(body)))
    return requests


def finding_key(fingerprint: str, occurrence: int) -> str:
    """The first occurrence keeps the bare fingerprint (what receivers already know)."""
    return fingerprint if occurrence == 1 else f"{fingerprint}.{occurrence}"


def _encode(document: Mapping[str, Any]) -> bytes:
    return json.dumps(document, default=str, sort_keys=False).encode("utf-8")

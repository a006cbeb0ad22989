"""What is sent: one request per finding, or batches, each with its idempotency key."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any, Mapping, Sequence


@dataclass(frozen=True)
class Request:
    key: str
    """The Idempotency-Key header: the fingerprint, or `batch-` + a hash of the batch's
    fingerprints. A retry of the same request sends the same key."""
    fingerprints: tuple[str, ...]
    body: bytes


def scan_context(scan: Mapping[str, Any]) -> dict[str, Any]:
    """What a receiver needs of the scan to file a ticket: which run and which tenant."""
    return {key: scan.get(key) for key in ("id", "tenant", "finished_at")}


def plan_requests(findings: Sequence[Mapping[str, Any]], scan: Mapping[str, Any], batch_size: int) -> list[Request]:
    """Findings in the findings-document form (outputs/document.py), in the order given."""
    context = scan_context(scan)
    if batch_size <= 1:
        return [
            Request(
                f["fingerprint"],
                (f["fingerprint"],),
                _encode({"kind": "cloudaudit.finding", "idempotency_key": f["fingerprint"], "scan": context, "finding": f}),
            )
            for f in findings
        ]
    requests = []
    for start in range(0, len(findings), batch_size):
        batch = findings[start : start + batch_size]
        fingerprints = tuple(f["fingerprint"] for f in batch)
        key = "batch-" + hashlib.sha256("\n".join(sorted(fingerprints)).encode()).hexdigest()[:32]
        body = {"kind": "cloudaudit.findings", "idempotency_key": key, "scan": context, "findings": list(batch)}
        requests.append(Request(key, fingerprints, _encode(body)))
    return requests


def _encode(document: Mapping[str, Any]) -> bytes:
    return json.dumps(document, default=str, sort_keys=False).encode("utf-8")

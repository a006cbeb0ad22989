"""The results table, as Markdown (for bench/README.md) and for the terminal alike."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Mapping, Sequence


@dataclass(frozen=True)
class Row:
    provider: str
    size: int
    latency_ms: float
    selection: str
    listing: str
    """'moto' (regions read per bucket) or 'aws' (ListBuckets gives each region, as AWS)."""
    wall_seconds: float
    cpu_seconds: float
    rss_mb: float
    api_calls: int
    wire_requests: int | None
    """Requests the latency proxy saw (retries included); None without a proxy."""
    peak_in_flight: int | None
    """The most requests the proxy held at once; None without a proxy."""
    findings: int
    matched: bool
    exit_code: int
    workers: int | None
    calls_by_operation: Mapping[str, int] = field(default_factory=dict)
    """The scan's own count of each API operation (scan.api_calls), for the --json file."""

    @property
    def cpu_ms_per_resource(self) -> float:
        return 1000 * self.cpu_seconds / self.size if self.size else 0.0

    @property
    def retries(self) -> str:
        """Requests on the wire beyond the calls made (botocore counts a retried call once)."""
        return "-" if self.wire_requests is None else str(self.wire_requests - self.api_calls)

    @property
    def calls_per_resource(self) -> float:
        return self.api_calls / self.size if self.size else 0.0


COLUMNS = ("provider", "N", "latency", "workers", "rules", "listing", "wall s", "CPU s", "CPU ms/N", "RSS MB",
           "calls", "calls/N", "retries", "in flight", "findings", "matched")


def markdown(rows: Sequence[Row]) -> str:
    lines = ["| " + " | ".join(COLUMNS) + " |", "|" + "|".join("---:" if c not in ("provider", "workers", "rules", "listing", "matched") else "---" for c in COLUMNS) + "|"]
    for row in rows:
        cells = (
            row.provider, f"{row.size:,}", f"{row.latency_ms:g} ms", str(row.workers or "default"), row.selection, row.listing,
            f"{row.wall_seconds:.2f}", f"{row.cpu_seconds:.2f}", f"{row.cpu_ms_per_resource:.2f}",
            f"{row.rss_mb:.0f}", f"{row.api_calls:,}", f"{row.calls_per_resource:.2f}", row.retries,
            "-" if row.peak_in_flight is None else str(row.peak_in_flight), f"{row.findings:,}",
            "yes" if row.matched else "NO",
        )
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)

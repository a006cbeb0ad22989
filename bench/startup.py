"""What `python -X importtime` says about the CLI's start-up: total import time, the heaviest
top-level imports, and whether any SDK of another cloud was loaded."""

from __future__ import annotations

import re
from dataclasses import dataclass

_LINE = re.compile(r"^import time:\s+(\d+) \|\s+(\d+) \| (\s*)(\S+)$")
FOREIGN_SDKS = {
    "aws": ("azure", "google", "msrest", "grpc"),
    "azure": ("boto3", "botocore", "google", "grpc"),
    "gcp": ("boto3", "botocore", "azure", "msrest"),
}


@dataclass(frozen=True)
class ImportProfile:
    total_ms: float
    heaviest: tuple[tuple[str, float], ...]
    """(package, cumulative ms) of the costliest top-level imports."""
    modules: frozenset[str]

    def foreign(self, provider: str) -> list[str]:
        prefixes = FOREIGN_SDKS.get(provider, ())
        return sorted({m.split(".")[0] for m in self.modules if m.split(".")[0] in prefixes})


def parse_importtime(stderr: str, top: int = 6) -> ImportProfile:
    top_level: dict[str, float] = {}
    modules = set()
    for line in stderr.splitlines():
        match = _LINE.match(line)
        if not match:
            continue
        _, cumulative, indent, name = match.groups()
        modules.add(name)
        if not indent:
            root = name.split(".")[0]
            top_level[root] = top_level.get(root, 0.0) + int(cumulative) / 1000
    heaviest = tuple(sorted(top_level.items(), key=lambda item: -item[1])[:top])
    return ImportProfile(sum(top_level.values()), heaviest, frozenset(modules))

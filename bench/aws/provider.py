"""The AWS provider of the benchmark: a moto server in a child process."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Mapping

from bench.aws import ISOLATED_ENVIRONMENT
from bench.aws.tenant import (
    FIRST_RELEASE_ACCOUNT_RULES,
    FIRST_RELEASE_BUCKET_RULES,
    expected_statuses,
    plan_tenant,
)
from bench.interface import BenchProvider, Tenant

REPO = Path(__file__).resolve().parents[2]

FIRST_CATALOGUE = FIRST_RELEASE_BUCKET_RULES + FIRST_RELEASE_ACCOUNT_RULES
"""The rules of the first release (issue 7's baseline was measured on them): compares like with like."""


class AwsBench(BenchProvider):
    name = "aws"
    selections = {
        "full": [],
        "encryption": ["--rule", "storage.encryption-at-rest"],
        "first-catalogue": [option for rule in FIRST_CATALOGUE for option in ("--rule", rule)],
    }

    def __init__(self, regions_in_listing: bool = False):
        self.regions_in_listing = regions_in_listing
        """Make moto's ListBuckets return BucketRegion, as AWS does, so that no per-bucket
        GetBucketLocation is needed (the benchmark reports both ways)."""
        self._server: subprocess.Popen[str] | None = None

    def start(self, size: int, seed: int) -> Tenant:
        command = [sys.executable, "-m", "bench.aws.server", "--buckets", str(size), "--seed", str(seed)]
        if self.regions_in_listing:
            command.append("--regions-in-listing")
        self._server = subprocess.Popen(
            command, cwd=REPO, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
            env={**os.environ, "PYTHONPATH": str(REPO)},
        )
        line = self._server.stdout.readline() if self._server.stdout else ""
        if not line:
            self.stop()
            raise RuntimeError("the moto server did not start (see its output above)")
        started = json.loads(line)
        plan = plan_tenant(size, seed)
        notes = ["ListBuckets returns BucketRegion (as AWS)"] if self.regions_in_listing else []
        return Tenant(
            resources=size,
            upstreams={"aws": started["port"]},
            expected=expected_statuses(plan, over_moto_server=True),
            build_seconds=started["build_seconds"],
            build_calls=started["build_calls"],
            notes=notes,
        )

    def stop(self) -> None:
        if self._server is None:
            return
        if self._server.stdin:
            self._server.stdin.close()
        try:
            self._server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self._server.kill()
            self._server.wait()
        self._server = None

    def scan_options(self, urls: Mapping[str, str]) -> list[str]:
        return ["--provider", "aws"]

    def scan_environment(self, urls: Mapping[str, str]) -> dict[str, str]:
        return {**ISOLATED_ENVIRONMENT, "AWS_ENDPOINT_URL": urls["aws"]}

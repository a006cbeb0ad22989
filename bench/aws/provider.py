"""The AWS provider of the benchmark: a moto server in a child process."""

from __future__ import annotations

from typing import Mapping

from bench.aws import ISOLATED_ENVIRONMENT
from bench.aws.tenant import (
    FIRST_RELEASE_ACCOUNT_RULES,
    FIRST_RELEASE_BUCKET_RULES,
    expected_statuses,
    plan_tenant,
)
from bench.interface import Tenant
from bench.serving import ServedBench

FIRST_CATALOGUE = FIRST_RELEASE_BUCKET_RULES + FIRST_RELEASE_ACCOUNT_RULES
"""The rules of the first release (issue 7's baseline was measured on them): compares like with like."""


class AwsBench(ServedBench):
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

    def start(self, size: int, seed: int) -> Tenant:
        args = ["--buckets", str(size), "--seed", str(seed)] + (["--regions-in-listing"] if self.regions_in_listing else [])
        started = self.serve("bench.aws.server", args)
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

    def scan_options(self, urls: Mapping[str, str]) -> list[str]:
        return ["--provider", "aws"]

    def scan_environment(self, urls: Mapping[str, str]) -> dict[str, str]:
        return {**ISOLATED_ENVIRONMENT, "AWS_ENDPOINT_URL": urls["aws"]}

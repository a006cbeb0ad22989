"""The GCP provider of the benchmark: gcp-storage-emulator in a child process, scanned with
STORAGE_EMULATOR_HOST (anonymous credentials) and --gcp-project."""

from __future__ import annotations

import os
from typing import Mapping

from bench.gcp.tenant import PROJECT, expected_statuses, plan_tenant
from bench.interface import Tenant
from bench.serving import ServedBench


class GcpBench(ServedBench):
    name = "gcp"
    selections = {"full": [], "encryption": ["--rule", "storage.encryption-at-rest"]}

    def start(self, size: int, seed: int) -> Tenant:
        started = self.serve("bench.gcp.server", ["--buckets", str(size), "--seed", str(seed)])
        return Tenant(
            resources=size,
            upstreams={"gcs": started["port"]},
            expected=expected_statuses(plan_tenant(size, seed)),
            build_seconds=started["build_seconds"],
            build_calls=started["build_calls"],
        )

    def scan_options(self, urls: Mapping[str, str]) -> list[str]:
        return ["--provider", "gcp", "--gcp-project", PROJECT]

    def scan_environment(self, urls: Mapping[str, str]) -> dict[str, str]:
        # No gcloud configuration or metadata server of the machine may be used.
        closed = "127.0.0.1:9"
        return {"STORAGE_EMULATOR_HOST": urls["gcs"], "CLOUDSDK_CONFIG": os.devnull, "NO_GCE_CHECK": "true",
                "GCE_METADATA_HOST": closed, "GCE_METADATA_IP": closed}

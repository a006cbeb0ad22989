"""The Azure provider of the benchmark: the local ARM server in a child process, scanned in
management-plane mode (`--azure-arm-endpoint`, a fixed bearer token, one subscription)."""

from __future__ import annotations

from typing import Mapping

from bench.azure.tenant import SUBSCRIPTION, expected_statuses, plan_tenant
from bench.interface import Tenant
from bench.serving import ServedBench
from tests.support.arm_server import TOKEN


class AzureBench(ServedBench):
    name = "azure"
    selections = {"full": [], "encryption": ["--rule", "storage.encryption-at-rest"]}

    def start(self, size: int, seed: int) -> Tenant:
        started = self.serve("bench.azure.server", ["--accounts", str(size), "--seed", str(seed)])
        plan = plan_tenant(size, seed)
        return Tenant(
            resources=size,
            upstreams={"arm": started["port"]},
            expected=expected_statuses(plan),
            build_seconds=started["build_seconds"],
            build_calls=0,
            notes=[f"{plan.resources - size:,} containers and shares besides the {size:,} accounts"],
        )

    def scan_options(self, urls: Mapping[str, str]) -> list[str]:
        return ["--provider", "azure", "--azure-arm-endpoint", urls["arm"], "--subscription", SUBSCRIPTION]

    def scan_environment(self, urls: Mapping[str, str]) -> dict[str, str]:
        # The token by environment, not on the command line; no Azure CLI login may be seen.
        return {"AZURE_ACCESS_TOKEN": TOKEN, "AZURE_CONFIG_DIR": "/dev/null"}

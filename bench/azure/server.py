"""The local ARM server holding a benchmark tenant, in its own process. Run as
`python -m bench.azure.server --accounts N --seed S`; it prints one JSON line ({"port",
"build_seconds", "build_calls"}) and serves until stdin closes.

It is the tests' ArmServer, with its accounts indexed by id: the tests' server finds an account
by scanning the list, which costs O(N) per request at thousands of accounts.
"""

from __future__ import annotations

import argparse
import datetime as dt
import re
import time
from typing import Any

from bench.azure.documents import arm_tenant
from bench.azure.tenant import plan_tenant
from bench.serving import report_and_serve
from tests.support.arm_server import STORAGE, Account, ArmServer, Tenant


class IndexedArmServer(ArmServer):
    def __init__(self, tenant: Tenant):
        super().__init__(tenant)
        self._by_id = {a.id.lower(): a for s in tenant.subscriptions for a in s.accounts}
        self._route_table = super()._routes()  # compiled once, not per request

    def _routes(self) -> list[tuple[re.Pattern[str], Any]]:
        return self._route_table

    def _account(self, match: re.Match[str]) -> Account | None:
        return self._by_id.get(f"/subscriptions/{match['sub']}/resourceGroups/{match['rg']}{STORAGE}/{match['name']}".lower())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--accounts", type=int, required=True)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    started = time.perf_counter()
    tenant = arm_tenant(plan_tenant(args.accounts, args.seed), dt.datetime.now(dt.timezone.utc))
    server = IndexedArmServer(tenant).start()
    try:
        report_and_serve({"port": server.port, "build_seconds": round(time.perf_counter() - started, 3), "build_calls": 0})
    finally:
        server.stop()


if __name__ == "__main__":
    main()

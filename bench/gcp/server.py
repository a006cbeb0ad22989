"""gcp-storage-emulator holding a benchmark project, in its own process. Run as
`python -m bench.gcp.server --buckets N --seed S`; it builds the project over HTTP, prints one
JSON line ({"port", "build_seconds", "build_calls"}) and serves until stdin closes.

The emulator, even in memory, re-serialises its whole state to a JSON ".meta" file on every
write (a bucket created or patched, an IAM policy stored - also the default policy a first
getIamPolicy stores): O(N) per write, O(N^2) for a tenant. In memory that file is never read
back, so this process turns the write off; nothing the API answers depends on it.
"""

from __future__ import annotations

import argparse
import logging
import time

from bench.gcp.build import build_tenant
from bench.gcp.tenant import plan_tenant
from bench.serving import report_and_serve
from tests.support.gcs_emulator import GcsEmulator


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--buckets", type=int, required=True)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    logging.disable(logging.WARNING)
    emulator = GcsEmulator().start()
    emulator._server._storage._write_config_to_file = lambda: None  # see the module docstring
    try:
        started = time.perf_counter()
        calls = build_tenant(plan_tenant(args.buckets, args.seed), emulator)
        report_and_serve({"port": emulator.port, "build_seconds": round(time.perf_counter() - started, 3), "build_calls": calls})
    finally:
        emulator.stop()


if __name__ == "__main__":
    main()

"""gcp-storage-emulator holding a benchmark project, in its own process. Run as
`python -m bench.gcp.server --buckets N --seed S`; it builds the project over HTTP, prints one
JSON line ({"port", "build_seconds", "build_calls"}) and serves until stdin closes.

The emulator, even in memory, re-serialises its whole state to a JSON ".meta" file on every
write (a bucket created or patched, an IAM policy stored - also the default policy a first
getIamPolicy stores): O(N) per write, O(N^2) for a tenant. In memory that file is never read
back, so this process turns the write off; nothing the API answers depends on it.

The project's own settings (bench/gcp/project.py) are answered by a proxy in front of the
emulator, whose port is the one printed.
"""

from __future__ import annotations

import argparse
import logging
import time

from bench.gcp.build import build_tenant
from bench.gcp.project import project_responder
from bench.gcp.tenant import plan_tenant
from bench.serving import report_and_serve
from tests.support.gcs_emulator import GcsEmulator
from tests.support.http_proxy import RecordingProxy


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
        plan = plan_tenant(args.buckets, args.seed)
        calls = build_tenant(plan, emulator)
        # The project's own APIs (Resource Manager, Org Policy, HMAC keys) are answered in front
        # of the emulator, which has none of them; the scan reaches them through this port.
        front = RecordingProxy(upstream_port=emulator.port, respond=project_responder(plan))
        front.start()
        try:
            report_and_serve({"port": front.port, "build_seconds": round(time.perf_counter() - started, 3), "build_calls": calls})
        finally:
            front.stop()
    finally:
        emulator.stop()


if __name__ == "__main__":
    main()

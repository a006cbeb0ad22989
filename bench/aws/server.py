"""A moto server holding a benchmark tenant, in its own process (so that its CPU is not the
scan's). Run as `python -m bench.aws.server --buckets N --seed S`; it builds the tenant, prints
one JSON line ({"port", "build_seconds", "build_calls"}) and serves until stdin closes.

The tenant is built through boto3 against moto in this process (mock_aws), which skips HTTP
and is several times faster than building over the wire; the server then serves the same state.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import logging
import os
import sys
import time
from typing import Any, Iterator

from bench.aws import ISOLATED_ENVIRONMENT
from bench.aws.tenant import plan_tenant

PARALLEL_FROM = 200
"""Below this many buckets, forking costs more than it saves."""



def default_build_processes() -> int:
    return max(1, len(os.sched_getaffinity(0)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--buckets", type=int, required=True)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--build-processes", type=int, default=default_build_processes(),
                        help="Processes that build the tenant (default: one per core).")
    parser.add_argument("--regions-in-listing", action="store_true",
                        help="ListBuckets reports each bucket's region, as AWS does (moto does not).")
    args = parser.parse_args()
    for name in [n for n in os.environ if n.startswith("AWS_")]:
        del os.environ[name]
    os.environ.update(ISOLATED_ENVIRONMENT)
    logging.getLogger("werkzeug").setLevel(logging.ERROR)

    started = time.perf_counter()
    calls = _build(args.buckets, args.seed, args.build_processes if args.buckets >= PARALLEL_FROM else 1)
    build_seconds = time.perf_counter() - started

    from moto.server import ThreadedMotoServer

    from cloudaudit.demo import moto_gaps
    from tests.support.network import free_port

    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    with moto_gaps.mfa_delete_reported(), _regions_in_listing(args.regions_in_listing):
        server.start()
        print(json.dumps({"port": port, "build_seconds": round(build_seconds, 3), "build_calls": calls}), flush=True)
        sys.stdin.read()  # until the benchmark closes our stdin
        server.stop()


def _build(buckets: int, seed: int, processes: int) -> int:
    from moto import mock_aws

    from bench.aws.build import build_tenant
    from bench.aws.parallel_build import build_in_processes

    plan = plan_tenant(buckets, seed)
    mock = mock_aws()
    mock.start()
    try:
        if processes > 1:
            return build_in_processes(plan, _clients, processes)
        return build_tenant(plan, _clients())
    finally:
        mock.stop(remove_data=False)  # keep the state: the server serves it


def _clients() -> Any:
    """A (service, region) -> boto3 client factory, one client each, on a session of its own."""
    import boto3

    session = boto3.session.Session()
    clients: dict[tuple[str, str], Any] = {}

    def client(service: str, region: str) -> Any:
        if (service, region) not in clients:
            clients[(service, region)] = session.client(service, region_name=region)
        return clients[(service, region)]

    return client


@contextlib.contextmanager
def _regions_in_listing(enabled: bool) -> Iterator[None]:
    """ListBuckets with BucketRegion, as AWS answers it since 2024 (moto leaves it out)."""
    if not enabled:
        yield
        return
    from moto.core.responses import ActionResult
    from moto.s3.responses import S3Response

    original = S3Response.all_buckets

    def all_buckets(self: Any) -> Any:
        self.data["Action"] = "ListAllMyBuckets"
        self._authenticate_and_authorize_s3_action()
        listed = self.backend.list_buckets(
            prefix=self._get_param("prefix"),
            bucket_region=self._get_param("bucket-region"),
            max_buckets=self._get_param("max-buckets"),
        )
        buckets = [
            {"Name": b.name, "CreationDate": b.creation_date_ISO8601, "BucketRegion": b.region_name} for b in listed
        ]
        self.data["Action"] = "ListBuckets"
        return self.serialized(ActionResult({"Owner": {"ID": "bench", "DisplayName": "bench"}, "Buckets": buckets}))

    S3Response.all_buckets = all_buckets
    try:
        yield
    finally:
        S3Response.all_buckets = original


if __name__ == "__main__":
    main()

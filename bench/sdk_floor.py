"""What one S3 read costs in boto3 alone, on this machine: the floor under the scan's CPU.

Starts the benchmark's moto server with N buckets, then makes each per-bucket S3 read the
scanner makes (operations.py) on each bucket, with as many threads as the scan, through the scanner's
own AwsSession (same botocore configuration, same cut-down models), with no cloudaudit code
around the call. Prints the CPU per call and what the scan's calls per bucket cost at that rate.

    .venv/bin/python bench/sdk_floor.py            # 200 buckets
    .venv/bin/python bench/sdk_floor.py -n 500 --calls-per-bucket 9.9
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

import botocore.exceptions  # noqa: E402
from botocore import xform_name  # noqa: E402

from bench.aws import ISOLATED_ENVIRONMENT  # noqa: E402
from bench.serving import ServerProcess  # noqa: E402
from cloudaudit.cli.options import DEFAULT_WORKERS  # noqa: E402
from cloudaudit.providers.aws.operations import READ_OPERATIONS  # noqa: E402
from cloudaudit.providers.aws.session import AwsSession  # noqa: E402

PER_BUCKET_READS = sorted(READ_OPERATIONS["s3"] - {"ListBuckets", "HeadBucket"})  # HeadBucket: only botocore, on a redirect


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("-n", "--buckets", type=int, default=200)
    parser.add_argument("--workers", type=int, default=DEFAULT_WORKERS,
                        help="Threads reading buckets at once (default: the scan's default; a lone thread waits "
                             "on moto between calls and pays for cold caches).")
    parser.add_argument("--calls-per-bucket", type=float, default=9.9,
                        help="The scan's calls per bucket (make bench's calls/N) to price at the floor.")
    args = parser.parse_args()
    calls, seconds = measure(args.buckets, args.workers)
    per_call_ms = seconds / calls * 1000
    print(f"{calls:,} S3 reads on {args.buckets:,} buckets, {args.workers} threads: {per_call_ms:.2f} ms CPU per call "
          f"(user + system, this process)")
    print(f"at {args.calls_per_bucket:g} calls per bucket: {per_call_ms * args.calls_per_bucket:.1f} ms CPU per bucket "
          f"in boto3 before any cloudaudit code")


def measure(buckets: int, workers: int = DEFAULT_WORKERS) -> tuple[int, float]:
    """(reads made, CPU seconds they took) on a fresh N-bucket tenant."""
    server = ServerProcess("bench.aws.server", ["--buckets", str(buckets)])
    try:
        os.environ.update({**ISOLATED_ENVIRONMENT, "AWS_ENDPOINT_URL": f"http://127.0.0.1:{server.started['port']}"})
        return _read_every_bucket(workers)
    finally:
        server.stop()


def _read_every_bucket(workers: int) -> tuple[int, float]:
    session = AwsSession(None, workers=workers)
    listing = session.client("s3").list_buckets()["Buckets"]
    clients = {}
    for bucket in listing:  # clients and regions first: only the reads are timed
        region = session.client("s3").get_bucket_location(Bucket=bucket["Name"]).get("LocationConstraint") or "us-east-1"
        clients[bucket["Name"]] = session.client("s3", region)
    started = _cpu()
    with ThreadPoolExecutor(max_workers=workers) as pool:
        calls = sum(pool.map(_read_bucket, clients.keys(), clients.values()))
    return calls, _cpu() - started


def _read_bucket(name: str, client: Any) -> int:
    for operation in PER_BUCKET_READS:
        try:
            getattr(client, xform_name(operation))(Bucket=name)
        except botocore.exceptions.ClientError:
            pass  # "not configured" answers (404) are real responses too
    return len(PER_BUCKET_READS)


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


if __name__ == "__main__":
    main()

"""Build a large tenant on every core. moto keeps its state in one process, so forked children
each build a share of the buckets in their own copy of it (in-process moto, as the parent) and
send those buckets back, pickled; the parent adopts them into its backend, which then serves.

This reaches into moto's S3 backend (its bucket table, bucket-to-account index and tagger);
the benchmark checks every finding against the plan, so a change there cannot go unnoticed.
"""

from __future__ import annotations

import multiprocessing
from typing import Any, Callable, Mapping, Sequence

from bench.aws.build import CustomerKeys, build_buckets, finish_account
from bench.aws.tenant import ACCOUNT_ID, BucketSpec, TenantPlan

ClientMaker = Callable[[], Callable[[str, str], Any]]
"""() -> a fresh (service, region) -> client factory (a child needs its own boto3 session)."""


def build_in_processes(plan: TenantPlan, clients: ClientMaker, processes: int) -> int:
    client = clients()
    targets = [b for b in plan.buckets if b.log_target]
    rest = [b for b in plan.buckets if not b.log_target]
    keys = CustomerKeys(client)
    for region in sorted({b.region for b in rest if b.encryption == "customer-kms"}):
        keys.key(region)
    calls = build_buckets(targets, client, keys)  # before forking: every child sees them
    shares = [(rest[i::processes], keys.known, clients) for i in range(processes)]
    with multiprocessing.get_context("fork").Pool(processes) as pool:
        for buckets, tags, share_calls in pool.map(_build_share, shares):
            _adopt(buckets, tags)
            calls += share_calls
    return calls + finish_account(plan, client) + keys.created


def _build_share(share: tuple[Sequence[BucketSpec], Mapping[str, str], ClientMaker]) -> tuple[dict, dict, int]:
    from moto.s3.models import s3_backends

    buckets, known_keys, clients = share
    client = clients()
    calls = build_buckets(buckets, client, CustomerKeys(client, known_keys))
    backend = s3_backends[ACCOUNT_ID]["aws"]
    built = {b.name: backend.buckets[b.name] for b in buckets}
    tags = {bucket.arn: backend.tagger.list_tags_for_resource(bucket.arn)["Tags"] for bucket in built.values()}
    return built, tags, calls


def _adopt(buckets: Mapping[str, Any], tags: Mapping[str, list]) -> None:
    from moto.s3.models import s3_backends

    backend = s3_backends[ACCOUNT_ID]["aws"]
    for name, bucket in buckets.items():
        backend.buckets[name] = bucket
        s3_backends.bucket_accounts[name] = (bucket.partition, ACCOUNT_ID)
    for arn, tag_list in tags.items():
        if tag_list:
            backend.tagger.tag_resource(arn, tag_list)

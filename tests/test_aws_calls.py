"""How many AWS calls a scan makes: only what the selected rules need, no call whose answer is
already known, and one client per (service, region). Counts, never timings (bench/ has those)."""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

import boto3
import botocore.session
import pytest

from bench.aws.build import build_tenant
from bench.aws.tenant import ACCOUNT_RULES, BUCKET_RULES, expected_statuses, plan_tenant
from cloudaudit.demo import moto_gaps
from cloudaudit.engine.ruleset import Selection, evaluate, needed_paths
from cloudaudit.scan import prepare_rules
from tests.support.aws import by_name, collect, create_bucket

pytestmark = pytest.mark.usefixtures("mocked_aws")

EVERY_BUCKET_READ = {
    "s3:GetBucketLocation": 1,  # moto's ListBuckets gives no BucketRegion; AWS's does
    "s3:GetBucketEncryption": 1,
    "s3:GetPublicAccessBlock": 1,
    "s3:GetBucketPolicy": 1,
    "s3:GetBucketOwnershipControls": 1,
    "s3:GetBucketVersioning": 1,
    "s3:GetBucketLogging": 1,
    "s3:GetBucketLifecycleConfiguration": 1,
}


def bucket_calls(result: Any) -> Counter:
    return Counter({k: v for k, v in result.api_calls.items() if k.startswith("s3:Get")})


def full_plan() -> dict[str, frozenset[str]]:
    return needed_paths(prepare_rules().rules, "aws")


def public_policy(name: str) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": f"arn:aws:s3:::{name}/*"}]})


def https_only_policy(name: str) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Deny", "Principal": {"AWS": "*"}, "Action": "s3:*", "Resource": [f"arn:aws:s3:::{name}", f"arn:aws:s3:::{name}/*"],
         "Condition": {"Bool": {"aws:SecureTransport": "false"}}},
        {"Effect": "Allow", "Principal": {"Service": "logging.s3.amazonaws.com"}, "Action": "s3:PutObject", "Resource": f"arn:aws:s3:::{name}/*"}]})


class TestFullRuleSet:
    def test_the_most_a_bucket_costs_is_one_read_per_setting_the_rules_check(self):
        # Eleven settings for the bucket rules: ten for the first catalogue, plus lifecycle.
        client = create_bucket("everything-on")
        client.put_bucket_versioning(Bucket="everything-on", VersioningConfiguration={"Status": "Enabled"})
        client.put_bucket_policy(Bucket="everything-on", Policy=public_policy("everything-on"))
        calls = bucket_calls(collect(needs=full_plan()))
        assert calls == {**EVERY_BUCKET_READ,
            "s3:GetBucketPolicyStatus": 1, "s3:GetBucketAcl": 1,
            "s3:GetObjectLockConfiguration": 1, "s3:GetBucketReplication": 1,
        }
        assert sum(calls.values()) - calls["s3:GetBucketLocation"] == 11

    def test_what_is_known_already_is_not_asked(self):
        # Versioning off: no Object Lock, no replication. A Deny-only policy (plus a grant to a
        # named service) cannot be public. ACLs disabled: no ACL grants anyone anything.
        client = create_bucket("plain")
        client.put_bucket_policy(Bucket="plain", Policy=https_only_policy("plain"))
        client.put_bucket_ownership_controls(Bucket="plain", OwnershipControls={"Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]})
        result = collect(needs=full_plan())
        assert bucket_calls(result) == EVERY_BUCKET_READ
        p = by_name(result)["plain"].properties
        assert p["retention"] == {"object_lock": False, "mode": None, "days": None, "locked": False}
        assert p["replication"] == {"enabled": False, "destinations": []}
        assert p["public_access"]["policy_public"] is False and p["public_access"]["acl_public"] is False
        assert p["transport"]["https_only"] is True

    def test_suspended_versioning_also_rules_out_object_lock_and_replication(self):
        client = create_bucket("suspended")
        client.put_bucket_versioning(Bucket="suspended", VersioningConfiguration={"Status": "Suspended"})
        calls = bucket_calls(collect(needs=full_plan()))
        assert "s3:GetObjectLockConfiguration" not in calls and "s3:GetBucketReplication" not in calls

    def test_object_lock_alone_is_read_without_versioning(self):
        create_bucket("locked", ObjectLockEnabledForBucket=True)
        result = collect(needs={"storage.bucket": frozenset({"retention.object_lock"})})
        assert bucket_calls(result) == {"s3:GetBucketLocation": 1, "s3:GetObjectLockConfiguration": 1}
        assert by_name(result)["locked"].properties["retention"]["object_lock"] is True


class TestSelections:
    def test_encryption_only_reads_encryption_and_location(self):
        for index in range(5):
            create_bucket(f"enc-{index}")
        plan = needed_paths(prepare_rules(selection=Selection(include=("storage.encryption-at-rest",))).rules, "aws")
        result = collect(needs=plan)
        assert bucket_calls(result) == {"s3:GetBucketEncryption": 5, "s3:GetBucketLocation": 5}
        assert "s3control:GetPublicAccessBlock" not in result.api_calls
        assert not any(name.startswith(("iam:", "kms:")) for name in result.api_calls)


class TestSharedReads:
    def test_each_bucket_location_is_read_once_even_as_a_replication_destination(self):
        for name, region in (("replica-a", "eu-central-1"), ("replica-b", "eu-west-1")):
            create_bucket(name, region).put_bucket_versioning(Bucket=name, VersioningConfiguration={"Status": "Enabled"})
        for index in range(6):
            name = f"source-{index}"
            client = create_bucket(name)
            client.put_bucket_versioning(Bucket=name, VersioningConfiguration={"Status": "Enabled"})
            client.put_bucket_replication(Bucket=name, ReplicationConfiguration={
                "Role": "arn:aws:iam::123456789012:role/replication",
                "Rules": [{"ID": "r", "Status": "Enabled", "Priority": 1, "Filter": {"Prefix": ""},
                           "DeleteMarkerReplication": {"Status": "Disabled"},
                           "Destination": {"Bucket": f"arn:aws:s3:::replica-{'ab'[index % 2]}"}}]})
        result = collect(needs=full_plan(), workers=8)
        assert result.api_calls["s3:GetBucketLocation"] == 8
        assert by_name(result)["source-1"].properties["location"]["replica_regions"] == ["eu-west-1"]

    def test_clients_are_created_once_per_service_and_region(self, monkeypatch):
        created: Counter = Counter()
        original = botocore.session.Session.create_client

        def counting(self: Any, service_name: str, region_name: str | None = None, *args: Any, **kwargs: Any) -> Any:
            created[(service_name, region_name)] += 1
            return original(self, service_name, region_name, *args, **kwargs)

        monkeypatch.setattr(botocore.session.Session, "create_client", counting)
        key = boto3.client("kms", region_name="eu-west-1").create_key()["KeyMetadata"]["Arn"]
        for index, region in enumerate(("eu-west-3", "eu-west-1", "us-west-2") * 4):
            client = create_bucket(f"spread-{index}", region)
            client.put_bucket_encryption(Bucket=f"spread-{index}", ServerSideEncryptionConfiguration={"Rules": [
                {"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": key}}]})
        created.clear()
        result = collect(workers=16)
        assert len(result.resources) == 13
        assert max(created.values()) == 1, created
        assert created[("s3", "eu-west-1")] == created[("s3", "us-west-2")] == 1
        assert result.api_calls["kms:DescribeKey"] == 1


def test_the_benchmark_tenant_gets_the_statuses_its_settings_imply():
    """The benchmark's tenant, small: every finding as its settings say, and at most 10 calls a
    bucket on average (moto's GetBucketLocation included)."""
    plan = plan_tenant(40, seed=3)
    session = boto3.session.Session()
    build_tenant(plan, lambda service, region: session.client(service, region_name=region))
    book = prepare_rules()
    with moto_gaps.mfa_delete_reported():
        result = collect(needs=needed_paths(book.rules, "aws"), workers=8)
    findings = evaluate(book.rules, result.resources)
    seen = {(f.resource.name, f.rule.id): f.status.value for f in findings}
    assert seen == expected_statuses(plan)
    assert len(seen) == 40 * len(BUCKET_RULES) + len(ACCOUNT_RULES)
    assert sum(bucket_calls(result).values()) <= 10 * 40

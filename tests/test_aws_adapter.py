"""The AWS adapter against moto in-process: what it reads, how it normalises, what it does on
denied reads, and that it only makes the calls the selected rules need."""

from __future__ import annotations

import json

import boto3
import pytest

from cloudaudit.demo import moto_gaps
from cloudaudit.errors import InputError, ScanCannotRun
from cloudaudit.vocabulary import vocabulary
from tests.support.aws import account_resource, by_name, collect, create_bucket, deny

pytestmark = pytest.mark.usefixtures("mocked_aws")

ACCOUNT = "123456789012"


def test_a_bare_bucket_reads_as_not_configured_everywhere():
    create_bucket("bare-bucket")
    bucket = by_name(collect())["bare-bucket"]
    assert bucket.id == "arn:aws:s3:::bare-bucket"
    assert bucket.region == "eu-west-3" and bucket.account == ACCOUNT
    assert bucket.errors == {}
    p = bucket.properties
    assert p["encryption"] == {
        "at_rest": False, "algorithm": None, "key_id": None, "bucket_key": None, "double": False,
        "key_managed_by": None, "key_rotation": None,
    }
    assert p["public_access"]["blocked"] is False
    assert p["public_access"]["policy_public"] is False
    assert p["public_access"]["acl_public"] is False
    assert p["public_access"]["acls_disabled"] is False
    assert p["public_access"]["public"] is False
    assert p["transport"] == {"https_only": False, "min_tls_version": None}
    assert p["versioning"] == {"enabled": False, "status": "Disabled", "mfa_delete": False}
    assert p["retention"] == {"object_lock": False, "mode": None, "days": None, "locked": False}
    assert p["logging"] == {"access_logs": False, "target": None, "object_audit": False, "audit_log_bucket": False}
    assert p["public_access"]["foreign_accounts"] == []
    assert p["network"] == {"public_access": True, "private_endpoint_approved": False}
    assert p["backup"] == {"protected": False}
    assert p["threat_detection"] == {"enabled": False}
    assert p["data_discovery"] == {"enabled": True}, "moto starts with Macie enabled in every region"
    assert p["replication"] == {"enabled": False, "destinations": []}
    assert p["location"] == {"region": "eu-west-3", "type": "region", "data_regions": ["eu-west-3"], "replica_regions": []}
    assert p["lifecycle"] == {"enabled": False, "rule_count": 0}
    assert bucket.tags == {}


def test_every_path_the_adapter_sets_is_in_the_vocabulary():
    from cloudaudit.demo.tenant import build_practice

    session = boto3.session.Session()
    build_practice(lambda service, region: session.client(service, region_name=region))
    result = collect()
    assert len(result.resources) == 8
    for resource in result.resources:
        assert vocabulary().unknown_paths(resource.type, resource.properties) == [], resource.name


def test_us_east_1_and_eu_legacy_locations_are_normalised():
    create_bucket("virginia-bucket", "us-east-1")
    create_bucket("ireland-bucket", "eu-west-1")
    buckets = by_name(collect())
    assert buckets["virginia-bucket"].region == "us-east-1"
    assert buckets["ireland-bucket"].properties["location"]["region"] == "eu-west-1"


def test_encryption_key_manager_is_read_from_kms_once_per_key(monkeypatch):
    key = boto3.client("kms", region_name="eu-west-3").create_key()["KeyMetadata"]["Arn"]
    for name in ("kms-one", "kms-two"):
        client = create_bucket(name)
        client.put_bucket_encryption(
            Bucket=name,
            ServerSideEncryptionConfiguration={"Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": key}, "BucketKeyEnabled": True}]},
        )
    client = create_bucket("aws-managed")
    client.put_bucket_encryption(Bucket="aws-managed", ServerSideEncryptionConfiguration={"Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms"}}]})
    result = collect()
    buckets = by_name(result)
    assert buckets["kms-one"].properties["encryption"]["key_managed_by"] == "customer"
    assert buckets["kms-one"].properties["encryption"]["bucket_key"] is True
    assert buckets["aws-managed"].properties["encryption"]["key_managed_by"] == "provider"
    assert result.api_calls["kms:DescribeKey"] == 1


def test_public_bucket_effective_result_depends_on_account_block():
    client = create_bucket("open-bucket")
    client.put_bucket_acl(Bucket="open-bucket", ACL="public-read")
    client.put_bucket_policy(Bucket="open-bucket", Policy=json.dumps({
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::open-bucket/*"}],
    }))
    public = by_name(collect())["open-bucket"].properties["public_access"]
    assert public["policy_public"] is True and public["acl_public"] is True
    assert public["acl_public_grantees"] == ["AllUsers"]
    assert public["public"] is True and public["blocked"] is False

    boto3.client("s3control", region_name="us-east-1").put_public_access_block(
        AccountId=ACCOUNT,
        PublicAccessBlockConfiguration={"BlockPublicAcls": True, "IgnorePublicAcls": True, "BlockPublicPolicy": True, "RestrictPublicBuckets": True},
    )
    blocked = by_name(collect())["open-bucket"].properties["public_access"]
    assert blocked["blocked"] is True and blocked["public"] is False
    assert blocked["account_block"]["restrict_public_buckets"] is True
    assert blocked["policy_public"] is True, "the grant is still there, only neutralised"


def test_transport_policy_and_versioning_with_mfa_delete():
    client = create_bucket("locked-down")
    client.put_bucket_policy(Bucket="locked-down", Policy=json.dumps({
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Deny", "Principal": "*", "Action": "s3:*", "Resource": ["arn:aws:s3:::locked-down", "arn:aws:s3:::locked-down/*"],
             "Condition": {"Bool": {"aws:SecureTransport": False}}},
            {"Effect": "Deny", "Principal": {"AWS": "*"}, "Action": "s3:*", "Resource": "arn:aws:s3:::locked-down/*",
             "Condition": {"NumericLessThan": {"s3:TlsVersion": 1.2}}},
        ],
    }))
    client.put_bucket_versioning(Bucket="locked-down", VersioningConfiguration={"Status": "Enabled"})
    moto_gaps.enable_mfa_delete(ACCOUNT, "locked-down")
    with moto_gaps.mfa_delete_reported():
        bucket = by_name(collect())["locked-down"]
    assert bucket.properties["transport"] == {"https_only": True, "min_tls_version": "1.2"}
    assert bucket.properties["versioning"] == {"enabled": True, "status": "Enabled", "mfa_delete": True}


def test_object_lock_logging_replication_lifecycle_and_tags():
    from cloudaudit.demo.tenant import build_practice

    session = boto3.session.Session()
    build_practice(lambda service, region: session.client(service, region_name=region))
    archive = by_name(collect())["cabinet-du-parc-archives"]
    p = archive.properties
    assert p["retention"] == {"object_lock": True, "mode": "COMPLIANCE", "days": 3650, "locked": True}
    assert p["logging"] == {
        "access_logs": True, "target": "cabinet-du-parc-journaux/cabinet-du-parc-archives/",
        "object_audit": True, "audit_log_bucket": False,
    }
    assert p["encryption"]["algorithm"] == "aws:kms:dsse" and p["encryption"]["double"] is True
    assert p["encryption"]["key_managed_by"] == "customer" and p["encryption"]["key_rotation"] is True
    assert p["network"] == {"public_access": False, "private_endpoint_approved": True}
    assert p["backup"] == {"protected": True} and p["threat_detection"] == {"enabled": True}
    assert p["replication"]["destinations"] == [{"bucket": "cabinet-du-parc-archives-replica", "region": "eu-central-1", "account": None}]
    assert p["location"]["data_regions"] == ["eu-west-3", "eu-central-1"]
    assert p["location"]["replica_regions"] == ["eu-central-1"]
    assert p["lifecycle"] == {"enabled": True, "rule_count": 1}
    assert archive.tags == {"data": "archive"}


def test_account_resource_root_mfa_and_console_users():
    iam = boto3.client("iam", region_name="us-east-1")
    for user, mfa in (("alice", True), ("bob", False), ("ci-bot", None)):
        iam.create_user(UserName=user)
        if mfa is None:
            continue  # a programmatic user: no console password
        iam.create_login_profile(UserName=user, Password="Passw0rd!Passw0rd")
        if mfa:
            serial = iam.create_virtual_mfa_device(VirtualMFADeviceName=user)["VirtualMFADevice"]["SerialNumber"]
            iam.enable_mfa_device(UserName=user, SerialNumber=serial, AuthenticationCode1="123456", AuthenticationCode2="654321")
    account = account_resource(collect())
    assert account.id == f"arn:aws:iam::{ACCOUNT}:root"
    assert account.properties["identity"] == {
        "root_mfa": False,
        "root_hardware_mfa": False,
        "root_access_keys": False,
        "console_users": ["alice", "bob"],
        "users_without_mfa": ["bob"],
        "access_keys": [],
    }
    moto_gaps.enable_root_mfa(ACCOUNT)
    assert account_resource(collect()).properties["identity"]["root_mfa"] is True


def test_region_option_limits_buckets():
    create_bucket("paris-bucket", "eu-west-3")
    create_bucket("oregon-bucket", "us-west-2")
    names = set(by_name(collect({"regions": ["eu-west-3"]})))
    assert names == {"paris-bucket"}


class TestDeniedReads:
    def test_denied_policy_read_is_recorded_against_its_fields_only(self, monkeypatch):
        create_bucket("secret-bucket")
        deny(monkeypatch, ["s3.GetBucketPolicy"])
        bucket = by_name(collect())["secret-bucket"]
        assert bucket.errors["transport.https_only"] == "s3:GetBucketPolicy: AccessDenied: Access Denied"
        assert bucket.errors["transport.min_tls_version"] == "s3:GetBucketPolicy: AccessDenied: Access Denied"
        assert "https_only" not in bucket.properties.get("transport", {})
        # The policy status is its own call: still read, and known not to be public.
        assert bucket.properties["public_access"]["policy_public"] is False
        assert bucket.properties["encryption"]["at_rest"] is False

    def test_one_bucket_failing_never_stops_the_others(self, monkeypatch):
        create_bucket("good-bucket")
        create_bucket("broken-bucket")
        deny(monkeypatch, ["s3.GetBucketEncryption", "s3.GetBucketVersioning"], only_bucket="broken-bucket")
        buckets = by_name(collect())
        assert buckets["good-bucket"].errors == {}
        assert buckets["broken-bucket"].errors["encryption.at_rest"].startswith("s3:GetBucketEncryption: AccessDenied")
        assert buckets["broken-bucket"].errors["versioning.enabled"].startswith("s3:GetBucketVersioning: AccessDenied")
        assert buckets["broken-bucket"].properties["logging"]["access_logs"] is False

    def test_unreadable_account_block_matters_only_where_the_bucket_does_not_block(self, monkeypatch):
        client = create_bucket("self-blocked")
        client.put_public_access_block(Bucket="self-blocked", PublicAccessBlockConfiguration={
            "BlockPublicAcls": True, "IgnorePublicAcls": True, "BlockPublicPolicy": True, "RestrictPublicBuckets": True})
        create_bucket("unblocked")
        deny(monkeypatch, ["s3-control.GetPublicAccessBlock"])
        buckets = by_name(collect())
        assert buckets["self-blocked"].properties["public_access"]["blocked"] is True
        assert buckets["unblocked"].errors["public_access.blocked"].startswith("s3control:GetPublicAccessBlock: AccessDenied")

    def test_listing_denied_is_a_collection_issue(self, monkeypatch):
        deny(monkeypatch, ["s3.ListBuckets"])
        result = collect()
        assert [(i.scope, i.message) for i in result.issues] == [("s3:ListBuckets", "s3:ListBuckets: AccessDenied: Access Denied")]

    def test_throttled_read_is_error_not_pass(self, monkeypatch):
        create_bucket("busy-bucket")
        deny(monkeypatch, ["s3.GetBucketVersioning"], code="SlowDown", status=503)
        bucket = by_name(collect())["busy-bucket"]
        assert bucket.errors["versioning.enabled"].startswith("s3:GetBucketVersioning: SlowDown")


class TestOnlyNeededCalls:
    def test_encryption_only_scan_makes_encryption_calls_only(self):
        for i in range(3):
            create_bucket(f"enc-{i}")
        result = collect(needs={"storage.bucket": frozenset({"encryption.at_rest", "encryption.algorithm"})})
        per_bucket = {k: v for k, v in result.api_calls.items() if k.startswith("s3:Get")}
        assert per_bucket == {"s3:GetBucketEncryption": 3, "s3:GetBucketLocation": 3}
        assert all(r.type == "storage.bucket" for r in result.resources)
        assert set(by_name(result)["enc-0"].properties) == {"encryption"}

    def test_acl_is_not_read_when_acls_are_disabled(self):
        client = create_bucket("enforced")
        client.put_bucket_ownership_controls(Bucket="enforced", OwnershipControls={"Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]})
        create_bucket("legacy")
        result = collect()
        assert result.api_calls["s3:GetBucketAcl"] == 1
        assert by_name(result)["enforced"].properties["public_access"]["acl_public"] is False

    def test_policy_status_is_not_read_when_there_is_no_policy(self):
        create_bucket("no-policy")
        result = collect()
        assert result.api_calls.get("s3:GetBucketPolicyStatus", 0) == 0
        assert by_name(result)["no-policy"].properties["public_access"]["policy_public"] is False


class TestCredentials:
    def test_no_credentials_stop_the_scan_with_one_line(self, monkeypatch):
        monkeypatch.delenv("AWS_ACCESS_KEY_ID")
        monkeypatch.delenv("AWS_SECRET_ACCESS_KEY")
        with pytest.raises(ScanCannotRun, match="^aws: no credentials found"):
            collect()

    def test_expired_token(self, monkeypatch):
        deny(monkeypatch, ["sts.GetCallerIdentity"], code="ExpiredToken", status=400)
        with pytest.raises(ScanCannotRun, match=r"^aws: the credentials have expired \(ExpiredToken\)"):
            collect()

    def test_unknown_profile_is_bad_input(self):
        with pytest.raises(InputError, match="^--profile: The config profile \\(nope\\) could not be found"):
            collect({"profile": "nope"})

    def test_assume_role_scans_the_other_account(self):
        role = boto3.client("iam", region_name="us-east-1").create_role(
            RoleName="cloudaudit-read", AssumeRolePolicyDocument="{}")["Role"]["Arn"]
        create_bucket("practice-bucket")
        result = collect({"role_arn": role, "external_id": "practice-audit"})
        assert result.api_calls["sts:AssumeRole"] == 1
        assert "practice-bucket" in by_name(result)

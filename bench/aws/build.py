"""Apply a TenantPlan through boto3: only the calls that differ from a new bucket's defaults."""

from __future__ import annotations

import json
from typing import Any, Callable, Mapping, Sequence

from bench.aws.tenant import ACCOUNT_ID, BLOCK_FLAGS, PARTNER_ACCOUNT, BucketSpec, TenantPlan

ClientFactory = Callable[[str, str], Any]
"""(service, region) -> boto3 client."""


def build_tenant(plan: TenantPlan, client: ClientFactory) -> int:
    """Create every bucket, then configure them in plan order (log and replica targets come
    first, so S3's checks on them pass). Returns the number of API calls made. moto must run
    in this process (mock_aws or a ThreadedMotoServer): MFA Delete is set in its backend."""
    keys = CustomerKeys(client)
    calls = build_buckets(plan.buckets, client, keys)
    return calls + finish_account(plan, client) + keys.created


def build_buckets(buckets: Sequence[BucketSpec], client: ClientFactory, keys: CustomerKeys) -> int:
    """Create, then configure, these buckets (targets they log or replicate to must exist)."""
    calls = 0
    for bucket in buckets:
        calls += _create(client, bucket)
    for bucket in buckets:
        calls += _configure(client, bucket, keys)
    return calls


def finish_account(plan: TenantPlan, client: ClientFactory) -> int:
    """The account-wide block (all off), and MFA Delete where the plan has it."""
    client("s3control", "us-east-1").put_public_access_block(
        AccountId=ACCOUNT_ID,
        PublicAccessBlockConfiguration={flag: False for flag in BLOCK_FLAGS},
    )
    _mfa_delete(plan)
    return 1


def _mfa_delete(plan: TenantPlan) -> None:
    """moto cannot set MFA Delete through the API (it needs the root's MFA): set it in its
    backend; GetBucketVersioning reports it under moto_gaps.mfa_delete_reported()."""
    from cloudaudit.demo import moto_gaps

    for bucket in plan.buckets:
        if bucket.mfa_delete:
            moto_gaps.enable_mfa_delete(ACCOUNT_ID, bucket.name)


class CustomerKeys:
    """One customer-managed KMS key per region, created on first use (or given)."""

    def __init__(self, client: ClientFactory, known: Mapping[str, str] | None = None):
        self._client = client
        self.known: dict[str, str] = dict(known or {})
        self.created = 0

    def key(self, region: str) -> str:
        if region not in self.known:
            self.known[region] = self._client("kms", region).create_key(Description=f"bench {region}")["KeyMetadata"]["Arn"]
            self.created += 1
        return self.known[region]


def _create(client: ClientFactory, bucket: BucketSpec) -> int:
    params: dict[str, Any] = {"Bucket": bucket.name}
    if bucket.region != "us-east-1":
        params["CreateBucketConfiguration"] = {"LocationConstraint": bucket.region}
    if bucket.lock is not None:
        params["ObjectLockEnabledForBucket"] = True
    client("s3", bucket.region).create_bucket(**params)
    return 1


def _configure(client: ClientFactory, bucket: BucketSpec, keys: CustomerKeys) -> int:
    s3 = client("s3", bucket.region)
    name = bucket.name
    calls = 0
    if bucket.encryption != "none":
        s3.put_bucket_encryption(Bucket=name, ServerSideEncryptionConfiguration={"Rules": [_encryption_rule(bucket, keys)]})
        calls += 1
    if bucket.versioning and bucket.lock is None:
        configuration = {"Status": bucket.versioning}
        s3.put_bucket_versioning(Bucket=name, VersioningConfiguration=configuration)
        calls += 1
    if bucket.lock is not None and bucket.lock.mode is not None:
        retention: dict[str, Any] = {"Mode": bucket.lock.mode}
        retention.update({"Days": bucket.lock.days} if bucket.lock.days is not None else {"Years": bucket.lock.years})
        s3.put_object_lock_configuration(
            Bucket=name,
            ObjectLockConfiguration={"ObjectLockEnabled": "Enabled", "Rule": {"DefaultRetention": retention}},
        )
        calls += 1
    if bucket.block_flags:
        s3.put_public_access_block(
            Bucket=name, PublicAccessBlockConfiguration={flag: flag in bucket.block_flags for flag in BLOCK_FLAGS}
        )
        calls += 1
    if bucket.ownership != "none":
        s3.put_bucket_ownership_controls(Bucket=name, OwnershipControls={"Rules": [{"ObjectOwnership": bucket.ownership}]})
        calls += 1
    if bucket.public_acl:
        s3.put_bucket_acl(Bucket=name, ACL="public-read")
        calls += 1
    if bucket.has_policy:
        s3.put_bucket_policy(Bucket=name, Policy=json.dumps({"Version": "2012-10-17", "Statement": _statements(bucket)}))
        calls += 1
    if bucket.logs_to:
        s3.put_bucket_logging(
            Bucket=name,
            BucketLoggingStatus={"LoggingEnabled": {"TargetBucket": bucket.logs_to, "TargetPrefix": f"{name}/"}},
        )
        calls += 1
    if bucket.replicate_to:
        s3.put_bucket_replication(Bucket=name, ReplicationConfiguration=_replication(bucket.replicate_to))
        calls += 1
    if bucket.lifecycle:
        s3.put_bucket_lifecycle_configuration(Bucket=name, LifecycleConfiguration={"Rules": [
            {"ID": "expire-old-versions", "Status": "Enabled", "Filter": {"Prefix": ""},
             "NoncurrentVersionExpiration": {"NoncurrentDays": 365}}]})
        calls += 1
    if bucket.tags:
        s3.put_bucket_tagging(Bucket=name, Tagging={"TagSet": [{"Key": k, "Value": v} for k, v in bucket.tags.items()]})
        calls += 1
    return calls


def _encryption_rule(bucket: BucketSpec, keys: CustomerKeys) -> dict[str, Any]:
    default: dict[str, Any] = {"SSEAlgorithm": "AES256" if bucket.encryption == "AES256" else "aws:kms"}
    if bucket.encryption == "aws-kms-alias":
        default["KMSMasterKeyID"] = "alias/aws/s3"
    elif bucket.encryption == "customer-kms":
        default["KMSMasterKeyID"] = keys.key(bucket.region)
    return {"ApplyServerSideEncryptionByDefault": default, "BucketKeyEnabled": bucket.encryption != "AES256"}


def _statements(bucket: BucketSpec) -> list[dict[str, Any]]:
    both = [f"arn:aws:s3:::{bucket.name}", f"arn:aws:s3:::{bucket.name}/*"]
    statements: list[dict[str, Any]] = []
    if bucket.public_policy:
        statements.append(
            {"Sid": "AnyoneReads", "Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": both[1]}
        )
    # Principal {"AWS": "*"}: the same as "*" here, and moto's logging check accepts it.
    if bucket.https_only:
        statements.append(
            {"Sid": "DenyPlainHttp", "Effect": "Deny", "Principal": {"AWS": "*"}, "Action": "s3:*", "Resource": both,
             "Condition": {"Bool": {"aws:SecureTransport": "false"}}}
        )
    if bucket.min_tls:
        statements.append(
            {"Sid": "DenyOldTls", "Effect": "Deny", "Principal": {"AWS": "*"}, "Action": "s3:*", "Resource": both,
             "Condition": {"NumericLessThan": {"s3:TlsVersion": bucket.min_tls}}}
        )
    if bucket.partner_access:
        statements.append(
            {"Sid": "PartnerReads", "Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{PARTNER_ACCOUNT}:root"},
             "Action": "s3:GetObject", "Resource": both[1]}
        )
    if bucket.log_target:
        statements.append(
            {"Sid": "S3ServerAccessLogs", "Effect": "Allow", "Principal": {"Service": "logging.s3.amazonaws.com"},
             "Action": "s3:PutObject", "Resource": both[1]}
        )
    return statements


def _replication(destination: str) -> dict[str, Any]:
    return {
        "Role": f"arn:aws:iam::{ACCOUNT_ID}:role/replication",
        "Rules": [
            {
                "ID": "replica", "Status": "Enabled", "Priority": 1, "Filter": {"Prefix": ""},
                "DeleteMarkerReplication": {"Status": "Disabled"},
                "Destination": {"Bucket": f"arn:aws:s3:::{destination}"},
            }
        ],
    }

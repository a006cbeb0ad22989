"""The demo tenant: the AWS account of a small medical practice, built in moto.

Its buckets have the problems such practices really have - patient records without a
customer key or versioning, scans left public, backups that ransomware could delete, an export
bucket in a US region - next to buckets set up the right way. Tests build the same tenant on a
moto server, so what the demo shows is what the tests check.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Callable

from cloudaudit.demo import moto_gaps

ACCOUNT_ID = "123456789012"
PRACTICE = "cabinet-du-parc"


@dataclass(frozen=True)
class BucketSetup:
    """How one demo bucket is configured."""

    name: str
    region: str
    purpose: str
    encryption: str | None = "AES256"
    """None, 'AES256' (SSE-S3), 'aws-kms' (AWS-managed key), 'customer-kms' or 'customer-dsse'
    (two layers, DSSE-KMS); customer keys rotate."""
    versioning: bool = False
    mfa_delete: bool = False
    object_lock_days: int | None = None
    block_public_access: bool = True
    public_read: bool = False
    """A public-read ACL and a policy letting anyone read objects."""
    secure_transport: bool = False
    """A policy denying plain HTTP and TLS below 1.2."""
    access_logs_to: str | None = None
    replicate_to: str | None = None
    lifecycle: bool = False
    private_network_only: bool = False
    """A policy denying requests that do not come through the practice's S3 VPC endpoint."""
    backed_up: bool = False
    """Protected by AWS Backup."""
    object_audit: bool = False
    """The practice's trail records reads and writes of its objects."""
    tags: dict[str, str] = field(default_factory=dict)


PRACTICE_BUCKETS: tuple[BucketSetup, ...] = (
    BucketSetup(
        f"{PRACTICE}-dossiers-patients", "eu-west-3", "patient records",
        encryption="AES256", secure_transport=True, access_logs_to=f"{PRACTICE}-journaux",
        backed_up=True, object_audit=True, lifecycle=True, tags={"data": "patient-records"},
    ),
    BucketSetup(
        f"{PRACTICE}-imagerie", "eu-west-3", "scans and X-ray images shared with a lab",
        encryption="AES256", block_public_access=False, public_read=True, tags={"data": "imaging"},
    ),
    BucketSetup(
        f"{PRACTICE}-sauvegardes", "eu-west-3", "nightly backups of the practice software",
        encryption="aws-kms", versioning=True, secure_transport=True, tags={"data": "backups"},
    ),
    BucketSetup(
        f"{PRACTICE}-export-teleconsultation", "us-east-1", "exports for a teleconsultation vendor",
        encryption=None, tags={"data": "exports"},
    ),
    BucketSetup(
        f"{PRACTICE}-journaux", "eu-west-3", "access logs",
        encryption="AES256", versioning=True, secure_transport=True, lifecycle=True,
        tags={"data": "logs"},
    ),
    BucketSetup(
        f"{PRACTICE}-archives", "eu-west-3", "ten-year archive of closed records",
        encryption="customer-dsse", versioning=True, mfa_delete=True, object_lock_days=3650,
        secure_transport=True, access_logs_to=f"{PRACTICE}-journaux",
        replicate_to=f"{PRACTICE}-archives-replica", lifecycle=True, private_network_only=True,
        backed_up=True, object_audit=True, tags={"data": "archive"},
    ),
    BucketSetup(
        f"{PRACTICE}-archives-replica", "eu-central-1", "replica of the archive in a second EU region",
        encryption="customer-kms", versioning=True, mfa_delete=True, object_lock_days=3650,
        secure_transport=True, access_logs_to=None, lifecycle=True, tags={"data": "archive"},
    ),
)

AUDIT_TRAIL = f"{PRACTICE}-audit"
"""A multi-region trail writing to the log bucket; data events only for the buckets that ask."""
SECURITY_SERVICES_REGION = "eu-west-3"
"""GuardDuty S3 protection and Macie run here only, as in many small practices."""
VPC_ENDPOINT = "vpce-0a1b2c3d4e5f60718"

CONSOLE_USERS = (
    ("secretariat", False),
    ("dr-martin", True),
)
"""(user name, has an MFA device): both sign in to the console with a password."""


ClientFactory = Callable[[str, str], Any]
"""(service, region) -> boto3 client, pointed at moto."""


def build_practice(client: ClientFactory, account_id: str = ACCOUNT_ID, root_mfa: bool = False) -> None:
    """Create the practice's account. Needs moto in this process for the MFA gaps."""
    for setup in sorted(PRACTICE_BUCKETS, key=lambda b: b.replicate_to is not None):
        _create_bucket(client, setup)
    # Log and replica targets first: S3 checks them when the sources are configured.
    for setup in sorted(PRACTICE_BUCKETS, key=lambda b: (b.access_logs_to is not None, b.replicate_to is not None)):
        _configure_bucket(client, setup)
        if setup.mfa_delete:
            moto_gaps.enable_mfa_delete(account_id, setup.name)
    for setup in PRACTICE_BUCKETS:
        if setup.backed_up:
            moto_gaps.protect_with_backup(account_id, setup.region, f"arn:aws:s3:::{setup.name}")
    _create_audit_trail(client)
    _set_up_security_services(client)
    _create_users(client)
    moto_gaps.enable_root_mfa(account_id, root_mfa)
    client("s3control", "us-east-1").put_public_access_block(
        AccountId=account_id,
        PublicAccessBlockConfiguration={
            "BlockPublicAcls": False,
            "IgnorePublicAcls": False,
            "BlockPublicPolicy": False,
            "RestrictPublicBuckets": False,
        },
    )


def _create_bucket(client: ClientFactory, setup: BucketSetup) -> None:
    s3 = client("s3", setup.region)
    params: dict[str, Any] = {"Bucket": setup.name}
    if setup.region != "us-east-1":
        params["CreateBucketConfiguration"] = {"LocationConstraint": setup.region}
    if setup.object_lock_days:
        params["ObjectLockEnabledForBucket"] = True
    s3.create_bucket(**params)


def _configure_bucket(client: ClientFactory, setup: BucketSetup) -> None:
    s3 = client("s3", setup.region)
    name = setup.name
    if setup.encryption:
        algorithm = {"AES256": "AES256", "customer-dsse": "aws:kms:dsse"}.get(setup.encryption, "aws:kms")
        default: dict[str, Any] = {"SSEAlgorithm": algorithm}
        if setup.encryption.startswith("customer-"):
            kms = client("kms", setup.region)
            key = kms.create_key(Description=f"{name} key")["KeyMetadata"]["Arn"]
            kms.enable_key_rotation(KeyId=key)
            default["KMSMasterKeyID"] = key
        s3.put_bucket_encryption(
            Bucket=name,
            ServerSideEncryptionConfiguration={"Rules": [{"ApplyServerSideEncryptionByDefault": default, "BucketKeyEnabled": True}]},
        )
    if setup.versioning:
        s3.put_bucket_versioning(Bucket=name, VersioningConfiguration={"Status": "Enabled"})
    if setup.object_lock_days:
        s3.put_object_lock_configuration(
            Bucket=name,
            ObjectLockConfiguration={
                "ObjectLockEnabled": "Enabled",
                "Rule": {"DefaultRetention": {"Mode": "COMPLIANCE", "Days": setup.object_lock_days}},
            },
        )
    if setup.block_public_access:
        s3.put_public_access_block(
            Bucket=name,
            PublicAccessBlockConfiguration={
                "BlockPublicAcls": True,
                "IgnorePublicAcls": True,
                "BlockPublicPolicy": True,
                "RestrictPublicBuckets": True,
            },
        )
        s3.put_bucket_ownership_controls(
            Bucket=name, OwnershipControls={"Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]}
        )
    statements = []
    if setup.public_read:
        s3.put_bucket_acl(Bucket=name, ACL="public-read")
        statements.append(
            {"Sid": "LabCanRead", "Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": f"arn:aws:s3:::{name}/*"}
        )
    if setup.secure_transport:
        # Principal {"AWS": "*"} rather than "*": same meaning, and moto's logging check
        # crashes on a bare "*" in the target bucket's policy.
        statements += [
            {
                "Sid": "DenyPlainHttp", "Effect": "Deny", "Principal": {"AWS": "*"}, "Action": "s3:*",
                "Resource": [f"arn:aws:s3:::{name}", f"arn:aws:s3:::{name}/*"],
                "Condition": {"Bool": {"aws:SecureTransport": "false"}},
            },
            {
                "Sid": "DenyOldTls", "Effect": "Deny", "Principal": {"AWS": "*"}, "Action": "s3:*",
                "Resource": [f"arn:aws:s3:::{name}", f"arn:aws:s3:::{name}/*"],
                "Condition": {"NumericLessThan": {"s3:TlsVersion": "1.2"}},
            },
        ]
    if setup.private_network_only:
        statements.append(
            {
                "Sid": "OnlyThroughThePracticeEndpoint", "Effect": "Deny", "Principal": {"AWS": "*"}, "Action": "s3:*",
                "Resource": [f"arn:aws:s3:::{name}", f"arn:aws:s3:::{name}/*"],
                "Condition": {"StringNotEquals": {"aws:SourceVpce": VPC_ENDPOINT}},
            }
        )
    if name.endswith("-journaux"):
        statements.append(
            {
                "Sid": "CloudTrailWrites", "Effect": "Allow", "Principal": {"Service": "cloudtrail.amazonaws.com"},
                "Action": ["s3:GetBucketAcl", "s3:PutObject"], "Resource": [f"arn:aws:s3:::{name}", f"arn:aws:s3:::{name}/*"],
            }
        )
        statements.append(
            {
                "Sid": "S3ServerAccessLogs", "Effect": "Allow", "Principal": {"Service": "logging.s3.amazonaws.com"},
                "Action": "s3:PutObject", "Resource": f"arn:aws:s3:::{name}/*",
            }
        )
    if statements:
        s3.put_bucket_policy(Bucket=name, Policy=json.dumps({"Version": "2012-10-17", "Statement": statements}))
    if setup.access_logs_to:
        s3.put_bucket_logging(
            Bucket=name,
            BucketLoggingStatus={"LoggingEnabled": {"TargetBucket": setup.access_logs_to, "TargetPrefix": f"{name}/"}},
        )
    if setup.replicate_to:
        s3.put_bucket_replication(
            Bucket=name,
            ReplicationConfiguration={
                "Role": f"arn:aws:iam::{ACCOUNT_ID}:role/replication",
                "Rules": [
                    {
                        "ID": "replica", "Status": "Enabled", "Priority": 1, "Filter": {"Prefix": ""},
                        "DeleteMarkerReplication": {"Status": "Disabled"},
                        "Destination": {"Bucket": f"arn:aws:s3:::{setup.replicate_to}"},
                    }
                ],
            },
        )
    if setup.lifecycle:
        s3.put_bucket_lifecycle_configuration(
            Bucket=name,
            LifecycleConfiguration={
                "Rules": [
                    {"ID": "old-versions", "Status": "Enabled", "Filter": {"Prefix": ""},
                     "NoncurrentVersionExpiration": {"NoncurrentDays": 365}}
                ]
            },
        )
    if setup.tags:
        s3.put_bucket_tagging(Bucket=name, Tagging={"TagSet": [{"Key": k, "Value": v} for k, v in setup.tags.items()]})


def _create_audit_trail(client: ClientFactory) -> None:
    log_bucket = next(b for b in PRACTICE_BUCKETS if b.name.endswith("-journaux"))
    cloudtrail = client("cloudtrail", log_bucket.region)
    cloudtrail.create_trail(Name=AUDIT_TRAIL, S3BucketName=log_bucket.name, IsMultiRegionTrail=True)
    cloudtrail.start_logging(Name=AUDIT_TRAIL)
    audited = [f"arn:aws:s3:::{b.name}/" for b in PRACTICE_BUCKETS if b.object_audit]
    cloudtrail.put_event_selectors(
        TrailName=AUDIT_TRAIL,
        EventSelectors=[
            {"ReadWriteType": "All", "IncludeManagementEvents": True,
             "DataResources": [{"Type": "AWS::S3::Object", "Values": audited}]}
        ],
    )


def _set_up_security_services(client: ClientFactory) -> None:
    # The practice's servers reach S3 through a gateway endpoint in Paris (the archive's policy names it).
    ec2 = client("ec2", SECURITY_SERVICES_REGION)
    vpc = ec2.create_vpc(CidrBlock="10.20.0.0/16")["Vpc"]["VpcId"]
    ec2.create_vpc_endpoint(VpcId=vpc, ServiceName=f"com.amazonaws.{SECURITY_SERVICES_REGION}.s3", VpcEndpointType="Gateway")
    client("guardduty", SECURITY_SERVICES_REGION).create_detector(
        Enable=True, Features=[{"Name": "S3_DATA_EVENTS", "Status": "ENABLED"}]
    )
    # moto starts with Macie on everywhere; the practice only turned it on in one region.
    for region in sorted({b.region for b in PRACTICE_BUCKETS} - {SECURITY_SERVICES_REGION}):
        client("macie2", region).disable_macie()


def _create_users(client: ClientFactory) -> None:
    iam = client("iam", "us-east-1")
    for user, has_mfa in CONSOLE_USERS:
        iam.create_user(UserName=user)
        iam.create_login_profile(UserName=user, Password="Demo-Passw0rd!", PasswordResetRequired=False)
        if has_mfa:
            serial = iam.create_virtual_mfa_device(VirtualMFADeviceName=user)["VirtualMFADevice"]["SerialNumber"]
            iam.enable_mfa_device(UserName=user, SerialNumber=serial, AuthenticationCode1="123456", AuthenticationCode2="654321")

"""Every AWS API operation the scanner may call, per service.

The scanner's clients are built from service models cut down to these operations
(read_only_models.py; STS, which the credential chain shares, is left whole): a client has no
method for anything else, so a write call cannot be made by mistake, and the models take about 30 MB less memory than botocore's full ones (EC2's
alone is over 20 MB, for the one DescribeVpcEndpoints call). A new read goes here first.
"""

from __future__ import annotations

from types import MappingProxyType
from typing import Mapping

READ_OPERATIONS: Mapping[str, frozenset[str]] = MappingProxyType({
    "s3": frozenset({
        "ListBuckets",
        "GetBucketAcl",
        "GetBucketEncryption",
        "GetBucketLifecycleConfiguration",
        "GetBucketLocation",
        "GetBucketLogging",
        "GetBucketOwnershipControls",
        "GetBucketPolicy",
        "GetBucketPolicyStatus",
        "GetBucketReplication",
        "GetBucketTagging",
        "GetBucketVersioning",
        "GetObjectLockConfiguration",
        "GetPublicAccessBlock",
        "HeadBucket",  # not ours: botocore's region redirector asks it when a bucket answers from another region
    }),
    "s3control": frozenset({"GetPublicAccessBlock"}),
    "sts": frozenset({"GetCallerIdentity", "AssumeRole"}),
    "iam": frozenset({
        "GetAccountSummary",
        "GetLoginProfile",
        "ListAccessKeys",
        "ListAccountAliases",
        "ListMFADevices",
        "ListUsers",
        "ListVirtualMFADevices",
    }),
    "kms": frozenset({"DescribeKey", "GetKeyRotationStatus"}),
    "cloudtrail": frozenset({"DescribeTrails", "GetEventSelectors", "GetTrailStatus"}),
    "logs": frozenset({"DescribeMetricFilters"}),
    "cloudwatch": frozenset({"DescribeAlarmsForMetric"}),
    "ec2": frozenset({"DescribeVpcEndpoints"}),
    "backup": frozenset({"ListProtectedResources"}),
    "guardduty": frozenset({"ListDetectors", "GetDetector"}),
    "macie2": frozenset({"GetMacieSession"}),
})

NOT_A_READ_BY_NAME = frozenset({"sts:AssumeRole"})
"""Operations that read nothing by their name's verb but change nothing in the account either:
AssumeRole only hands out temporary credentials for --aws-role-arn."""

"""When a bucket policy cannot be public, so that GetBucketPolicyStatus need not be asked."""

from __future__ import annotations

import pytest

from cloudaudit.providers.aws.s3_policy import may_be_public


def policy(*statements):
    return {"Version": "2012-10-17", "Statement": list(statements)}


def allow(principal, **extra):
    return {"Effect": "Allow", "Principal": principal, "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/*", **extra}


DENY_PLAIN_HTTP = {"Effect": "Deny", "Principal": "*", "Action": "s3:*", "Resource": "arn:aws:s3:::b/*",
                   "Condition": {"Bool": {"aws:SecureTransport": "false"}}}


@pytest.mark.parametrize(
    "document",
    [
        policy(),
        policy(DENY_PLAIN_HTTP),
        policy(DENY_PLAIN_HTTP, allow({"Service": "logging.s3.amazonaws.com"})),
        policy(allow({"AWS": "arn:aws:iam::111122223333:root"})),
        policy(allow({"AWS": ["arn:aws:iam::111122223333:root", "444455556666"]})),
        {"Version": "2012-10-17", "Statement": allow({"CanonicalUser": "79a59df900b949e55d96a1e698fbaced"})},
    ],
)
def test_no_grant_to_a_wildcard_principal_cannot_be_public(document):
    assert may_be_public(document) is False


@pytest.mark.parametrize(
    "document",
    [
        policy(allow("*")),
        policy(allow({"AWS": "*"})),
        policy(allow({"AWS": ["arn:aws:iam::111122223333:root", "*"]})),
        policy(allow({"AWS": "arn:aws:iam::*:root"})),
        policy(allow("*", Condition={"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}})),  # S3 judges conditions
        policy({"Effect": "Allow", "NotPrincipal": {"AWS": "arn:aws:iam::111122223333:root"}, "Action": "s3:*", "Resource": "*"}),
        policy({"Effect": "Allow", "Action": "s3:*", "Resource": "*"}),  # no principal: let S3 judge
        policy({"Principal": "*", "Action": "s3:*", "Resource": "*"}),  # no effect: not a Deny
        policy(allow(7)),
        {"Version": "2012-10-17"},
    ],
)
def test_anything_that_might_grant_everyone_is_left_to_s3(document):
    assert may_be_public(document) is True

"""Interpreting bucket policies: which documents make a bucket HTTPS-only or enforce TLS 1.2."""

from __future__ import annotations

import pytest

from cloudaudit.providers.aws.s3_policy import transport_policy

BUCKET = "records"


def deny(condition, principal="*", action="s3:*", resource=(f"arn:aws:s3:::{BUCKET}", f"arn:aws:s3:::{BUCKET}/*"), effect="Deny"):
    return {"Version": "2012-10-17", "Statement": [{"Effect": effect, "Principal": principal, "Action": action, "Resource": list(resource), "Condition": condition}]}


@pytest.mark.parametrize("value", ["false", False, ["false"], "False"])
def test_secure_transport_deny_in_its_spellings(value):
    assert transport_policy(deny({"Bool": {"aws:SecureTransport": value}}), BUCKET).https_only is True


@pytest.mark.parametrize(
    "document",
    [
        deny({"Bool": {"aws:SecureTransport": "true"}}),
        deny({"Bool": {"aws:SecureTransport": "false"}}, effect="Allow"),
        deny({"Bool": {"aws:SecureTransport": "false"}}, principal={"AWS": "arn:aws:iam::111122223333:root"}),
        deny({"Bool": {"aws:SecureTransport": "false"}}, action="s3:GetObject"),
        deny({"Bool": {"aws:SecureTransport": "false"}}, resource=("arn:aws:s3:::other-bucket/*",)),
        deny({"StringEquals": {"aws:SecureTransport": "false"}}),
        {"Version": "2012-10-17", "Statement": []},
    ],
    ids=["true", "allow", "one-principal", "one-action", "other-bucket", "wrong-operator", "empty"],
)
def test_documents_that_do_not_enforce_https(document):
    assert transport_policy(document, BUCKET).https_only is False


def test_bool_if_exists_and_a_single_statement_object():
    document = {"Statement": {"Effect": "Deny", "Principal": {"AWS": ["*"]}, "Action": ["*"], "Resource": "*",
                              "Condition": {"BoolIfExists": {"aws:securetransport": "false"}}}}
    assert transport_policy(document, BUCKET).https_only is True


@pytest.mark.parametrize("version, expected", [("1.2", "1.2"), (1.2, "1.2"), ("1.3", "1.3"), ("1.1", "1.1")])
def test_minimum_tls(version, expected):
    assert transport_policy(deny({"NumericLessThan": {"s3:TlsVersion": version}}), BUCKET).min_tls_version == expected


def test_no_minimum_and_the_highest_of_several():
    assert transport_policy(deny({"Bool": {"aws:SecureTransport": "false"}}), BUCKET).min_tls_version is None
    both = deny({"NumericLessThan": {"s3:TlsVersion": "1.2"}})
    both["Statement"].append(deny({"NumericLessThan": {"s3:TlsVersion": ["1.3"]}})["Statement"][0])
    assert transport_policy(both, BUCKET).min_tls_version == "1.3"

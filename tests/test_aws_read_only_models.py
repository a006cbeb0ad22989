"""The scanner's AWS clients know only the read operations of operations.py."""

from __future__ import annotations

import re

import pytest

from cloudaudit.providers.aws.operations import NOT_A_READ_BY_NAME, READ_OPERATIONS
from cloudaudit.providers.aws.read_only_models import LEFT_WHOLE, cut_model
from cloudaudit.providers.aws.session import AwsSession

READ_VERB = re.compile(r"^(Get|List|Describe|Head)[A-Z]")


@pytest.fixture
def session(monkeypatch):
    for name, value in {
        "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_DEFAULT_REGION": "eu-west-3",
        "AWS_CONFIG_FILE": "/dev/null", "AWS_SHARED_CREDENTIALS_FILE": "/dev/null",
    }.items():
        monkeypatch.setenv(name, value)
    return AwsSession(None, workers=2)


def test_every_listed_operation_reads_by_name():
    for service, operations in READ_OPERATIONS.items():
        for operation in operations:
            assert READ_VERB.match(operation) or f"{service}:{operation}" in NOT_A_READ_BY_NAME, f"{service}:{operation}"


@pytest.mark.parametrize("service", sorted(set(READ_OPERATIONS) - LEFT_WHOLE))
def test_a_client_has_exactly_the_listed_operations(session, service):
    client = session.client(service)
    assert set(client.meta.service_model.operation_names) == READ_OPERATIONS[service]


def test_sts_keeps_what_the_credential_chain_calls(session):
    """A CI job's OIDC token (AWS_WEB_IDENTITY_TOKEN_FILE) and a profile's role_arn are turned
    into credentials by botocore through this same session's STS client."""
    sts = session.client("sts")
    assert READ_OPERATIONS["sts"] <= set(sts.meta.service_model.operation_names)
    assert hasattr(sts, "assume_role_with_web_identity")


def test_an_s3_client_cannot_write(session):
    s3 = session.client("s3")
    assert hasattr(s3, "get_bucket_encryption")
    for method in ("put_object", "delete_bucket", "put_bucket_policy", "delete_objects", "create_bucket"):
        assert not hasattr(s3, method), method


def test_errors_a_read_can_return_are_still_modelled(session):
    """Cutting a model keeps the error shapes its operations name (client.exceptions)."""
    iam = session.client("iam")
    assert iam.exceptions.NoSuchEntityException.__name__ == "NoSuchEntityException"  # GetLoginProfile's


def test_a_client_made_outside_the_scanner_keeps_the_full_model(session):
    import boto3

    assert "PutObject" in boto3.session.Session(region_name="eu-west-3").client("s3").meta.service_model.operation_names


def test_an_operation_the_model_lacks_is_refused_by_name():
    model = {"operations": {"GetThing": {"input": {"shape": "In"}}}, "shapes": {"In": {"type": "structure", "members": {}}}}
    with pytest.raises(LookupError, match="botocore's demo model has no operation GetOther"):
        cut_model(model, frozenset({"GetThing", "GetOther"}), "demo")


def test_a_cut_model_keeps_every_shape_an_operation_reaches_and_no_documentation():
    model = {
        "operations": {
            "GetThing": {"input": {"shape": "In"}, "output": {"shape": "Out"}, "errors": [{"shape": "Gone"}], "documentation": "x"},
            "PutThing": {"input": {"shape": "Big"}},
        },
        "shapes": {
            "In": {"type": "structure", "members": {"Name": {"shape": "Str", "location": "uri", "documentation": "d"}}},
            "Out": {"type": "structure", "members": {"Items": {"shape": "List"}}},
            "List": {"type": "list", "member": {"shape": "Map"}},
            "Map": {"type": "map", "key": {"shape": "Str"}, "value": {"shape": "Str"}},
            "Str": {"type": "string", "documentation": "long text"},
            "Gone": {"type": "structure", "members": {}, "exception": True},
            "Big": {"type": "blob"},
        },
    }
    cut = cut_model(model, frozenset({"GetThing"}), "demo")
    assert list(cut["operations"]) == ["GetThing"]
    assert set(cut["shapes"]) == {"In", "Out", "List", "Map", "Str", "Gone"}
    assert cut["shapes"]["In"]["members"]["Name"] == {"shape": "Str", "location": "uri"}
    assert "documentation" not in cut["shapes"]["Str"] and "documentation" not in cut["operations"]["GetThing"]
    assert "documentation" in model["shapes"]["Str"], "the model read from disk is not changed"

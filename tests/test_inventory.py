"""The inventory file: round trip, schema version, and clear errors for a bad file."""

from __future__ import annotations

import json

import pytest

from cloudaudit.errors import InputError
from cloudaudit.inventory import Inventory
from cloudaudit.model import CollectionIssue, Resource
from cloudaudit.providers.interface import AccountRef


def sample() -> Inventory:
    return Inventory(
        resources=[Resource("aws", "storage.bucket", "arn:aws:s3:::b", "b", "1", "eu-west-3", {"env": "prod"},
                            {"encryption": {"at_rest": True}}, {}, {"versioning.enabled": "s3:GetBucketVersioning: AccessDenied"})],
        issues=[CollectionIssue("aws", "1", "s3:ListBuckets", "denied")],
        accounts=[AccountRef("aws", "1", "practice")],
        tenant="practice",
        started_at="2026-12-01T00:00:00Z",
        finished_at="2026-12-01T00:00:05Z",
        api_calls={"s3:ListBuckets": 1},
    )


def test_round_trip(tmp_path):
    path = tmp_path / "inventory.json"
    path.write_text(sample().to_json())
    loaded = Inventory.load(str(path))
    assert loaded.to_document() == sample().to_document()
    assert loaded.resources[0].errors == {"versioning.enabled": "s3:GetBucketVersioning: AccessDenied"}


@pytest.mark.parametrize(
    "content, message",
    [
        ("{not json", "line 1: not valid JSON"),
        ('{"schema_version": 99, "resources": []}', "$.schema_version: 99 is not supported (expected 1; collect it again"),
        ('{"schema_version": 1, "resources": [{"provider": "aws", "type": "storage.bucket"}]}', "$.resources[0]: missing required key 'id'"),
        ('{"schema_version": 1, "resources": [{"provider": "oci", "type": "storage.bucket", "id": "x"}]}', "$.resources[0].provider: 'oci' is not allowed"),
    ],
)
def test_bad_inventory_files(tmp_path, content, message):
    path = tmp_path / "inventory.json"
    path.write_text(content)
    with pytest.raises(InputError) as caught:
        Inventory.load(str(path))
    assert caught.value.problems[0].startswith(f"{path}: {message}")


def test_evaluate_cli_on_a_bad_inventory_exits_2(cli, tmp_path):
    path = tmp_path / "inventory.json"
    path.write_text(json.dumps({"schema_version": 1}))
    result = cli("evaluate", str(path))
    assert result.code == 2
    assert result.err.strip() == f"{path}: $: missing required key 'resources'"

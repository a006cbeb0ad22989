"""One practice on three clouds, scanned in one run with --framework hds: the compliance
summary names the HDS requirements that fail, why, and on which cloud's resources - in the
table and in the JSON document."""

from __future__ import annotations

from pathlib import Path

import boto3
import jsonschema
import pytest

from cloudaudit.demo import moto_gaps
from cloudaudit.demo.tenant import build_practice
from cloudaudit.providers.aws.session import register_emulator_fixes
from tests.conftest import REPO
from tests.support.arm_server import TOKEN, arm, arm_server, isolated_azure_env  # noqa: F401 - fixtures
from tests.support.gcs_emulator import PROJECT, build_tenant, gcs, gcs_emulator, google_env  # noqa: F401 - fixtures


@pytest.fixture
def three_clouds(aws_endpoint, arm, gcs, google_env, tmp_path: Path) -> Path:
    session = boto3.session.Session()
    build_practice(lambda service, region: register_emulator_fixes(session.client(service, region_name=region, endpoint_url=aws_endpoint)))
    build_tenant(gcs)
    google_env.setenv("AZURE_ACCESS_TOKEN", TOKEN)
    config = tmp_path / "tenants.yaml"
    config.write_text(
        "version: 1\n"
        "tenants:\n"
        "  - name: cabinet-du-parc\n"
        "    standard: hds\n"
        "    accounts:\n"
        "      - {provider: aws}\n"
        f"      - {{provider: azure, arm_endpoint: '{arm.url}'}}\n"
        f"      - {{provider: gcp, projects: [{PROJECT}]}}\n"
    )
    with moto_gaps.mfa_delete_reported():
        yield config


def test_hds_summary_across_three_clouds(cli, three_clouds):
    import json

    result = cli("scan", "--config", str(three_clouds), "--framework", "hds", "--format", "json", "--fail-on", "none")
    assert result.code == 0, result.err
    document = result.json()
    schema = json.loads((REPO / "cloudaudit" / "schemas" / "findings.schema.json").read_text())
    jsonschema.Draft202012Validator(schema).validate(document)
    assert set(document["scan"]["providers"]) == {"aws", "azure", "gcp"}
    assert document["scan"]["standard"] == "hds"

    (summary,) = document["compliance"]
    rows = {row["id"]: row for row in summary["requirements"]}
    residency = rows["Ex.28"]
    assert residency["status"] == "FAIL"
    failing = {f["resource"] for f in residency["failing"]}
    assert any(r.startswith("arn:aws:s3:::") for r in failing), "the US export bucket"
    assert any(r.startswith("/subscriptions/") for r in failing), "the UK storage account"
    assert any(r.startswith("gs://") for r in failing), "the US and London buckets"
    assert {f["rule"] for f in residency["failing"]} <= {"storage.region-allowed", "storage.replica-region-allowed", "azure.allowed-locations-policy"}
    assert rows["Ex.30"]["status"] == "MANUAL"

    severity = {(f["rule"]["id"], f["resource"]["provider"]): f["severity"] for f in document["findings"]}
    assert severity[("storage.region-allowed", "azure")] == "critical", "the hds standard makes residency critical"
    assert severity[("storage.region-allowed", "gcp")] == "critical"

    table = cli("scan", "--config", str(three_clouds), "--framework", "hds", "--format", "table", "--fail-on", "none")
    flat = " ".join(table.out.split())
    assert "Compliance: HDS v2" in flat
    row = flat[flat.index("Ex.28 FAIL"):flat.index("Ex.29")]
    assert "Health data is stored in the EEA only failing:" in row and "storage.region-allowed (" in row

"""SARIF 2.1.0: valid against the OASIS schema, and the mapping docs/outputs.md promises."""

from __future__ import annotations

import dataclasses
import json

import jsonschema
import pytest

from cloudaudit.model import Status
from cloudaudit.outputs.sarif_format import FINGERPRINT_KEY, SarifFormat
from tests.support.reports import (
    DATA,
    MUTED_REASON,
    MUTED_RESOURCE,
    MUTED_RULE,
    empty_report,
    sample_report,
)

SCHEMA = json.loads((DATA / "sarif-schema-2.1.0.json").read_text())


def render(report) -> dict:
    log = json.loads(SarifFormat().render(report))
    jsonschema.validate(log, SCHEMA)
    return log


@pytest.fixture(scope="module")
def report():
    return sample_report()


@pytest.fixture(scope="module")
def run(report):
    return render(report)["runs"][0]


def results_by(run, status: str) -> list[dict]:
    return [r for r in run["results"] if r["properties"]["status"] == status]


def test_the_schema_is_the_oasis_one():
    assert SCHEMA["$id"] == "https://raw.githubusercontent.com/oasis-tcs/sarif-spec/master/Schemata/sarif-schema-2.1.0.json"
    assert SCHEMA["properties"]["version"]["enum"] == ["2.1.0"]


def test_an_empty_scan_is_a_valid_log():
    report = empty_report()
    run = render(report)["runs"][0]
    assert run["results"] == []
    assert len(run["tool"]["driver"]["rules"]) == len(report.rules)


def test_one_rule_descriptor_per_rule_with_help_and_remediation(report, run):
    descriptors = {d["id"]: d for d in run["tool"]["driver"]["rules"]}
    assert sorted(descriptors) == sorted(spec.id for spec in report.rules)
    https = descriptors["storage.https-only"]
    assert https["shortDescription"]["text"] == "Data is reachable over HTTPS only"
    # The rule's general fix, then each cloud's (the rule checks S3 buckets and Azure accounts).
    assert https["help"]["text"].startswith("Refuse every request that does not use HTTPS.\nAWS:\n  Add a bucket policy statement")
    assert "AZURE:\n  Require secure transfer on the storage account." in https["help"]["text"]
    assert "aws:SecureTransport" in https["help"]["markdown"]
    assert "**On Azure:** Require secure transfer" in https["help"]["markdown"] and "--https-only true" in https["help"]["markdown"]
    assert https["helpUri"].startswith("https://")
    assert https["defaultConfiguration"]["level"] == "error"
    assert https["properties"]["security-severity"] == "8.0"
    assert "transport" in https["properties"]["tags"]


def test_failing_findings_are_results_with_a_level_from_the_severity(report, run):
    failing = [f for f in report.findings if f.status is Status.FAIL]
    results = results_by(run, "FAIL")
    assert len(results) == len(failing) == 15
    levels = {(r["properties"]["severity"], r["level"]) for r in results}
    assert levels == {("critical", "error"), ("high", "error"), ("medium", "warning")}
    assert all(r["kind"] == "fail" for r in results)
    rules = run["tool"]["driver"]["rules"]
    assert all(rules[r["ruleIndex"]]["id"] == r["ruleId"] for r in run["results"])


def test_an_unreadable_fact_is_an_open_result_with_no_level(run):
    results = results_by(run, "ERROR")
    assert len(results) == 3
    assert {(r["kind"], r["level"]) for r in results} == {("open", "none")}
    assert any("s3:GetBucketPolicy: AccessDenied" in r["message"]["text"] for r in results)


def test_a_muted_finding_is_a_suppressed_result(run):
    (muted,) = results_by(run, "MUTED")
    assert muted["ruleId"] == MUTED_RULE
    assert muted["suppressions"] == [{"kind": "external", "state": "accepted", "justification": MUTED_REASON}]


def test_passing_and_not_applicable_give_no_result(run):
    assert {r["properties"]["status"] for r in run["results"]} == {"FAIL", "ERROR", "MUTED"}


def test_the_resource_is_the_location_and_the_fingerprint_is_kept(report, run):
    finding = next(f for f in report.findings if (f.rule.id, f.resource.id) == (MUTED_RULE, MUTED_RESOURCE))
    result = next(r for r in run["results"] if r["partialFingerprints"][FINGERPRINT_KEY] == finding.fingerprint)
    (location,) = result["locations"]
    assert location["physicalLocation"]["artifactLocation"]["uri"] == MUTED_RESOURCE
    assert location["logicalLocations"] == [
        {"name": "cabinet-martin-sandbox", "fullyQualifiedName": MUTED_RESOURCE, "kind": "resource"}
    ]
    gcs = next(r for r in run["results"] if r["locations"][0]["logicalLocations"][0]["fullyQualifiedName"].startswith("gs://"))
    assert gcs["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "gs://cabinet-martin-imagerie"


def test_an_id_that_is_not_a_uri_is_percent_encoded():
    report = sample_report()
    odd = dataclasses.replace(report.findings[0].resource, id="/subscriptions/1/resourceGroups/Cabinet Martin (prod)/x%y#z")
    report.findings[:] = [dataclasses.replace(report.findings[0], resource=odd, status=Status.FAIL)]
    (result,) = render(report)["runs"][0]["results"]
    location = result["locations"][0]
    assert location["physicalLocation"]["artifactLocation"]["uri"] == "/subscriptions/1/resourceGroups/Cabinet%20Martin%20(prod)/x%25y%23z"
    assert location["logicalLocations"][0]["fullyQualifiedName"] == odd.id


def test_what_could_not_be_collected_is_a_tool_notification(run):
    (invocation,) = run["invocations"]
    assert invocation["executionSuccessful"] is False
    (notification,) = invocation["toolExecutionNotifications"]
    assert notification["level"] == "error"
    assert notification["descriptor"] == {"id": "collection-error"}
    assert notification["message"]["text"].startswith("gcp cabinet-martin-gcp storage.buckets.list europe-west1: 403 Forbidden")


def test_the_run_names_its_tenant_for_dashboards(run):
    assert run["automationDetails"] == {"id": "cloudaudit/cabinet-martin/"}
    assert run["properties"]["summary"]["by_status"]["FAIL"] == 15

"""End to end over real HTTP: the `cloudaudit` command against a moto server holding the demo
practice, as a user or a CI job runs it. Checks the JSON document against its schema, the
status of every rule on every resource, and - on the wire - that the scan only reads."""

from __future__ import annotations

import json
import re

import boto3
import jsonschema
import pytest

from cloudaudit.demo import moto_gaps
from cloudaudit.demo.tenant import PRACTICE, build_practice
from cloudaudit.providers.aws.session import register_emulator_fixes
from cloudaudit.scan import prepare_rules
from tests.conftest import REPO, run_cli_process
from tests.support.http_proxy import RecordingProxy

# What the practice is known to get wrong. Every other (rule, resource) pair passes, except the
# rules that do not apply: key rotation where the key is AWS's, log immutability off the log bucket.
EXPECTED_FAILURES = {
    "dossiers-patients": {
        "storage.customer-managed-key", "storage.double-encryption", "storage.versioning", "aws.s3-mfa-delete",
        "storage.object-lock", "storage.replication", "storage.private-network-only",
    },
    "imagerie": {
        "storage.no-public-grants", "storage.public-access-blocked", "storage.acls-disabled", "storage.customer-managed-key",
        "storage.double-encryption", "storage.https-only", "storage.min-tls-1-2", "storage.versioning", "aws.s3-mfa-delete",
        "storage.object-lock", "storage.access-logging", "storage.replication", "storage.lifecycle",
        "storage.object-audit-logging", "storage.private-network-only", "storage.backup-coverage",
    },
    "sauvegardes": {
        "storage.customer-managed-key", "storage.double-encryption", "aws.s3-mfa-delete", "storage.object-lock",
        "storage.access-logging", "storage.replication", "storage.lifecycle", "storage.object-audit-logging",
        "storage.private-network-only", "storage.backup-coverage",
    },
    "export-teleconsultation": {
        "storage.encryption-at-rest", "storage.customer-managed-key", "storage.double-encryption", "storage.https-only",
        "storage.min-tls-1-2", "storage.region-allowed", "storage.versioning", "aws.s3-mfa-delete", "storage.object-lock",
        "storage.access-logging", "storage.replication", "storage.lifecycle", "storage.object-audit-logging",
        "storage.private-network-only", "storage.backup-coverage", "storage.threat-detection",
        "storage.sensitive-data-discovery", "storage.private-endpoint",
    },
    "journaux": {
        "storage.customer-managed-key", "storage.double-encryption", "aws.s3-mfa-delete", "storage.object-lock",
        "storage.access-logging", "storage.replication", "storage.object-audit-logging", "storage.private-network-only",
        "storage.backup-coverage", "storage.audit-log-immutable",
    },
    "archives": set(),
    "archives-replica": {
        "storage.access-logging", "storage.replication", "storage.double-encryption", "storage.object-audit-logging",
        "storage.private-network-only", "storage.backup-coverage", "storage.threat-detection",
        "storage.sensitive-data-discovery", "storage.private-endpoint",
    },
    "123456789012": {
        "aws.account-public-access-block", "aws.root-mfa", "aws.root-hardware-mfa", "aws.console-users-mfa",
        "storage.access-change-alert",
    },
}
CUSTOMER_KEYS = {"archives", "archives-replica"}
LOG_BUCKET = "journaux"

READ_OPERATION = re.compile(r"^(Get|List|Head|Describe)[A-Z]")
AUTH_OPERATIONS = {"GetCallerIdentity", "AssumeRole"}


@pytest.fixture
def practice(aws_endpoint: str):
    """The demo practice on the moto server (built directly, not through the recording proxy)."""
    session = boto3.session.Session()
    build_practice(lambda service, region: register_emulator_fixes(session.client(service, region_name=region, endpoint_url=aws_endpoint)))
    with moto_gaps.mfa_delete_reported():
        yield aws_endpoint


@pytest.fixture
def proxy(practice: str):
    port = int(practice.rsplit(":", 1)[1])
    recorder = RecordingProxy(port).start()
    yield recorder
    recorder.stop()


def statuses(document: dict) -> dict[tuple[str, str], str]:
    return {(f["resource"]["name"], f["rule"]["id"]): f["status"] for f in document["findings"]}


def test_scan_json_document_has_the_right_status_for_every_rule_and_resource(proxy, tmp_path):
    out = tmp_path / "findings.json"
    result = run_cli_process("scan", "--provider", "aws", "--format", "json", "--output", str(out),
                             env={"AWS_ENDPOINT_URL": proxy.url})
    assert result.code == 1, result.err  # failing findings at or above the default --fail-on
    assert result.out == ""
    document = json.loads(out.read_text())
    schema = json.loads((REPO / "cloudaudit" / "schemas" / "findings.schema.json").read_text())
    jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker()).validate(document)

    seen = statuses(document)
    specs = prepare_rules().selected
    bucket_rules = [s.id for s in specs if "storage.bucket" in s.resource_types and "aws" in s.clouds]
    account_rules = [s.id for s in specs if "cloud.account" in s.resource_types and "aws" in s.clouds]
    expected = {}
    for short, failing in EXPECTED_FAILURES.items():
        name = short if short.isdigit() else f"{PRACTICE}-{short}"
        for rule in account_rules if short.isdigit() else bucket_rules:
            status = "FAIL" if rule in failing else "PASS"
            if rule == "storage.key-rotation" and short not in CUSTOMER_KEYS:
                status = "NOT_APPLICABLE"
            if rule == "storage.audit-log-immutable" and short != LOG_BUCKET:
                status = "NOT_APPLICABLE"
            expected[(name, rule)] = status
    assert seen == expected

    assert document["scan"]["accounts"] == [{"provider": "aws", "id": "123456789012", "name": ""}]
    assert document["summary"]["by_status"]["FAIL"] == sum(1 for s in expected.values() if s == "FAIL")
    assert document["errors"] == []
    public = next(f for f in document["findings"] if f["rule"]["id"] == "storage.no-public-grants" and f["resource"]["name"].endswith("imagerie"))
    assert public["severity"] == "critical" and public["rule"]["control"] == "STG-PUB-03"
    assert public["message"] == "public grants: policy public true, ACL grantees AllUsers; readable by anyone now: true"
    assert {"framework": "hipaa", "control": "164.312(a)(1)"} in public["compliance"]


def test_the_scan_only_reads_on_the_wire(proxy, tmp_path):
    result = run_cli_process("scan", "--provider", "aws", "--format", "json", env={"AWS_ENDPOINT_URL": proxy.url})
    assert result.code == 1, result.err
    assert len(proxy.requests) > 50
    for request in proxy.requests:
        if request.action:  # query protocol (IAM, STS): POST with Action=
            assert READ_OPERATION.match(request.action) or request.action in AUTH_OPERATIONS, request
        elif request.target:  # JSON protocol (KMS): POST with X-Amz-Target
            assert READ_OPERATION.match(request.target.split(".")[-1]), request
        else:  # REST (S3, S3 Control)
            assert request.method in ("GET", "HEAD"), request
    operations = json.loads(result.out)["scan"]["api_calls"]
    for name in operations:
        operation = name.split(":", 1)[1]
        assert READ_OPERATION.match(operation) or operation in AUTH_OPERATIONS, name


def test_fingerprints_are_stable_across_runs(practice):
    first = run_cli_process("scan", "--provider", "aws", "--format", "json")
    second = run_cli_process("scan", "--provider", "aws", "--format", "json")
    fingerprints = lambda out: {(f["rule"]["id"], f["resource"]["id"]): f["fingerprint"] for f in json.loads(out)["findings"]}
    assert fingerprints(first.out) == fingerprints(second.out)
    assert len(set(fingerprints(first.out).values())) == len(fingerprints(first.out))
    assert json.loads(first.out)["scan"]["id"] != json.loads(second.out)["scan"]["id"]


def test_collect_then_evaluate_offline_gives_the_same_findings(practice, tmp_path):
    inventory = tmp_path / "inventory.json"
    collected = run_cli_process("collect", "--provider", "aws", "-o", str(inventory))
    assert collected.code == 0, collected.err
    assert f"wrote {inventory} (8 resources)" in collected.err
    scanned = run_cli_process("scan", "--provider", "aws", "--format", "json")
    evaluated = run_cli_process("evaluate", str(inventory), "--format", "json", env={"AWS_ENDPOINT_URL": "http://127.0.0.1:9"})
    assert evaluated.code == 1
    assert statuses(json.loads(evaluated.out)) == statuses(json.loads(scanned.out))


def test_table_output_groups_by_resource_and_fits_100_columns(practice):
    result = run_cli_process("scan", "--provider", "aws", "--format", "table", "--fail-on", "none")
    assert result.code == 0
    lines = result.out.splitlines()
    assert max(len(line) for line in lines) <= 100
    headers = [line for line in lines if line.startswith(("storage.bucket ", "cloud.account "))]
    assert len(headers) == 8
    # Most serious first: the public bucket (two critical failures, most failures), the clean archive last.
    assert headers[0].startswith(f"storage.bucket {PRACTICE}-imagerie ")
    assert headers[-1].startswith(f"storage.bucket {PRACTICE}-archives ")
    assert "Summary" in lines and "Fix first" in lines
    assert "\x1b[" not in result.out, "no colour codes into a pipe"
    assert result.err == "", "no progress line when stderr is not a terminal"


@pytest.mark.parametrize(
    "options, code",
    [
        (["--fail-on", "none"], 0),
        (["--fail-on", "critical"], 1),
        (["--rule", "storage.encryption-at-rest", "--rule", "storage.region-allowed", "--fail-on", "critical"], 0),
        (["--severity", "critical", "--exclude-rule", "aws.*", "--exclude-rule", "storage.no-public-grants", "--exclude-rule", "storage.public-access-blocked"], 0),
        (["--category", "residency", "--fail-on", "high"], 1),
    ],
)
def test_exit_code_follows_fail_on_and_selection(practice, options, code):
    result = run_cli_process("scan", "--provider", "aws", "--format", "json", *options)
    assert result.code == code, result.err


def test_selection_limits_findings_and_calls(practice):
    result = run_cli_process("scan", "--provider", "aws", "--format", "json", "--rule", "storage.encryption-at-rest", "--fail-on", "none")
    document = json.loads(result.out)
    assert {f["rule"]["id"] for f in document["findings"]} == {"storage.encryption-at-rest"}
    assert len(document["findings"]) == 7
    calls = document["scan"]["api_calls"]
    assert calls.get("s3:GetBucketEncryption") == 7
    assert not any(name.startswith(("s3:GetBucketPolicy", "iam:", "s3:GetBucketAcl")) for name in calls)


def test_output_file_is_replaced_atomically_and_only_when_complete(practice, tmp_path):
    out = tmp_path / "findings.json"
    out.write_text("previous report\n")
    result = run_cli_process("scan", "--provider", "aws", "--format", "json", "-o", str(out), "--rule", "nope.*")
    assert result.code == 2
    assert out.read_text() == "previous report\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["findings.json"]

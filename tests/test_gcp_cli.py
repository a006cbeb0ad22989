"""`cloudaudit scan --provider gcp` end to end: a practice's project in gcp-storage-emulator
(its Resource Manager, Org Policy and HMAC answers recorded), the JSON findings document
checked against its schema and rule by rule for the buckets and the project, a read denied on
one bucket, nothing but reads on the wire, and the credential failures a user meets."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Iterator

import jsonschema
import pytest

from tests.conftest import REPO, run_cli_process
from tests.support.gcs_emulator import (  # noqa: F401 - fixtures
    ALERT_POLICIES_PATH,
    CMEK,
    DENIED_IAM_BUCKET,
    IAM_POLICY_PATH,
    METRICS_PATH,
    PROJECT,
    TENANT_BUCKETS,
    GcsEmulator,
    build_tenant,
    chain,
    deny_iam_of,
    gcs,
    gcs_emulator,
    google_env,
    key_path,
    project_apis,
    replay,
)
from tests.support.http_proxy import RecordingProxy
from tests.support.network import free_port

P, U, E, L = TENANT_BUCKETS  # phi-paris, public-us, backup-eur4, scans-london
EXPECTED: dict[str, dict[str, str]] = {
    "storage.encryption-at-rest": {P: "PASS", U: "PASS", E: "PASS", L: "PASS"},
    "storage.customer-managed-key": {P: "PASS", U: "FAIL", E: "FAIL", L: "FAIL"},
    "storage.versioning": {P: "PASS", U: "FAIL", E: "PASS", L: "FAIL"},
    "storage.object-lock": {P: "PASS", U: "FAIL", E: "PASS", L: "FAIL"},
    "storage.replication": {P: "FAIL", U: "PASS", E: "PASS", L: "FAIL"},
    "storage.access-logging": {P: "PASS", U: "FAIL", E: "FAIL", L: "FAIL"},
    "storage.no-public-grants": {P: "PASS", U: "FAIL", E: "PASS", L: "ERROR"},
    "storage.region-allowed": {P: "PASS", U: "FAIL", E: "PASS", L: "FAIL"},
    "storage.replica-region-allowed": {P: "PASS", U: "PASS", E: "PASS", L: "PASS"},
    "storage.https-only": {P: "PASS", U: "PASS", E: "PASS", L: "PASS"},
    "storage.min-tls-1-2": {P: "NOT_APPLICABLE", U: "NOT_APPLICABLE", E: "NOT_APPLICABLE", L: "NOT_APPLICABLE"},
    "storage.public-access-blocked": {P: "PASS", U: "FAIL", E: "PASS", L: "FAIL"},
    "storage.object-audit-logging": {P: "PASS", U: "PASS", E: "PASS", L: "PASS"},
    "gcp.uniform-bucket-access": {P: "PASS", U: "FAIL", E: "PASS", L: "PASS"},
    "gcp.iam-allowed-domains": {P: "PASS", U: "FAIL", E: "PASS", L: "ERROR"},
    "storage.soft-delete": {P: "PASS", U: "FAIL", E: "PASS", L: "PASS"},
    "gcp.retention-policy-locked": {P: "PASS", U: "FAIL", E: "FAIL", L: "FAIL"},
    "storage.lifecycle": {P: "PASS", U: "FAIL", E: "FAIL", L: "FAIL"},
    "storage.double-encryption": {P: "NOT_APPLICABLE", U: "NOT_APPLICABLE", E: "NOT_APPLICABLE", L: "NOT_APPLICABLE"},
    "storage.key-rotation": {P: "PASS", U: "NOT_APPLICABLE", E: "NOT_APPLICABLE", L: "NOT_APPLICABLE"},
    # the project itself (recorded: no organization-wide prevention, EU only, no uniform access
    # requirement, an active HMAC key, an alert on bucket IAM changes that notifies no one)
    "gcp.org-policy-public-access-prevention": {PROJECT: "FAIL"},
    "gcp.org-policy-resource-locations": {PROJECT: "PASS"},
    "gcp.org-policy-uniform-bucket-access": {PROJECT: "FAIL"},
    "gcp.no-active-hmac-keys": {PROJECT: "FAIL"},
    "storage.access-change-alert": {PROJECT: "FAIL"},
}

NOT_CHECKED_ON_GCS = (
    "storage.backup-coverage", "storage.audit-log-immutable",
    "storage.sensitive-data-discovery", "storage.threat-detection", "storage.private-network-only",
    "storage.no-cross-account-access",
)
"""Shared rules whose facts the GCP adapter does not read yet (other Google APIs): limited to the
clouds that collect them, they give GCS buckets no finding at all, rather than ERROR 'not
collected' on every bucket (their descriptions say what GCS would need)."""


@pytest.fixture
def practice(gcs: GcsEmulator, google_env: pytest.MonkeyPatch) -> Iterator[RecordingProxy]:
    build_tenant(gcs)
    proxy = RecordingProxy(gcs.port, respond=chain(deny_iam_of(DENIED_IAM_BUCKET), project_apis())).start()
    google_env.setenv("STORAGE_EMULATOR_HOST", proxy.url)
    yield proxy
    proxy.stop()


@pytest.fixture
def config(tmp_path: Path) -> Path:
    path = tmp_path / "tenants.yaml"
    path.write_text(
        "version: 1\n"
        "tenants:\n"
        "  - name: cabinet-martin\n"
        f"    accounts: [{{provider: gcp, projects: [{PROJECT}]}}]\n"
        "    params: {allowed_domains: [cabinet-martin.fr]}\n"
    )
    return path


def test_a_scan_gives_the_right_status_for_every_rule_and_bucket(cli, practice, config):
    result = cli("scan", "--provider", "gcp", "--config", str(config), "--format", "json")
    assert result.code == 1, result.err
    document = result.json()
    schema = json.loads((REPO / "cloudaudit/schemas/findings.schema.json").read_text())
    jsonschema.validate(document, schema)

    seen = {(f["rule"]["id"], f["resource"]["name"]): f for f in document["findings"]}
    for rule_id, statuses in EXPECTED.items():
        for bucket, status in statuses.items():
            assert seen[(rule_id, bucket)]["status"] == status, (rule_id, bucket, seen[(rule_id, bucket)]["message"])
    assert {rule for rule, _ in seen} == set(EXPECTED), "a rule gave GCS findings that the table does not expect"
    assert not {rule for rule, _ in seen} & set(NOT_CHECKED_ON_GCS)
    assert all(f["resource"]["provider"] == "gcp" and f["resource"]["account"] == PROJECT for f in document["findings"])
    assert document["scan"]["accounts"] and document["errors"] == []

    denied = seen[("storage.no-public-grants", DENIED_IAM_BUCKET)]["message"]
    assert "storage.buckets.getIamPolicy: HTTP 403 forbidden" in denied
    public = seen[("storage.no-public-grants", "public-us")]
    assert public["resource"]["id"] == "gs://public-us"
    assert "readable by anyone now: true" in public["message"]
    assert "gcloud storage buckets remove-iam-policy-binding" in public["remediation"]
    assert {"framework": "cis-gcp", "control": "5.1"} in public["compliance"]

    project = seen[("gcp.no-active-hmac-keys", PROJECT)]
    assert project["resource"]["id"] == f"//cloudresourcemanager.googleapis.com/projects/{PROJECT}"
    assert project["resource"]["type"] == "cloud.account"
    assert "legacy-sync@" in project["message"], project["message"]
    assert "gcloud storage hmac" in project["remediation"]
    https = seen[("storage.https-only", "phi-paris")]
    assert "storage.secureHttpTransport" in https["message"]
    audit = seen[("storage.object-audit-logging", "phi-paris")]
    assert {"framework": "cis-gcp", "control": "2.1"} in audit["compliance"]
    rotation = seen[("storage.key-rotation", "phi-paris")]
    assert rotation["message"].startswith(f"{CMEK} rotates within 90 days (rotation period in days: 90, next rotation: 20"), rotation["message"]
    assert {"framework": "cis-gcp", "control": "1.10"} in rotation["compliance"]
    assert "gcloud kms keys update KEY" in rotation["remediation"]
    alert = seen[("storage.access-change-alert", PROJECT)]
    assert alert["message"].endswith("storage.setIamPermissions on gcs_bucket: bucket-iam-changes"), alert["message"]
    assert {"framework": "cis-gcp", "control": "2.10"} in alert["compliance"]
    assert "gcloud logging metrics create" in alert["remediation"]


def test_the_scan_sends_no_mutating_request(cli, practice, config):
    """GETs (Cloud Storage, Org Policy, Cloud KMS, Logging, Monitoring), and one POST: projects.getIamPolicy, a read whose options travel in a body (see
    test_gcp_emulator.test_the_scan_only_reads)."""
    practice.clear()
    cli("scan", "--provider", "gcp", "--config", str(config), "--format", "json")
    assert practice.requests, "the scan went nowhere"
    posts = [(r.path, json.loads(r.body)) for r in practice.requests if r.method != "GET"]
    assert posts == [(IAM_POLICY_PATH, {"options": {"requestedPolicyVersion": 3}})]
    gets = {r.path.split("?")[0] for r in practice.requests if r.method == "GET"}
    assert {key_path(CMEK), METRICS_PATH, ALERT_POLICIES_PATH} <= gets, "Cloud KMS, Logging and Monitoring are read too"


def test_collect_then_evaluate_offline_gives_the_same_statuses(cli, practice, config, tmp_path):
    inventory = tmp_path / "inventory.json"
    collected = cli("collect", "--provider", "gcp", "--gcp-project", PROJECT, "-o", str(inventory))
    assert collected.code == 0, collected.err
    practice.clear()
    result = cli("evaluate", str(inventory), "--config", str(config), "--format", "json")
    assert practice.requests == []
    statuses = {(f["rule"]["id"], f["resource"]["name"]): f["status"] for f in result.json()["findings"]}
    assert statuses[("gcp.iam-allowed-domains", "public-us")] == "FAIL"
    assert statuses[("gcp.iam-allowed-domains", DENIED_IAM_BUCKET)] == "ERROR"


# -- credentials -------------------------------------------------------------------------------


def test_no_credentials_is_one_clear_line_and_exit_3(google_env, tmp_path):
    result = run_cli_process("scan", "--provider", "gcp", "--gcp-project", PROJECT, "--format", "json", env={"HOME": str(tmp_path)})
    assert result.code == 3, result.err
    lines = result.err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("gcp: no credentials found"), result.err
    assert "Traceback" not in result.err


def _key_file(tmp_path: Path, token_uri: str) -> Path:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    path = tmp_path / "scanner-key.json"
    path.write_text(json.dumps({
        "type": "service_account",
        "project_id": PROJECT,
        "private_key_id": "0f1e2d3c",
        "private_key": pem.decode("ascii"),
        "client_email": f"scanner@{PROJECT}.iam.gserviceaccount.com",
        "client_id": "104242424242424242424",
        "token_uri": token_uri,
    }))
    return path


def test_revoked_key_is_one_clear_line_and_exit_3(cli, google_env, tmp_path):
    refused = {"/token": (400, {"error": "invalid_grant", "error_description": "Invalid JWT Signature."})}
    token_server = replay(refused).start()
    try:
        google_env.setenv("API_ENDPOINT_OVERRIDE", f"http://127.0.0.1:{free_port()}")
        key = _key_file(tmp_path, f"{token_server.url}/token")
        result = cli("scan", "--provider", "gcp", "--gcp-credentials-file", str(key), "--format", "json")
    finally:
        token_server.stop()
    assert result.code == 3
    assert result.err.startswith("gcp: the credentials have expired or were revoked"), result.err
    assert len(result.err.strip().splitlines()) == 1
    assert "PRIVATE KEY" not in result.err + result.out
    assert [(r.method, r.path) for r in token_server.requests] == [("POST", "/token")]


def test_a_file_that_is_not_a_key_is_bad_input(cli, google_env, tmp_path):
    bogus = tmp_path / "notes.json"
    bogus.write_text('{"hello": "world"}')
    result = cli("scan", "--provider", "gcp", "--gcp-credentials-file", str(bogus), "--gcp-project", PROJECT)
    assert result.code == 2
    assert result.err.strip() == f"--gcp-credentials-file {bogus}: not a service-account key file (expected the JSON key with type service_account, client_email and private_key)"


def test_a_missing_key_file_is_bad_input(cli, google_env, tmp_path):
    result = cli("scan", "--provider", "gcp", "--gcp-credentials-file", str(tmp_path / "absent.json"), "--gcp-project", PROJECT)
    assert result.code == 2
    assert "cannot read the file" in result.err


def test_an_unreachable_endpoint_is_one_line_and_exit_3(cli, google_env, monkeypatch):
    import cloudaudit.providers.gcp.session as session

    monkeypatch.setattr(session, "RETRY_DEADLINE_SECONDS", 0.5)
    google_env.setenv("STORAGE_EMULATOR_HOST", f"http://127.0.0.1:{free_port()}")
    result = cli("scan", "--provider", "gcp", "--gcp-project", PROJECT, "--format", "json")
    assert result.code == 3
    assert result.err.startswith("gcp: cannot reach the Cloud Storage endpoint (http://127.0.0.1:"), result.err

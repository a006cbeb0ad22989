"""`cloudaudit scan --provider azure` end to end: the CLI, the real SDK over HTTP, the local ARM
server, the rules and the JSON document, for a tenant whose every status is known."""

from __future__ import annotations

import json
from importlib import resources

import jsonschema
import pytest

from tests.support.arm_server import (  # noqa: F401 - fixtures
    LAB,
    MAIN,
    TOKEN,
    ArmServer,
    arm,
    arm_server,
    isolated_azure_env,
)

P, F, E, NA = "PASS", "FAIL", "ERROR", "NOT_APPLICABLE"

ACCOUNT_RULES = (
    "storage.encryption-at-rest", "storage.customer-managed-key", "storage.double-encryption",
    "storage.https-only", "storage.min-tls-1-2", "storage.region-allowed", "storage.replica-region-allowed",
    "storage.versioning", "storage.access-logging", "storage.object-audit-logging", "storage.threat-detection",
    "storage.sensitive-data-discovery", "storage.private-network-only", "storage.backup-coverage", "storage.lifecycle",
    "azure.blob-anonymous-access-disabled", "azure.cross-tenant-replication-disabled", "azure.shared-key-access-disabled",
    "azure.access-key-rotation", "azure.sas-expiry-policy", "azure.network-default-deny", "storage.private-endpoint",
    "storage.soft-delete", "azure.container-soft-delete", "azure.geo-redundant-storage", "azure.delete-lock",
    "storage.key-rotation",
)
SUBSCRIPTION_RULES = ("azure.allowed-locations-policy", "storage.access-change-alert")


def statuses(rules: tuple[str, ...], default: str, **others: str) -> dict[str, str]:
    """Every rule at `default`, except those named (with - for . in their ids)."""
    named = {rule: others.pop(rule.replace(".", "_").replace("-", "_"), default) for rule in rules}
    assert not others, f"not rules of this type: {others}"
    return named


def container(not_public: str, object_lock: str, log_immutable: str = NA) -> dict[str, str]:
    return {"azure.container-not-public": not_public, "storage.object-lock": object_lock, "storage.audit-log-immutable": log_immutable}


def share(soft_delete: str, smb: str) -> dict[str, str]:
    return {"azure.share-soft-delete": soft_delete, "azure.smb-hardened": smb}


EXPECTED = {
    "cabinet-martin": statuses(SUBSCRIPTION_RULES, F),
    "cabinet-martin-lab": statuses(SUBSCRIPTION_RULES, P),
    # Its Key Vault key's rotation policy is not readable with a Resource Manager token.
    "phisecure": statuses(ACCOUNT_RULES, P, azure_access_key_rotation=NA, azure_sas_expiry_policy=NA, storage_key_rotation=E),
    "phisecure/dossiers": container(P, P),
    "phisecure/archives": container(P, P),
    "phisecure/scans": container(P, F),
    "phisecure/insights-logs-storagewrite": container(P, P, P),
    "phisecure/compta": share(P, P),
    "legacyuk": statuses(ACCOUNT_RULES, F, storage_encryption_at_rest=P, azure_geo_redundant_storage=P, storage_key_rotation=NA),
    "legacyuk/public-site": container(F, F),
    "legacyuk/exports": container(F, F),
    "legacyuk/insights-logs-storageread": container(P, F, F),
    "legacyuk/scans": share(F, F),
    # Its blob service and diagnostic settings are forbidden (403): those rules are ERROR,
    # the rest is judged on what the account listing and the file service told.
    "phidenied": statuses(
        ACCOUNT_RULES, F,
        storage_encryption_at_rest=P, storage_https_only=P, storage_region_allowed=P, storage_replica_region_allowed=P,
        azure_blob_anonymous_access_disabled=P, azure_network_default_deny=P, azure_delete_lock=P,
        storage_versioning=E, storage_access_logging=E, storage_object_audit_logging=E,
        storage_soft_delete=E, azure_container_soft_delete=E, storage_key_rotation=NA,
    ),
    "labfiles": statuses(
        ACCOUNT_RULES, F,
        storage_encryption_at_rest=P, storage_https_only=P, storage_min_tls_1_2=P, storage_region_allowed=P,
        storage_replica_region_allowed=P, azure_blob_anonymous_access_disabled=P, azure_cross_tenant_replication_disabled=P,
        azure_access_key_rotation=P, azure_sas_expiry_policy=P, azure_network_default_deny=P,
        storage_threat_detection=P, storage_sensitive_data_discovery=P,
        storage_soft_delete=NA, azure_container_soft_delete=NA, storage_key_rotation=NA,
    ),
    "labfiles/imaging": share(P, NA),
    "labfiles/reports": share(P, F),
}


def statuses_of(document: dict) -> dict[str, dict[str, str]]:
    """Resource name -> rule id -> status, from a findings document."""
    seen: dict[str, dict[str, str]] = {}
    for finding in document["findings"]:
        seen.setdefault(finding["resource"]["name"], {})[finding["rule"]["id"]] = finding["status"]
    return seen


def scan(cli, server: ArmServer, *extra: str):
    return cli("scan", "--provider", "azure", "--azure-arm-endpoint", server.url, "--azure-access-token", TOKEN, "--format", "json", *extra)


@pytest.fixture
def throttled(arm: ArmServer) -> ArmServer:
    """The practice tenant, whose lab subscription answers its first account listing with 429."""
    arm.tenant.throttled_once.append(f"/subscriptions/{LAB}/providers/Microsoft.Storage/storageAccounts")
    return arm


def test_every_rule_gives_the_known_status_for_every_account_container_and_share(cli, throttled):
    result = scan(cli, throttled)
    assert result.code == 1, result.err
    document = result.json()
    schema = json.loads(resources.files("cloudaudit").joinpath("schemas/findings.schema.json").read_text("utf-8"))
    jsonschema.Draft202012Validator(schema).validate(document)

    assert statuses_of(document) == EXPECTED

    assert document["scan"]["providers"] == ["azure"]
    assert {a["id"] for a in document["scan"]["accounts"]} >= {MAIN, LAB}
    scopes = sorted(error["scope"].rsplit("/", 2)[-2] if "/" in error["scope"] else error["scope"] for error in document["errors"])
    assert scopes == ["default", "default", "subscription"]  # phidenied's containers and shares; the disabled subscription


def test_findings_carry_the_resource_and_what_was_seen(cli, arm):
    document = scan(cli, arm).json()
    finding = next(f for f in document["findings"] if f["rule"]["id"] == "storage.min-tls-1-2" and f["resource"]["name"] == "phidenied")
    assert finding["resource"] == {
        "provider": "azure", "type": "storage.account", "name": "phidenied", "account": MAIN, "region": "francecentral",
        "id": f"/subscriptions/{MAIN}/resourceGroups/rg-phi/providers/Microsoft.Storage/storageAccounts/phidenied",
    }
    assert finding["message"] == "minimum TLS version is 1.1 (expected 1.2 or later)"
    assert finding["rule"]["control"] == "STG-TLS-02"
    denied = next(f for f in document["findings"] if f["rule"]["id"] == "storage.versioning" and f["resource"]["name"] == "phidenied")
    assert "storage:BlobServices_GetServiceProperties: HTTP 403 AuthorizationFailed" in denied["message"]
    public = next(f for f in document["findings"] if f["resource"]["name"] == "legacyuk/public-site" and f["rule"]["id"] == "azure.container-not-public")
    assert public["severity"] == "critical"
    assert {"framework": "cis-azure", "control": "3.17"} in public["compliance"]


def test_unreadable_activity_log_alerts_give_an_error_naming_the_call(cli, arm):
    arm.tenant.forbidden.append(f"/subscriptions/{MAIN}/providers/Microsoft.Insights/activityLogAlerts")
    document = scan(cli, arm, "--rule", "storage.access-change-alert").json()
    found = {f["resource"]["name"]: f for f in document["findings"]}
    assert (found["cabinet-martin"]["status"], found["cabinet-martin-lab"]["status"]) == (E, P)
    assert "insights:ActivityLogAlerts_ListBySubscriptionId: HTTP 403 AuthorizationFailed" in found["cabinet-martin"]["message"]
    assert found["cabinet-martin-lab"]["message"] == "activity-log alerts with an action group fire on storage account changes: storage-changes"
    # Only what the rule reads: the subscriptions and their alerts, no storage account.
    assert not [r for r in arm.requests if "Microsoft.Storage" in r.path]


def test_a_scan_only_reads(cli, throttled):
    scan(cli, throttled)
    assert throttled.requests
    assert {r.method for r in throttled.requests} == {"GET"}
    secret_calls = ("listkeys", "regeneratekey", "listaccountsas", "listservicesas", "/register", "restoreblobranges")
    assert not [r.path for r in throttled.requests if any(word in r.path.lower() for word in secret_calls)]


def test_the_token_never_appears_in_the_output(cli, arm, monkeypatch):
    monkeypatch.setenv("AZURE_ACCESS_TOKEN", TOKEN)
    result = cli("scan", "--provider", "azure", "--azure-arm-endpoint", arm.url, "--format", "json")
    assert result.code == 1 and result.json()["findings"]
    assert TOKEN not in result.out and TOKEN not in result.err


def test_an_environment_variable_alone_names_no_cloud(cli, monkeypatch):
    monkeypatch.setenv("AZURE_ACCESS_TOKEN", "token-from-the-environment")
    result = cli("scan", "--format", "json")
    assert result.code == 2
    assert "no cloud to scan" in result.err


def test_collect_then_evaluate_offline_gives_the_same_statuses(cli, arm, tmp_path):
    inventory = tmp_path / "azure.json"
    collected = cli("collect", "--provider", "azure", "--azure-arm-endpoint", arm.url, "--azure-access-token", TOKEN, "-o", str(inventory))
    assert collected.code == 0, collected.err
    assert TOKEN not in inventory.read_text()
    requests = len(arm.requests)
    evaluated = cli("evaluate", str(inventory), "--format", "json")
    assert len(arm.requests) == requests
    assert statuses_of(evaluated.json()) == EXPECTED


def test_a_config_file_names_the_subscription_and_outranks_the_environment(cli, arm, tmp_path, monkeypatch):
    monkeypatch.setenv("AZURE_ACCESS_TOKEN", "stale-token-from-the-environment")
    config = tmp_path / "tenants.yaml"
    config.write_text(
        "version: 1\n"
        "tenants:\n"
        "  - name: cabinet-martin\n"
        "    accounts:\n"
        f"      - {{provider: azure, subscriptions: ['{LAB}'], arm_endpoint: '{arm.url}', access_token: '{TOKEN}'}}\n"
    )
    result = cli("scan", "--config", str(config), "--format", "json")
    assert result.code == 1, result.err
    document = result.json()
    assert {f["resource"]["account"] for f in document["findings"]} == {LAB}
    assert document["scan"]["tenant"] == "cabinet-martin"


def test_the_example_inventory_evaluates_offline(cli):
    """examples/azure-inventory.json is this tenant, collected: `cloudaudit evaluate` runs it."""
    from tests.conftest import REPO

    result = cli("evaluate", str(REPO / "examples" / "azure-inventory.json"), "--format", "json")
    assert result.code == 1, result.err
    assert statuses_of(result.json()) == EXPECTED

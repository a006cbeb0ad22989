"""Data-plane mode against Azurite: what a connection string shows is judged, what it cannot
show is ERROR "not visible with data-plane access", and the key never leaves the process."""

from __future__ import annotations

from typing import Iterator

import pytest
from azure.storage.blob import (
    BlobAnalyticsLogging,
    BlobServiceClient,
    CorsRule,
    RetentionPolicy,
    StaticWebsite,
)

from cloudaudit.progress import Progress
from cloudaudit.providers.azure.provider import AzureProvider
from cloudaudit.providers.interface import CollectionPlan
from cloudaudit.vocabulary import vocabulary
from tests.support.arm_server import isolated_azure_env  # noqa: F401 - fixture
from tests.support.azurite import ACCOUNT, KEY, Azurite, azurite  # noqa: F401 - fixture
from tests.support.http_proxy import RecordingProxy

NOT_VISIBLE = "not visible with data-plane access"


@pytest.fixture
def storage(azurite: Azurite, isolated_azure_env) -> Iterator[BlobServiceClient]:
    """Azurite holding a practice's blob service: three containers, known service properties."""
    client = BlobServiceClient.from_connection_string(azurite.connection_string())
    for existing in client.list_containers():
        client.delete_container(existing.name)
    client.create_container("dossiers")
    client.create_container("public-blob", public_access="blob")
    client.create_container("public-all", public_access="container")
    client.set_service_properties(
        analytics_logging=BlobAnalyticsLogging(read=False, write=False, delete=False, retention_policy=RetentionPolicy(enabled=False)),
        delete_retention_policy=RetentionPolicy(enabled=True, days=7),
        static_website=StaticWebsite(enabled=True, index_document="index.html"),
        cors=[CorsRule(["https://portail.cabinet-martin.fr"], ["GET"])],
    )
    yield client
    client.close()


def collect(settings: dict, plan: CollectionPlan = CollectionPlan()):
    return AzureProvider(settings, workers=4).collect(plan, Progress())


def by_name(result) -> dict:
    return {r.name: r for r in result.resources}


def test_the_blob_service_is_read_and_the_rest_is_not_visible(storage, azurite):
    result = collect({"connection_string": azurite.connection_string()})
    resources = by_name(result)
    account = resources[ACCOUNT]
    assert (account.type, account.id, account.account, account.region) == ("storage.account", azurite.blob_endpoint, ACCOUNT, None)
    assert account.properties["account"] == {"sku": "Standard_RAGRS", "kind": "StorageV2"}
    assert account.properties["replication"] == {"enabled": True, "zone_redundant": False, "read_access": True}
    assert account.properties["retention"] == {"soft_delete_days": 7}
    assert account.properties["web"] == {"static_website": True}
    assert account.properties["network"] == {"cors_allowed_origins": ["https://portail.cabinet-martin.fr"]}
    assert account.properties["logging"] == {"target": None, "classic": False}
    for path in ("transport.min_tls_version", "network.default_action", "encryption.key_source", "public_access.blocked",
                 "location.region", "versioning.enabled", "retention.container_soft_delete_days", "identity.shared_key_access"):
        assert account.errors[path] == NOT_VISIBLE, path
    assert account.errors["logging.access_logs"] == f"diagnostic settings: {NOT_VISIBLE}"
    assert [(i.scope, i.message) for i in result.issues] == [
        ("file shares", f"file shares are {NOT_VISIBLE} to the blob service: use management-plane mode")
    ]
    for resource in result.resources:
        assert vocabulary().unknown_paths(resource.type, resource.properties) == [], resource.name


def test_containers_and_their_public_access_level(storage, azurite):
    resources = by_name(collect({"connection_string": azurite.connection_string()}))
    private = resources[f"{ACCOUNT}/dossiers"]
    assert private.id == f"{azurite.blob_endpoint}/dossiers"
    assert private.properties["public_access"] == {"level": "none", "public": False}
    assert private.properties["retention"]["object_lock"] is False
    for name, level in (("public-blob", "blob"), ("public-all", "container")):
        container = resources[f"{ACCOUNT}/{name}"]
        assert container.properties["public_access"] == {"level": level}
        # Public or not depends on allowBlobPublicAccess, which the blob service does not tell.
        assert container.errors["public_access.public"] == f"allowBlobPublicAccess: {NOT_VISIBLE}"


def test_classic_logging_on_counts_as_access_logs(storage, azurite):
    storage.set_service_properties(analytics_logging=BlobAnalyticsLogging(read=True, write=True, delete=True, retention_policy=RetentionPolicy(enabled=True, days=30)))
    account = by_name(collect({"connection_string": azurite.connection_string()}))[ACCOUNT]
    assert account.properties["logging"] == {"access_logs": True, "target": "$logs", "classic": True}


def test_a_scan_never_claims_what_it_cannot_see(cli, storage, azurite):
    result = cli("scan", "--provider", "azure", "--azure-connection-string", azurite.connection_string(), "--format", "json")
    assert result.code == 1, result.err
    document = result.json()
    statuses = {(f["resource"]["name"], f["rule"]["id"]): (f["status"], f["message"]) for f in document["findings"]}
    account_findings = {rule: status for (name, rule), (status, _) in statuses.items() if name == ACCOUNT}
    # Only what the blob service tells can pass or fail; everything else is ERROR.
    assert {rule for rule, status in account_findings.items() if status != "ERROR"} == {"storage.soft-delete", "azure.geo-redundant-storage"}
    assert account_findings["storage.soft-delete"] == "PASS" and account_findings["azure.geo-redundant-storage"] == "PASS"
    status, message = statuses[(ACCOUNT, "storage.min-tls-1-2")]
    assert status == "ERROR" and NOT_VISIBLE in message
    assert statuses[(f"{ACCOUNT}/dossiers", "azure.container-not-public")][0] == "PASS"
    assert statuses[(f"{ACCOUNT}/dossiers", "storage.object-lock")][0] == "FAIL"
    assert statuses[(f"{ACCOUNT}/public-blob", "azure.container-not-public")][0] == "ERROR"
    assert statuses[(f"{ACCOUNT}/public-all", "azure.container-not-public")][0] == "ERROR"
    assert not [name for name, _ in statuses if name.count("/") and name.split("/")[1] not in ("dossiers", "public-blob", "public-all")]


def test_the_key_never_appears_anywhere(cli, storage, azurite, tmp_path, monkeypatch):
    connection_string = azurite.connection_string()
    monkeypatch.setenv("AZURE_STORAGE_CONNECTION_STRING", connection_string)
    inventory = tmp_path / "inventory.json"
    collected = cli("collect", "--provider", "azure", "-o", str(inventory))
    scanned = cli("scan", "--provider", "azure", "--format", "json")
    table = cli("scan", "--provider", "azure", "--format", "table", "--show-passed")
    assert collected.code == 0 and scanned.code == 1 and table.code == 1
    texts = [inventory.read_text(), collected.out, collected.err, scanned.out, scanned.err, table.out, table.err]
    for text in texts:
        assert KEY not in text and KEY[:20] not in text and "AccountKey" not in text


def test_a_wrong_key_stops_the_scan_without_showing_it(cli, storage, azurite):
    wrong = "d3Jvbmcta2V5LW5vdC10aGUtcmVhbC1vbmUtMDEyMzQ1Njc4OWFiY2RlZg=="
    result = cli("scan", "--provider", "azure", "--azure-connection-string", azurite.connection_string(key=wrong), "--format", "json")
    assert result.code == 3
    assert f"azure: {azurite.blob_endpoint} refused the credential" in result.err
    assert wrong not in result.err and wrong not in result.out and "AccountKey" not in result.err


def test_a_malformed_connection_string_names_the_option_not_the_value(cli, isolated_azure_env):
    result = cli("scan", "--provider", "azure", "--azure-connection-string", "AccountKey=c2VjcmV0;nothing-else", "--format", "json")
    assert result.code == 2
    assert "--azure-connection-string: not a storage connection string" in result.err
    assert "c2VjcmV0" not in result.err


def test_data_plane_mode_only_reads(storage, azurite):
    proxy = RecordingProxy(azurite.port).start()
    try:
        endpoint = f"http://127.0.0.1:{proxy.port}/{ACCOUNT}"
        result = collect({"connection_string": azurite.connection_string(endpoint)})
    finally:
        proxy.stop()
    assert len(result.resources) == 4
    assert proxy.requests and {r.method for r in proxy.requests} == {"GET"}
    assert dict(result.api_calls) == {"blob:GetAccountInformation": 1, "blob:GetServiceProperties": 1, "blob:ListContainers": 1}


def test_an_account_url_with_a_sas_reads_the_same_and_hides_the_signature(cli, storage, azurite):
    from datetime import datetime, timedelta, timezone

    from azure.storage.blob import AccountSasPermissions, ResourceTypes, generate_account_sas

    sas = generate_account_sas(ACCOUNT, KEY, ResourceTypes(service=True, container=True, object=True),
                               AccountSasPermissions(read=True, list=True), datetime.now(timezone.utc) + timedelta(hours=1))
    signature = dict(part.split("=", 1) for part in sas.split("&"))["sig"]
    result = cli("scan", "--provider", "azure", "--azure-account-url", f"{azurite.blob_endpoint}?{sas}", "--format", "json")
    assert result.code == 1, result.err
    document = result.json()
    names = {f["resource"]["name"] for f in document["findings"]}
    assert {ACCOUNT, f"{ACCOUNT}/dossiers", f"{ACCOUNT}/public-blob", f"{ACCOUNT}/public-all"} <= names
    assert {f["resource"]["id"] for f in document["findings"] if f["resource"]["name"] == ACCOUNT} == {azurite.blob_endpoint}
    assert signature not in result.out and signature not in result.err and "sig=" not in result.out

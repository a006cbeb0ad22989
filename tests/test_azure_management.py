"""The management-plane adapter through the real azure-mgmt-storage SDK, over HTTP, against a
local ARM server answering ARM-shaped JSON for a practice tenant with known settings."""

from __future__ import annotations

import time

import pytest
from azure.core.credentials import AccessToken

from cloudaudit.errors import InputError, ScanCannotRun
from cloudaudit.model import Resource
from cloudaudit.progress import Progress
from cloudaudit.providers.azure.provider import AzureProvider
from cloudaudit.providers.interface import CollectionPlan, CollectionResult
from cloudaudit.vocabulary import vocabulary
from tests.support.arm_server import (  # noqa: F401 - fixtures
    CLOSED,
    LAB,
    MAIN,
    TOKEN,
    VAULT,
    STORAGE_WRITE,
    WORKSPACE,
    ArmServer,
    activity_log_alert,
    rotation_policy,
    arm,
    arm_server,
    isolated_azure_env,
)
from tests.support.network import free_port


LAB_ACCOUNTS = f"/subscriptions/{LAB}/providers/Microsoft.Storage/storageAccounts"
LAB_GROUP = f"/subscriptions/{LAB}/resourceGroups/rg-lab"


def collect(server: ArmServer, plan: CollectionPlan = CollectionPlan(), **settings) -> CollectionResult:
    settings = {"arm_endpoint": server.url, "access_token": TOKEN, **settings}
    return AzureProvider(settings, workers=4).collect(plan, Progress())


def by_name(result: CollectionResult) -> dict[str, Resource]:
    return {r.name: r for r in result.resources}


def test_a_well_kept_account_is_read_and_normalised(arm, signed_in):
    account = by_name(collect(arm))["phisecure"]
    assert account.type == "storage.account"
    assert account.id == f"/subscriptions/{MAIN}/resourceGroups/rg-phi/providers/Microsoft.Storage/storageAccounts/phisecure"
    assert (account.account, account.region, dict(account.tags)) == (MAIN, "francecentral", {"data": "phi"})
    assert account.errors == {}
    p = account.properties
    assert p["location"] == {"region": "francecentral", "replica_regions": ["francesouth"], "data_regions": ["francecentral", "francesouth"]}
    assert p["account"] == {"kind": "StorageV2", "sku": "Standard_RAGZRS", "access_tier": "Hot"}
    assert p["replication"] == {"enabled": True, "zone_redundant": True, "read_access": True, "cross_tenant_allowed": False}
    assert p["transport"] == {"https_only": True, "min_tls_version": "1.2", "smb_versions": ["SMB3.1.1"], "smb_channel_encryption": ["AES-256-GCM"]}
    assert p["public_access"] == {"anonymous_allowed": False, "blocked": True}
    assert p["encryption"] == {
        "at_rest": True, "algorithm": "AES256", "key_source": "Microsoft.Keyvault", "key_managed_by": "customer",
        "key_id": f"{VAULT}/keys/phi-key", "double": True, "key_rotation": True,
    }
    identity = p["identity"]
    assert identity["shared_key_access"] is False and identity["default_oauth"] is True
    assert identity["key_expiration_days"] == 90 and 19 <= identity["key_age_days"] <= 21
    assert (identity["sas_expiration_seconds"], identity["sas_expiration_action"]) == (3600, "Block")
    network = p["network"]
    assert (network["public_network_access"], network["public_access"], network["default_action"]) == ("Disabled", False, "deny")
    assert network["bypass"] == ["AzureServices"] and network["private_endpoint_approved"] is True
    assert network["private_endpoints"][0]["status"] == "Approved"
    assert p["versioning"] == {"enabled": True, "status": "Enabled", "change_feed": True}
    assert p["retention"] == {
        "soft_delete_days": 14, "container_soft_delete_days": 14, "share_soft_delete_days": 14, "point_in_time_restore_days": 7,
        "version_immutability": True, "default_policy_days": 30, "default_policy_state": "Unlocked",
    }
    assert p["logging"] == {"access_logs": True, "object_audit": True, "target": WORKSPACE}
    # Its own Defender settings override the subscription's Free plan; a Backup vault protects it.
    assert p["threat_detection"] == {"enabled": True, "malware_scanning": True}
    assert p["data_discovery"] == {"enabled": True}
    assert p["backup"] == {"protected": True}
    assert p["lifecycle"] == {"enabled": True, "rule_count": 1}
    assert p["lock"] == {"delete_protected": True, "level": "CanNotDelete"}


def test_unset_arm_properties_read_as_their_unsafe_defaults(arm):
    """Old accounts leave properties out; ARM's default interpretation then is the weak one."""
    p = by_name(collect(arm))["legacyuk"].properties
    assert p["transport"]["min_tls_version"] == "1.0" and p["transport"]["https_only"] is False
    assert p["public_access"] == {"anonymous_allowed": True, "blocked": False}
    assert p["replication"]["cross_tenant_allowed"] is True
    assert p["identity"] == {
        "shared_key_access": True, "default_oauth": False, "key_expiration_days": None, "key_age_days": None,
        "sas_expiration_seconds": None, "sas_expiration_action": None,
    }
    assert p["network"]["public_network_access"] == "Enabled" and p["network"]["cors_allowed_origins"] == ["*"]
    assert p["location"]["replica_regions"] == ["ukwest"]
    assert p["transport"]["smb_versions"] == ["SMB2.1", "SMB3.0", "SMB3.1.1"]
    assert p["retention"]["soft_delete_days"] is None and p["lifecycle"] == {"enabled": False, "rule_count": 0}
    assert p["lock"] == {"delete_protected": False, "level": None}
    assert p["logging"] == {"access_logs": False, "object_audit": False, "target": None}
    assert p["threat_detection"]["enabled"] is False and p["backup"] == {"protected": False}


def test_a_container_is_public_only_when_its_account_allows_it(arm):
    resources = by_name(collect(arm))
    assert resources["legacyuk/public-site"].properties["public_access"] == {"level": "container", "account_allows_anonymous": True, "public": True}
    assert resources["legacyuk/exports"].properties["public_access"] == {"level": "blob", "account_allows_anonymous": True, "public": True}
    assert resources["phisecure/scans"].properties["public_access"] == {"level": "blob", "account_allows_anonymous": False, "public": False}
    container = resources["phisecure/scans"]
    assert container.type == "storage.container" and container.region == "francecentral"
    assert container.id.endswith("/storageAccounts/phisecure/blobServices/default/containers/scans")


def test_immutability_from_the_container_policy_or_the_account_default(arm):
    resources = by_name(collect(arm))
    assert resources["phisecure/dossiers"].properties["retention"] == {
        "object_lock": True, "mode": "COMPLIANCE", "days": 365, "locked": True, "policy_state": "Locked",
        "legal_hold": False, "version_immutability": False,
    }
    # The list did not carry the policy's period: one BlobContainers_Get read it.
    gets = [r.path for r in arm.requests if r.path.endswith("/containers/dossiers")]
    assert len(gets) == 1
    assert resources["phisecure/archives"].properties["retention"]["mode"] == "GOVERNANCE"
    assert resources["phisecure/archives"].properties["retention"]["days"] == 30
    assert resources["phisecure/scans"].properties["retention"]["object_lock"] is False


def test_shares_carry_their_own_settings_and_their_file_service(arm):
    resources = by_name(collect(arm))
    imaging = resources["labfiles/imaging"]
    assert imaging.type == "storage.share"
    assert imaging.properties["share"] == {"protocol": "NFS", "root_squash": "RootSquash", "quota_gib": 100, "access_tier": "Premium"}
    assert imaging.properties["retention"] == {"soft_delete_days": 30}
    reports = resources["labfiles/reports"].properties
    assert reports["share"]["protocol"] == "SMB" and reports["share"]["root_squash"] is None
    assert reports["transport"] == {"smb_versions": ["SMB3.0", "SMB3.1.1"], "smb_channel_encryption": ["AES-128-GCM", "AES-256-GCM"]}
    # A premium file-shares account has no blob service: no container listing, no blob call;
    # its access logs are the file service's diagnostic settings.
    assert not [r for r in arm.requests if "/labfiles/blobServices" in r.path]
    assert [r for r in arm.requests if r.path.endswith("/labfiles/fileServices/default/providers/Microsoft.Insights/diagnosticSettings")]


def test_a_forbidden_sub_resource_makes_only_its_facts_unreadable(arm):
    result = collect(arm)
    account = by_name(result)["phidenied"]
    blob_paths = {"versioning.enabled", "versioning.status", "versioning.change_feed", "retention.soft_delete_days",
                  "retention.container_soft_delete_days", "retention.point_in_time_restore_days", "network.cors_allowed_origins"}
    assert set(account.errors) == blob_paths | {"logging.access_logs", "logging.object_audit", "logging.target"}
    assert account.errors["versioning.enabled"].startswith("storage:BlobServices_GetServiceProperties: HTTP 403 AuthorizationFailed")
    # What came with the account listing, and the file service, still read.
    assert account.properties["transport"]["min_tls_version"] == "1.1"
    assert account.properties["retention"]["share_soft_delete_days"] == 7
    assert account.properties["identity"]["key_age_days"] >= 399
    scopes = {issue.scope: issue.message for issue in result.issues}
    containers = f"{account.id}/blobServices/default/containers"
    assert scopes[containers].startswith("storage:BlobContainers_List: HTTP 403 AuthorizationFailed")
    assert f"{account.id}/fileServices/default/shares" in scopes
    assert not [r for r in result.resources if r.name.startswith("phidenied/")]


def test_lists_are_followed_through_next_link(arm):
    result = collect(arm)
    account_pages = [r for r in arm.requests if r.path == f"/subscriptions/{MAIN}/providers/Microsoft.Storage/storageAccounts"]
    assert [r.query.get("$skiptoken") for r in account_pages] == [None, "2"]
    assert {"phisecure", "legacyuk", "phidenied"} <= set(by_name(result))
    assert {n for n in by_name(result) if n.startswith("phisecure/")} == {
        "phisecure/dossiers", "phisecure/archives", "phisecure/scans", "phisecure/insights-logs-storagewrite", "phisecure/compta"}
    assert result.api_calls["storage:StorageAccounts_List"] == 3  # MAIN: 2 pages, LAB: 1


def test_throttling_and_a_server_error_are_retried(arm):
    arm.tenant.throttled_once.append(LAB_ACCOUNTS)
    arm.tenant.unavailable_once.append(f"{LAB_GROUP}/providers/Microsoft.Storage/storageAccounts/labfiles/fileServices/default")
    result = collect(arm)
    lab_lists = [r for r in arm.requests if r.path == LAB_ACCOUNTS]
    assert len(lab_lists) == 2  # 429 with Retry-After, then the answer
    lab = by_name(result)["labfiles"]
    assert lab.errors == {}
    file_service = [r for r in arm.requests if r.path.endswith("/labfiles/fileServices/default")]
    assert len(file_service) == 2  # 503, then the answer
    assert lab.properties["retention"]["share_soft_delete_days"] == 30
    assert result.api_calls["storage:StorageAccounts_List"] == 3  # a retried request counts once


def test_subscriptions_listed_or_named(arm):
    result = collect(arm)
    assert [(a.id, a.name) for a in result.accounts] == [(MAIN, "cabinet-martin"), (LAB, "cabinet-martin-lab")]
    assert [(i.account, i.scope, i.message) for i in result.issues if i.scope == "subscription"] == [
        (CLOSED, "subscription", "skipped: the subscription is Disabled")
    ]
    arm.requests.clear()
    only_lab = collect(arm, subscriptions=[LAB])
    assert {r.account for r in only_lab.resources} == {LAB}
    assert not [r for r in arm.requests if MAIN in r.path]


def test_the_subscription_is_a_cloud_account(arm):
    resources = by_name(collect(arm))
    lab = resources["cabinet-martin-lab"]
    assert (lab.type, lab.id, lab.account) == ("cloud.account", f"/subscriptions/{LAB}", LAB)
    assert lab.properties == {
        "location": {"guardrail": True, "guardrail_regions": ["francecentral", "francesouth"]},
        "logging": {"policy_change_alerts": True, "policy_change_alert_names": ["storage-changes"]},
    }
    assert resources["cabinet-martin"].properties["location"]["guardrail_regions"] == ["francecentral", "uksouth"]
    # The lab account follows its subscription's Defender plan (it has no settings of its own).
    assert resources["labfiles"].properties["threat_detection"] == {"enabled": True, "malware_scanning": True}


ALERTS = "providers/Microsoft.Insights/activityLogAlerts"


def test_activity_log_alerts_on_storage_account_changes_are_read_page_by_page(arm):
    result = collect(arm, CollectionPlan({"cloud.account": frozenset({"logging.policy_change_alerts"})}))
    resources = by_name(result)
    # LAB: a policy alert, a delete-only alert, then the storage write alert on the second page.
    assert resources["cabinet-martin-lab"].properties == {"logging": {"policy_change_alerts": True, "policy_change_alert_names": ["storage-changes"]}}
    pages = [r.query.get("$skiptoken") for r in arm.requests if r.path == f"/subscriptions/{LAB}/{ALERTS}"]
    assert pages == [None, "2"]
    assert all(r.query["api-version"] == "2020-10-01" for r in arm.requests if r.path.endswith(ALERTS))
    # MAIN: disabled, no action group, filtered on status: none counts.
    assert resources["cabinet-martin"].properties == {"logging": {"policy_change_alerts": False, "policy_change_alert_names": []}}
    assert result.api_calls["insights:ActivityLogAlerts_ListBySubscriptionId"] == 4
    # Only the subscriptions and their alerts were read: no storage account listing.
    assert set(result.api_calls) == {"resources:Subscriptions_List", "insights:ActivityLogAlerts_ListBySubscriptionId"}


@pytest.mark.parametrize(
    "alerts, fires",
    [
        ([], False),
        ([activity_log_alert(MAIN, "changes", STORAGE_WRITE)], True),
        ([activity_log_alert(MAIN, "changes", STORAGE_WRITE, enabled=False)], False),
        ([activity_log_alert(MAIN, "changes", STORAGE_WRITE, action_groups=[])], False),
        ([activity_log_alert(MAIN, "policies", [STORAGE_WRITE[0], {"field": "operationName", "equals": "Microsoft.Authorization/policyAssignments/write"}])], False),
        ([activity_log_alert(MAIN, "changes", STORAGE_WRITE, scopes=[f"/subscriptions/{MAIN}/resourceGroups/rg-phi"])], False),
    ],
    ids=["no alert", "enabled with an action group", "disabled", "no action group", "another operation", "one resource group"],
)
def test_which_activity_log_alerts_count(arm, alerts, fires):
    main = next(s for s in arm.tenant.subscriptions if s.id == MAIN)
    main.activity_log_alerts = alerts
    account = by_name(collect(arm, CollectionPlan({"cloud.account": frozenset({"logging.policy_change_alerts"})}), subscriptions=[MAIN]))["cabinet-martin"]
    assert account.errors == {}
    assert account.properties["logging"]["policy_change_alerts"] is fires
    assert account.properties["logging"]["policy_change_alert_names"] == (["changes"] if fires else [])


def test_forbidden_activity_log_alerts_are_an_error_with_the_call_and_reason(arm):
    arm.tenant.forbidden.append(f"/subscriptions/{MAIN}/{ALERTS}")
    resources = by_name(collect(arm))
    main = resources["cabinet-martin"]
    assert set(main.errors) == {"logging.policy_change_alerts", "logging.policy_change_alert_names"}
    assert main.errors["logging.policy_change_alerts"].startswith(
        "insights:ActivityLogAlerts_ListBySubscriptionId: HTTP 403 AuthorizationFailed: The client does not have authorization")
    assert "logging" not in main.properties
    assert main.properties["location"]["guardrail"] is True  # the other subscription facts still read
    assert resources["cabinet-martin-lab"].errors == {}


def test_an_unregistered_resource_provider_is_an_error_and_never_registered(arm):
    arm.tenant.unregistered.append(f"/subscriptions/{LAB}/providers/Microsoft.Security")
    lab = by_name(collect(arm))["labfiles"]
    assert lab.errors["threat_detection.enabled"].startswith("security:Pricings_Get: HTTP 409 MissingSubscriptionRegistration")
    assert {r.method for r in arm.requests} == {"GET"}
    assert not [r for r in arm.requests if "register" in r.path.lower()]


def test_every_path_set_is_in_the_vocabulary(arm):
    result = collect(arm)
    assert {r.type for r in result.resources} == {"cloud.account", "storage.account", "storage.container", "storage.share"}
    for resource in result.resources:
        assert vocabulary().unknown_paths(resource.type, resource.properties) == [], resource.name
        assert set(resource.errors) <= set(vocabulary().paths(resource.type)) | {"tags"}, resource.name


def test_only_what_the_selected_rules_read_is_fetched(arm):
    plan = CollectionPlan({"storage.account": frozenset({"encryption.key_managed_by"})})
    result = collect(arm, plan)
    assert {r.type for r in result.resources} == {"storage.account"}
    assert set(result.api_calls) == {"resources:Subscriptions_List", "storage:StorageAccounts_List"}
    containers_only = collect(arm, CollectionPlan({"storage.container": frozenset({"public_access.public"})}))
    assert {r.type for r in containers_only.resources} == {"storage.container"}
    assert "storage:BlobServices_GetServiceProperties" not in containers_only.api_calls


def test_a_rejected_token_stops_the_scan(arm):
    with pytest.raises(ScanCannotRun, match=r"the token was rejected \(InvalidAuthenticationToken\)") as caught:
        collect(arm, access_token="not-the-token")
    assert "not-the-token" not in caught.value.message


def test_an_unreachable_endpoint_stops_the_scan(isolated_azure_env):
    endpoint = f"http://127.0.0.1:{free_port()}"
    with pytest.raises(ScanCannotRun, match="cannot reach Resource Manager"):
        AzureProvider({"arm_endpoint": endpoint, "access_token": TOKEN}, workers=2).collect(CollectionPlan(), Progress())


@pytest.mark.parametrize(
    "settings, message",
    [
        ({"subscriptions": ["practice"]}, "--subscription practice: expected a subscription id"),
        ({"cloud": "mars"}, "--azure-cloud mars: unknown cloud (expected one of public, usgov, china)"),
        ({"arm_endpoint": "management.azure.com"}, "--azure-arm-endpoint management.azure.com: expected an http(s) URL"),
        ({"arm_endpoint": "http://arm.example.com"}, "--azure-arm-endpoint http://arm.example.com: expected https"),
        ({"connection_string": "x", "account_url": "https://a.blob.core.windows.net"}, "--azure-account-url: give either it or --azure-connection-string"),
        ({"connection_string": "x", "subscriptions": [MAIN]}, "--subscription: applies to management-plane mode only"),
    ],
)
def test_bad_settings_name_the_option(arm, settings, message):
    with pytest.raises(InputError) as caught:
        collect(arm, **settings)
    assert caught.value.message.startswith(message)


# -- Key Vault rotation policies of customer-managed keys -----------------------------------------

KEY_ROTATION = CollectionPlan({"storage.account": frozenset({"encryption.key_managed_by", "encryption.key_rotation"})})


class SignedInCredential:
    """Stands for DefaultAzureCredential: a token for whichever audience is asked (the ARM test
    server accepts the same one), recording the scopes asked for."""

    def __init__(self) -> None:
        self.scopes: list[str] = []

    def get_token(self, *scopes: str, **_: object) -> AccessToken:
        self.scopes.extend(scopes)
        return AccessToken(TOKEN, int(time.time()) + 3600)


@pytest.fixture
def signed_in(arm, monkeypatch) -> SignedInCredential:
    """The practice tenant scanned with a sign-in credential, its Key Vault reads sent to the
    ARM test server (CLOUDAUDIT_AZURE_KEYVAULT_ENDPOINT)."""
    credential = SignedInCredential()
    monkeypatch.setattr("cloudaudit.providers.azure.credentials.credential_for", lambda cloud, token: credential)
    monkeypatch.setenv("CLOUDAUDIT_AZURE_KEYVAULT_ENDPOINT", arm.url)
    return credential


def _vault_reads(server: ArmServer) -> list:
    return [r for r in server.requests if r.path.startswith("/keys/")]


def _use_key(server: ArmServer, name: str, vault: str, key: str, version: str = "") -> None:
    account = next(a for s in server.tenant.subscriptions for a in s.accounts if a.document["name"] == name)
    account.document["properties"]["encryption"].update(
        keySource="Microsoft.Keyvault", keyvaultproperties={"keyvaulturi": vault, "keyname": key, "keyversion": version})


def test_a_rotating_key_vault_key_is_read_once_with_a_vault_token(arm, signed_in):
    _use_key(arm, "legacyuk", VAULT.upper() + "/", "PHI-KEY")  # the same key, spelled otherwise
    result = collect(arm, KEY_ROTATION)
    resources = by_name(result)
    assert resources["phisecure"].properties["encryption"]["key_rotation"] is True
    assert resources["legacyuk"].properties["encryption"]["key_rotation"] is True
    assert resources["phidenied"].properties["encryption"]["key_rotation"] is None  # Microsoft-managed key
    reads = _vault_reads(arm)
    assert [(r.method, r.path, r.query) for r in reads] == [("GET", "/keys/phi-key/rotationpolicy", {"api-version": "7.4"})]
    assert result.api_calls["keyvault:GetKeyRotationPolicy"] == 1
    assert "https://vault.azure.net/.default" in signed_in.scopes


@pytest.mark.parametrize(
    "policy",
    [
        rotation_policy("phi-key"),  # the default a key without its own policy answers with
        rotation_policy("phi-key", ("Notify", {"timeBeforeExpiry": "P30D"})),
        rotation_policy("phi-key", ("Rotate", {})),  # no trigger: never fires
        None,  # 404
    ],
    ids=["default policy", "notify only", "rotate without trigger", "no policy"],
)
def test_a_key_that_does_not_rotate(arm, signed_in, policy):
    arm.tenant.key_rotation_policies = {} if policy is None else {"phi-key": policy}
    account = by_name(collect(arm, KEY_ROTATION))["phisecure"]
    assert account.errors == {}
    assert account.properties["encryption"]["key_rotation"] is False


def test_a_pinned_key_version_does_not_follow_rotation_and_costs_no_vault_read(arm, signed_in):
    _use_key(arm, "phisecure", VAULT, "phi-key", version="0123456789abcdef0123456789abcdef")
    account = by_name(collect(arm, KEY_ROTATION))["phisecure"]
    assert account.properties["encryption"]["key_rotation"] is False
    assert _vault_reads(arm) == []


def test_a_denied_rotation_policy_is_an_error_with_the_call(arm, signed_in):
    arm.tenant.forbidden.append("/keys/phi-key")
    account = by_name(collect(arm, KEY_ROTATION))["phisecure"]
    assert account.errors["encryption.key_rotation"].startswith("keyvault:GetKeyRotationPolicy: HTTP 403 AuthorizationFailed")
    assert account.properties["encryption"]["key_managed_by"] == "customer"


def test_a_vault_outside_the_cloud_gets_no_token(arm, signed_in, monkeypatch):
    monkeypatch.delenv("CLOUDAUDIT_AZURE_KEYVAULT_ENDPOINT")
    _use_key(arm, "phisecure", "https://kv-martin.example.com", "phi-key")
    account = by_name(collect(arm, KEY_ROTATION))["phisecure"]
    assert account.errors["encryption.key_rotation"] == (
        "keyvault:GetKeyRotationPolicy: keyvaulturi https://kv-martin.example.com is not a Key Vault of this cloud (*.vault.azure.net); not read")
    assert "https://vault.azure.net/.default" not in signed_in.scopes


def test_a_resource_manager_token_cannot_read_rotation_policies(arm, monkeypatch):
    monkeypatch.setenv("CLOUDAUDIT_AZURE_KEYVAULT_ENDPOINT", arm.url)
    account = by_name(collect(arm, KEY_ROTATION))["phisecure"]
    assert account.errors["encryption.key_rotation"].startswith(
        "keyvault:GetKeyRotationPolicy: not visible with --azure-access-token (a Resource Manager token cannot read Key Vault)")
    assert _vault_reads(arm) == []


def test_key_rotation_is_read_only_when_a_rule_reads_it(arm, signed_in):
    result = collect(arm, CollectionPlan({"storage.account": frozenset({"encryption.key_managed_by"})}))
    assert "keyvault:GetKeyRotationPolicy" not in result.api_calls
    assert _vault_reads(arm) == []

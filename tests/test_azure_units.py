"""The Azure adapter's small pieces: ARM value normalisation, ids, clouds, credentials, errors."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from azure.core.exceptions import ClientAuthenticationError, HttpResponseError, ServiceRequestError

from cloudaudit.errors import InputError
from cloudaudit.providers.azure import normalise
from cloudaudit.providers.azure.clouds import cloud_from
from cloudaudit.providers.azure.credentials import StaticTokenCredential
from cloudaudit.providers.azure.errors import describe, fatal_for_scan
from cloudaudit.providers.azure.ids import parse_account_id, scope_of_lock


@pytest.mark.parametrize("arm, ours", [("TLS1_0", "1.0"), ("TLS1_1", "1.1"), ("TLS1_2", "1.2"), ("TLS1_3", "1.3"), (None, "1.0")])
def test_tls_versions(arm, ours):
    assert normalise.tls_version(arm) == ours


def test_an_unknown_tls_version_is_not_guessed():
    with pytest.raises(ValueError, match="unexpected minimumTlsVersion 'SSL3'"):
        normalise.tls_version("SSL3")


@pytest.mark.parametrize(
    "sku, geo, zone, read",
    [
        ("Standard_LRS", False, False, False),
        ("Standard_ZRS", False, True, False),
        ("Premium_ZRS", False, True, False),
        ("Standard_GRS", True, False, False),
        ("Standard_RAGRS", True, False, True),
        ("Standard_GZRS", True, True, False),
        ("Standard_RAGZRS", True, True, True),
        ("Premium_LRS", False, False, False),
        (None, False, False, False),
    ],
)
def test_redundancy_from_the_sku(sku, geo, zone, read):
    assert normalise.redundancy(sku) == normalise.Redundancy(geo, zone, read)


@pytest.mark.parametrize("period, seconds", [("0.01:00:00", 3600), ("1.00:00:00", 86400), ("00:30:00", 1800), ("7.12:00:00", 648000), (None, None)])
def test_sas_expiration_periods(period, seconds):
    assert normalise.duration_seconds(period) == seconds


def test_lists_regions_and_ages():
    assert normalise.listed("SMB2.1;SMB3.1.1;") == ["SMB2.1", "SMB3.1.1"]
    assert normalise.listed("AzureServices, Logging") == ["AzureServices", "Logging"]
    assert normalise.listed("None") == [] and normalise.listed(None) == []
    assert normalise.region("West Europe") == "westeurope" and normalise.region(None) is None
    now = dt.datetime(2026, 12, 1, tzinfo=dt.timezone.utc)
    assert normalise.age_days(dt.datetime(2026, 11, 1), now) == 30
    assert normalise.age_days(None, now) is None


def test_account_ids_and_lock_scopes():
    where = parse_account_id("/subscriptions/S/resourceGroups/RG/providers/Microsoft.Storage/storageAccounts/acct")
    assert (where.subscription, where.resource_group, where.name) == ("S", "RG", "acct")
    assert where.arm_id == "/subscriptions/S/resourceGroups/RG/providers/Microsoft.Storage/storageAccounts/acct"
    with pytest.raises(ValueError, match="not a storage account id"):
        parse_account_id("/subscriptions/S")
    assert scope_of_lock("/subscriptions/S/resourceGroups/RG/providers/Microsoft.Authorization/locks/keep") == "/subscriptions/s/resourcegroups/rg"


def test_clouds():
    assert cloud_from({}).arm_endpoint == "https://management.azure.com"
    assert cloud_from({"cloud": "usgov"}).authority == "login.microsoftonline.us"
    assert cloud_from({"cloud": "China"}).arm_scope == "https://management.chinacloudapi.cn/.default"
    custom = cloud_from({"cloud": "usgov", "arm_endpoint": "https://arm.contoso.example/"})
    assert (custom.name, custom.arm_endpoint, custom.authority) == ("custom", "https://arm.contoso.example", "login.microsoftonline.us")
    with pytest.raises(InputError):
        cloud_from({"arm_endpoint": "http://10.0.0.4:8080"})


def test_a_static_token_hides_itself():
    credential = StaticTokenCredential("Bearer abc.def.ghi")
    assert credential.get_token("https://management.azure.com/.default").token == "abc.def.ghi"
    assert "abc" not in repr(credential)


def test_error_reasons_name_the_call_and_carry_no_secret():
    class Response:
        status_code = 403
        reason = "Forbidden"
        headers: dict = {}

        def text(self):
            return '{"error": {"code": "AuthorizationFailed", "message": "denied for https://a.blob.core.windows.net/?sv=1&sig=SECRETSIG"}}'

    error = HttpResponseError(response=Response())
    reason = describe("storage:BlobServices_GetServiceProperties", error)
    assert reason.startswith("storage:BlobServices_GetServiceProperties: HTTP 403")
    assert "AuthorizationFailed: denied for" in reason and "SECRETSIG" not in reason and "sig=[REDACTED]" in reason
    assert fatal_for_scan(ServiceRequestError("refused"), "https://management.azure.com").message.startswith("azure: cannot reach Resource Manager")
    assert "no usable credential" in fatal_for_scan(ClientAuthenticationError("no login"), "x").message
    assert fatal_for_scan(error, "x") is None


WRITE = {"field": "operationName", "equals": "Microsoft.Storage/storageAccounts/write"}
ADMIN = {"field": "category", "equals": "Administrative"}


@pytest.mark.parametrize(
    "all_of, fires",
    [
        ([ADMIN, WRITE], True),
        ([{"field": "CATEGORY", "equals": "administrative"}, {"field": "operationname", "equals": "MICROSOFT.STORAGE/STORAGEACCOUNTS/WRITE"}], True),
        ([ADMIN, {"field": "operationName", "containsAny": ["Microsoft.Storage/storageAccounts/delete", "Microsoft.Storage/storageAccounts/write"]}], True),
        ([ADMIN, {"anyOf": [{"field": "operationName", "equals": "Microsoft.Storage/storageAccounts/delete"}, WRITE]}], True),
        ([ADMIN, WRITE, {"field": "resourceType", "equals": "Microsoft.Storage/storageAccounts"}], True),
        ([WRITE], False),  # no category: not the shape the control asks for
        ([ADMIN], False),  # every administrative operation: no operation named
        ([ADMIN, {"field": "operationName", "equals": "Microsoft.Storage/storageAccounts/delete"}], False),
        ([ADMIN, WRITE, {"field": "level", "equals": "Critical"}], False),
        ([ADMIN, WRITE, {"field": "caller", "equals": "ops@example.com"}], False),
        ([ADMIN, {"anyOf": [WRITE, {"field": "level", "equals": "Error"}]}], False),
        ([{"field": "category", "equals": "Security"}, WRITE], False),
        ([ADMIN, {"field": "operationName"}], False),
    ],
)
def test_an_activity_log_alert_fires_on_storage_account_writes_only_unconditionally(all_of, fires):
    from cloudaudit.providers.azure.alerts import matches_storage_writes

    assert matches_storage_writes(all_of) is fires


def test_an_activity_log_alert_needs_to_be_enabled_scoped_to_the_subscription_and_heard():
    from cloudaudit.providers.azure.alerts import judge

    sub = "0b5a7c2e-1c43-4a8e-9d7b-6a1f00000001"

    def alert(**props):
        base = {"scopes": [f"/subscriptions/{sub.upper()}/"], "enabled": True, "condition": {"allOf": [ADMIN, WRITE]},
                "actions": {"actionGroups": [{"actionGroupId": "/subscriptions/x/resourceGroups/g/providers/microsoft.insights/actionGroups/a"}]}}
        return {"name": "a", "properties": {**base, **props}}

    assert judge(alert(), sub).fires is True
    assert judge(alert(enabled=False), sub).fires is False
    assert judge(alert(actions={"actionGroups": []}), sub).fires is False
    assert judge(alert(actions={}), sub).fires is False
    assert judge(alert(scopes=[f"/subscriptions/{sub}/resourceGroups/rg"]), sub).fires is False
    assert judge(alert(scopes=["/subscriptions/00000000-0000-0000-0000-000000000000"]), sub).fires is False
    assert judge({"name": "b", "properties": {}}, sub).fires is False



def test_a_rotation_policy_rotates_with_a_rotate_action_and_a_trigger():
    from cloudaudit.providers.azure.keyvault import rotates

    assert rotates({"lifetimeActions": [{"trigger": {"timeAfterCreate": "P1Y"}, "action": {"type": "Rotate"}}]}) is True
    assert rotates({"lifetimeActions": [{"trigger": {"timeBeforeExpiry": "P30D"}, "action": {"type": "rotate"}}]}) is True
    assert rotates({"lifetimeActions": [{"trigger": {"timeBeforeExpiry": "P30D"}, "action": {"type": "Notify"}}]}) is False
    assert rotates({"lifetimeActions": [{"trigger": {}, "action": {"type": "Rotate"}}]}) is False
    assert rotates({"lifetimeActions": None}) is False
    assert rotates(None) is False


@pytest.mark.parametrize(
    "value, problem",
    [
        ("http://vault.example.com", "expected https (plain http is accepted only for a loopback test server)"),
        ("vault.example.com", "expected an http(s) URL"),
    ],
)
def test_the_key_vault_endpoint_override_is_https_or_loopback(value, problem):
    from cloudaudit.providers.azure.keyvault import ENDPOINT_ENV, endpoint_from_environment

    with pytest.raises(InputError, match=re.escape(problem)):
        endpoint_from_environment({ENDPOINT_ENV: value})
    assert endpoint_from_environment({ENDPOINT_ENV: "http://127.0.0.1:8443/"}) == "http://127.0.0.1:8443"
    assert endpoint_from_environment({}) is None


def test_sovereign_clouds_ask_for_their_own_vault_audience():
    assert cloud_from({}).vault_scope == "https://vault.azure.net/.default"
    assert cloud_from({"cloud": "usgov"}).vault_scope == "https://vault.usgovcloudapi.net/.default"
    assert cloud_from({"cloud": "china", "arm_endpoint": "https://arm.example.cn"}).vault_scope == "https://vault.azure.cn/.default"

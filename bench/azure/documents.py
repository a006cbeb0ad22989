"""The ARM documents of a planned tenant, in the shapes tests/support/arm_server serves
(the REST reference's keys), built with that module's document helpers."""

from __future__ import annotations

import datetime as dt
from typing import Any

from bench.azure.tenant import (
    ALLOWED_LOCATIONS,
    KEY_AGES,
    LOCKED_GROUP,
    SAS_POLICIES,
    SMB_PROFILES,
    SUBSCRIPTION,
    SUBSCRIPTION_NAME,
    AccountSpec,
    ContainerSpec,
    TenantPlan,
)
from tests.support import arm_server as arm

VAULT = "https://kv-bench.vault.azure.net"
WORKSPACE = f"/subscriptions/{SUBSCRIPTION}/resourceGroups/rg-ops/providers/Microsoft.OperationalInsights/workspaces/logs"
ALLOWED_LOCATIONS_DEFINITION = "/providers/Microsoft.Authorization/policyDefinitions/e56962a6-4747-49cd-b67b-bf8b01975c4c"


def arm_tenant(plan: TenantPlan, now: dt.datetime) -> arm.Tenant:
    """One subscription holding every planned account; listings are served in one page."""
    accounts = [_account(spec, now) for spec in plan.accounts]
    subscription = arm.Subscription(
        SUBSCRIPTION, SUBSCRIPTION_NAME, accounts,
        locks=[_lock(f"/subscriptions/{SUBSCRIPTION}/resourceGroups/{LOCKED_GROUP}", "keep-phi")]
        + [_lock(a.id, "keep") for a, spec in zip(accounts, plan.accounts) if spec.account_lock],
        policy_assignments=[_allowed_locations()],
        activity_log_alerts=[arm.activity_log_alert(SUBSCRIPTION, "storage-account-changes", arm.STORAGE_WRITE)],
        backup_vaults=[_vault([a.id for a, spec in zip(accounts, plan.accounts) if spec.backed_up])],
    )
    return arm.Tenant(subscriptions=[subscription], page_size=max(1000, len(accounts) + 1))


def _account(spec: AccountSpec, now: dt.datetime) -> arm.Account:
    properties: dict[str, Any] = {
        "networkAcls": {"bypass": spec.bypass, "virtualNetworkRules": [], "ipRules": [], "defaultAction": spec.default_action},
        "encryption": _encryption(spec),
        "defaultToOAuthAuthentication": spec.default_oauth,
        "privateEndpointConnections": _private_endpoints(spec),
    }
    optional = {
        "supportsHttpsTrafficOnly": spec.https_only, "minimumTlsVersion": spec.min_tls,
        "allowBlobPublicAccess": spec.allow_blob_public, "allowSharedKeyAccess": spec.shared_key,
        "allowCrossTenantReplication": spec.cross_tenant, "publicNetworkAccess": spec.public_network,
        "secondaryLocation": spec.secondary,
    }
    properties.update({key: value for key, value in optional.items() if value is not None})
    if spec.key_expiration_days is not None:
        properties["keyPolicy"] = {"keyExpirationPeriodInDays": spec.key_expiration_days}
    ages = KEY_AGES[spec.key_ages]
    properties["keyCreationTime"] = {"key1": None, "key2": None} if ages is None else {
        f"key{i + 1}": _days_before(now, days) for i, days in enumerate(ages)}
    sas = SAS_POLICIES[spec.sas]
    if sas:
        properties["sasPolicy"] = {"sasExpirationPeriod": sas[0], "expirationAction": sas[1]}
    document = arm.storage_account(SUBSCRIPTION, spec.group, spec.name, spec.location, spec.sku, kind=spec.kind,
                                   tags={"data": "phi"} if spec.key_vault else None, **properties)
    return arm.Account(
        document,
        blob_service={} if spec.file_storage else arm.blob_service(
            document, isVersioningEnabled=spec.versioning, deleteRetentionPolicy=_retention(spec.blob_soft_delete),
            containerDeleteRetentionPolicy=_retention(spec.container_soft_delete), cors={"corsRules": []}),
        file_service=arm.file_service(document, **_file_service(spec)),
        containers=[_container(document, c) for c in spec.containers],
        shares=[arm.share(document, s.name, enabledProtocols=s.protocol, **({"rootSquash": "RootSquash"} if s.protocol == "NFS" else {}))
                for s in spec.shares],
        diagnostic_settings=_diagnostics(document, spec.diagnostics),
        management_policy=_management_policy(document, spec.lifecycle),
        defender_settings=_defender(document, spec.defender),
    )


def _encryption(spec: AccountSpec) -> dict[str, Any]:
    encryption: dict[str, Any] = {
        "services": {"blob": {"enabled": True, "keyType": "Account"}, "file": {"enabled": True, "keyType": "Account"}},
        "keySource": "Microsoft.Keyvault" if spec.key_vault else "Microsoft.Storage",
        "requireInfrastructureEncryption": spec.infrastructure_encryption,
    }
    if spec.key_vault:
        encryption["keyvaultproperties"] = {"keyvaulturi": VAULT, "keyname": spec.name, "keyversion": ""}
    return encryption


def _private_endpoints(spec: AccountSpec) -> list[dict[str, Any]]:
    if spec.private_endpoint is None:
        return []
    account = f"/subscriptions/{SUBSCRIPTION}/resourceGroups/{spec.group}/providers/Microsoft.Storage/storageAccounts/{spec.name}"
    return [{
        "id": f"{account}/privateEndpointConnections/pe-blob",
        "name": "pe-blob",
        "type": "Microsoft.Storage/storageAccounts/privateEndpointConnections",
        "properties": {
            "privateEndpoint": {"id": f"/subscriptions/{SUBSCRIPTION}/resourceGroups/rg-net/providers/Microsoft.Network/privateEndpoints/pe-{spec.name}"},
            "privateLinkServiceConnectionState": {"status": spec.private_endpoint, "description": "", "actionRequired": "None"},
            "provisioningState": "Succeeded",
        },
    }]


def _retention(days: int | None) -> dict[str, Any]:
    return {"enabled": True, "days": days} if days else {"enabled": False}


def _file_service(spec: AccountSpec) -> dict[str, Any]:
    properties: dict[str, Any] = {"shareDeleteRetentionPolicy": _retention(spec.share_soft_delete)}
    smb = SMB_PROFILES[spec.smb]
    if smb:
        properties["protocolSettings"] = {"smb": {"versions": smb[0], "channelEncryption": smb[1]}}
    return properties


def _container(account: dict[str, Any], spec: ContainerSpec) -> dict[str, Any]:
    if spec.worm_state is None:
        return arm.container(account, spec.name, spec.public_access)
    policy = {"etag": '"8d0"', "properties": {"immutabilityPeriodSinceCreationInDays": spec.worm_days, "state": spec.worm_state,
                                               "allowProtectedAppendWrites": False}}
    full = arm.container(account, spec.name, spec.public_access, hasImmutabilityPolicy=True, immutabilityPolicy=policy)
    if spec.listed_in_full:
        return full
    listed = arm.container(account, spec.name, spec.public_access, hasImmutabilityPolicy=True)
    listed["_full"] = full  # what BlobContainers_Get answers
    return listed


def _diagnostics(account: dict[str, Any], kind: str) -> list[dict[str, Any]]:
    if kind == "none":
        return []
    if kind == "all-logs":
        logs = [{"category": None, "categoryGroup": "allLogs", "enabled": True}]
    else:
        categories = ("StorageRead", "StorageWrite", "StorageDelete") if kind == "all-three" else ("StorageRead",)
        logs = [{"category": c, "categoryGroup": None, "enabled": True} for c in categories]
    return [{
        "id": f"{account['id']}/blobServices/default/providers/microsoft.insights/diagnosticSettings/to-workspace",
        "name": "to-workspace",
        "properties": {"workspaceId": WORKSPACE, "logs": logs, "metrics": [{"category": "Transaction", "enabled": True}]},
    }]


def _management_policy(account: dict[str, Any], kind: str) -> dict[str, Any] | None:
    if kind == "none":
        return None
    return {
        "id": f"{account['id']}/managementPolicies/default", "name": "DefaultManagementPolicy",
        "type": "Microsoft.Storage/storageAccounts/managementPolicies",
        "properties": {"lastModifiedTime": "2025-01-01T00:00:00Z", "policy": {"rules": [{
            "enabled": kind == "enabled", "name": "expire-old-versions", "type": "Lifecycle",
            "definition": {"actions": {"version": {"delete": {"daysAfterCreationGreaterThan": 3650}}}, "filters": {"blobTypes": ["blockBlob"]}},
        }]}},
    }


def _defender(account: dict[str, Any], kind: str) -> dict[str, Any] | None:
    if kind == "inherit":
        return None
    on = kind == "on"
    return {
        "id": f"{account['id']}/providers/Microsoft.Security/defenderForStorageSettings/current", "name": "current",
        "type": "Microsoft.Security/defenderForStorageSettings",
        "properties": {"isEnabled": on, "overrideSubscriptionLevelSettings": True,
                       "malwareScanning": {"onUpload": {"isEnabled": on, "capGBPerMonth": 5000}},
                       "sensitiveDataDiscovery": {"isEnabled": on}},
    }


def _lock(scope: str, name: str) -> dict[str, Any]:
    return {"id": f"{scope}/providers/Microsoft.Authorization/locks/{name}", "name": name,
            "type": "Microsoft.Authorization/locks", "properties": {"level": "CanNotDelete", "notes": ""}}


def _allowed_locations() -> dict[str, Any]:
    return {
        "id": f"/subscriptions/{SUBSCRIPTION}/providers/Microsoft.Authorization/policyAssignments/allowed-locations",
        "name": "allowed-locations",
        "type": "Microsoft.Authorization/policyAssignments",
        "properties": {
            "displayName": "Allowed locations", "policyDefinitionId": ALLOWED_LOCATIONS_DEFINITION,
            "scope": f"/subscriptions/{SUBSCRIPTION}", "enforcementMode": "Default",
            "parameters": {"listOfAllowedLocations": {"value": list(ALLOWED_LOCATIONS)}},
        },
    }


def _vault(protected: list[str]) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    vault_id = f"/subscriptions/{SUBSCRIPTION}/resourceGroups/rg-backup/providers/Microsoft.DataProtection/backupVaults/bv-bench"
    vault = {"id": vault_id, "name": "bv-bench", "type": "Microsoft.DataProtection/backupVaults", "location": "francecentral",
             "properties": {"storageSettings": [{"datastoreType": "VaultStore", "type": "LocallyRedundant"}]}}
    instances = [
        {"id": f"{vault_id}/backupInstances/{resource.rsplit('/', 1)[-1]}", "name": resource.rsplit("/", 1)[-1],
         "type": "Microsoft.DataProtection/backupVaults/backupInstances",
         "properties": {"friendlyName": resource.rsplit("/", 1)[-1], "currentProtectionState": "ProtectionConfigured",
                        "dataSourceInfo": {"resourceID": resource, "datasourceType": "Microsoft.Storage/storageAccounts/blobServices",
                                           "objectType": "Datasource"}}}
        for resource in protected
    ]
    return vault, instances


def _days_before(now: dt.datetime, days: int) -> str:
    return (now - dt.timedelta(days=days)).strftime("%Y-%m-%dT%H:%M:%S.0000000Z")

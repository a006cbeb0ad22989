"""Storage accounts through Resource Manager: one fetcher per group of settings.

Most settings come with the account in StorageAccounts_List and cost no call; blob and file
service properties, diagnostic settings, the lifecycle policy and the account's Defender
settings take one read each; locks, the Defender plan and backup vaults are read once per
subscription (SubscriptionShared), a customer key's Key Vault rotation policy once per key.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, Callable

from cloudaudit.providers.azure import normalise
from cloudaudit.providers.azure.arm import ArmSession
from cloudaudit.providers.azure.guard import guarded
from cloudaudit.providers.azure.ids import AccountId
from cloudaudit.providers.azure.subscription import SubscriptionShared
from cloudaudit.providers.facts import Facts, Fetcher, ReadFailure

LIST_CALL = "storage:StorageAccounts_List"
DIAGNOSTICS_API = "2021-05-01-preview"
DEFENDER_SETTINGS_API = "2025-01-01"
NO_BLOB_SERVICE = frozenset({"FileStorage"})
"""Account kinds without a blob service (premium file shares only)."""
NO_FILE_SERVICE = frozenset({"BlobStorage", "BlockBlobStorage"})
"""Account kinds without a file service."""
ACCESS_LOG_CATEGORIES = frozenset({"StorageRead", "StorageWrite", "StorageDelete"})
"""A diagnostic setting on the blob service (the file service of a FileStorage account) that
sends all three categories, or allLogs, is an access log."""


@dataclass(frozen=True)
class AccountContext:
    """What every storage account fetcher may use."""

    account: Any
    """The azure.mgmt.storage StorageAccount as StorageAccounts_List returned it."""
    where: AccountId
    session: ArmSession
    subscription: SubscriptionShared
    now: dt.datetime

    @property
    def props(self) -> Any:
        return self.account.properties

    @property
    def kind(self) -> str | None:
        return normalise.text(self.account.kind)

    @property
    def storage(self) -> Any:
        return self.session.storage(self.where.subscription)

    def read(self, call: str, operation: Callable[..., Any], **params: Any) -> Any:
        return self.session.reader.one(
            call, operation, resource_group_name=self.where.resource_group, account_name=self.where.name, **params
        )


def _sku_name(ctx: AccountContext) -> str | None:
    return normalise.text(ctx.account.sku.name) if ctx.account.sku else None


def _listed(reason: str) -> ReadFailure:
    return ReadFailure(f"{LIST_CALL}: {reason}")


# -- from the account itself -----------------------------------------------------------------


def _location(ctx: AccountContext, facts: Facts) -> dict[str, Any]:
    primary = normalise.region(ctx.account.location)
    secondary = normalise.region(ctx.props.secondary_location)
    geo = normalise.redundancy(_sku_name(ctx)).geo
    replicas: list[str] | ReadFailure
    if geo and not secondary:
        replicas = _listed("secondaryLocation is not reported for this geo-redundant account")
    else:
        replicas = [secondary] if secondary and secondary != primary else []
    return {
        "location.region": primary,
        "location.replica_regions": replicas,
        "location.data_regions": replicas if isinstance(replicas, ReadFailure) else [primary] + replicas,
    }


def _sku(ctx: AccountContext, facts: Facts) -> dict[str, Any]:
    sku = _sku_name(ctx)
    redundancy = normalise.redundancy(sku)
    return {
        "account.kind": ctx.kind,
        "account.sku": sku,
        "account.access_tier": normalise.text(ctx.props.access_tier),
        "replication.enabled": redundancy.geo,
        "replication.zone_redundant": redundancy.zone,
        "replication.read_access": redundancy.read_access,
    }


def _transport(ctx: AccountContext, facts: Facts) -> dict[str, Any]:
    try:
        minimum = normalise.tls_version(normalise.text(ctx.props.minimum_tls_version))
    except ValueError as exc:
        minimum = _listed(str(exc))
    return {
        # Accounts made before API 2019-04-01 could leave it unset, which meant http allowed.
        "transport.https_only": ctx.props.enable_https_traffic_only is True,
        "transport.min_tls_version": minimum,
    }


def _public(ctx: AccountContext, facts: Facts) -> dict[str, Any]:
    # Unset allowBlobPublicAccess lets containers be public on accounts made before the
    # default changed (November 2023): only an explicit false blocks.
    allowed = ctx.props.allow_blob_public_access is not False
    return {"public_access.anonymous_allowed": allowed, "public_access.blocked": not allowed}


def _identity(ctx: AccountContext, facts: Facts) -> dict[str, Any]:
    props = ctx.props
    created = props.key_creation_time
    ages = [normalise.age_days(getattr(created, k, None), ctx.now) for k in ("key1", "key2")] if created else [None]
    sas = props.sas_policy
    try:
        sas_seconds = normalise.duration_seconds(sas.sas_expiration_period) if sas else None
    except ValueError as exc:
        sas_seconds = _listed(str(exc))
    return {
        "identity.shared_key_access": props.allow_shared_key_access is not False,
        "identity.default_oauth": props.default_to_o_auth_authentication is True,
        "identity.key_expiration_days": props.key_policy.key_expiration_period_in_days if props.key_policy else None,
        # Keys made before creation times were recorded (2019) have none: older than any limit.
        "identity.key_age_days": None if None in ages else max(ages),
        "identity.sas_expiration_seconds": sas_seconds,
        "identity.sas_expiration_action": (normalise.text(sas.expiration_action) or "Log") if sas else None,
    }


def _network(ctx: AccountContext, facts: Facts) -> dict[str, Any]:
    props = ctx.props
    access = normalise.text(props.public_network_access) or "Enabled"
    rules = props.network_rule_set
    return {
        "network.public_network_access": access,
        "network.public_access": access.lower() == "enabled",
        "network.default_action": ((normalise.text(rules.default_action) if rules else None) or "Allow").lower(),
        "network.bypass": normalise.listed(normalise.text(rules.bypass) if rules else None),
        "network.ip_rules": [r.ip_address_or_range for r in (rules.ip_rules or [])] if rules else [],
        "network.virtual_network_rules": len(rules.virtual_network_rules or []) if rules else 0,
    }


def _private_endpoints(ctx: AccountContext, facts: Facts) -> dict[str, Any]:
    connections = ctx.props.private_endpoint_connections
    if connections is None:
        connections = ctx.session.reader.every(
            "storage:PrivateEndpointConnections_List",
            ctx.storage.private_endpoint_connections.list(ctx.where.resource_group, ctx.where.name),
        )
    endpoints = []
    for connection in connections:
        props = connection.properties
        state = props.private_link_service_connection_state if props else None
        endpoint = props.private_endpoint if props else None
        endpoints.append({
            "id": (endpoint.id if endpoint else None) or connection.id or "",
            "status": (normalise.text(state.status) if state else None) or "Unknown",
        })
    return {
        "network.private_endpoints": endpoints,
        "network.private_endpoint_approved": any(e["status"] == "Approved" for e in endpoints),
    }


def _encryption(ctx: AccountContext, facts: Facts) -> dict[str, Any]:
    encryption = ctx.props.encryption
    services = encryption.services if encryption else None
    blob = services.blob if services else None
    source = (normalise.text(encryption.key_source) if encryption else None) or "Microsoft.Storage"
    customer = source.lower() == "microsoft.keyvault"
    vault = encryption.key_vault_properties if encryption else None
    key_id = None
    if customer and vault and vault.key_vault_uri and vault.key_name:
        key_id = f"{vault.key_vault_uri.rstrip('/')}/keys/{vault.key_name}"
        if vault.key_version:
            key_id += f"/{vault.key_version}"
    return {
        # Azure encrypts every account (AES-256); the service flag cannot be turned off.
        "encryption.at_rest": not (blob is not None and blob.enabled is False),
        "encryption.algorithm": "AES256",
        "encryption.key_source": source,
        "encryption.key_managed_by": "customer" if customer else "provider",
        "encryption.key_id": key_id,
        "encryption.double": bool(encryption and encryption.require_infrastructure_encryption),
    }


def _key_rotation(ctx: AccountContext, facts: Facts) -> dict[str, Any]:
    """A Key Vault key rotates for the account when its rotation policy rotates it and the
    account follows its latest version (no keyversion pinned)."""
    encryption = ctx.props.encryption
    source = (normalise.text(encryption.key_source) if encryption else None) or "Microsoft.Storage"
    if source.lower() != "microsoft.keyvault":
        return {"encryption.key_rotation": None}
    vault = encryption.key_vault_properties
    if not (vault and vault.key_vault_uri and vault.key_name):
        raise _listed("keySource is Microsoft.Keyvault but keyvaultproperties names no key")
    if vault.key_version:  # Key Vault makes new versions; the account keeps using this one
        return {"encryption.key_rotation": False}
    return {"encryption.key_rotation": ctx.session.keyvault.key_rotates(vault.key_vault_uri, vault.key_name)}


def _sharing(ctx: AccountContext, facts: Facts) -> dict[str, Any]:
    # Unset means allowed on accounts made before the default changed (December 2023).
    return {"replication.cross_tenant_allowed": ctx.props.allow_cross_tenant_replication is not False}


def _account_immutability(ctx: AccountContext, facts: Facts) -> dict[str, Any]:
    setting = ctx.props.immutable_storage_with_versioning
    policy = setting.immutability_policy if setting else None
    state = normalise.text(policy.state) if policy else None
    active = bool(setting and setting.enabled and policy and state != "Disabled")
    return {
        "retention.version_immutability": bool(setting and setting.enabled),
        "retention.default_policy_days": policy.immutability_period_since_creation_in_days if active else None,
        "retention.default_policy_state": state if active else None,
    }


def _tags(ctx: AccountContext, facts: Facts) -> dict[str, Any]:
    return {"tags": dict(ctx.account.tags or {})}


# -- one read each ---------------------------------------------------------------------------


def _blob_service(ctx: AccountContext, facts: Facts) -> dict[str, Any]:
    if ctx.kind in NO_BLOB_SERVICE:  # rules on blob settings do not apply to these kinds
        service = None
    else:
        service = ctx.read("storage:BlobServices_GetServiceProperties", ctx.storage.blob_services.get_service_properties)
    props = service.blob_service_properties if service else None
    get = (lambda name: getattr(props, name, None)) if props else (lambda name: None)
    versioning = get("is_versioning_enabled") is True
    change_feed = get("change_feed")
    restore = get("restore_policy")
    cors = get("cors")
    return {
        "versioning.enabled": versioning,
        "versioning.status": "Enabled" if versioning else "Disabled",
        "versioning.change_feed": bool(change_feed and change_feed.enabled),
        "retention.soft_delete_days": normalise.retention_days(get("delete_retention_policy")),
        "retention.container_soft_delete_days": normalise.retention_days(get("container_delete_retention_policy")),
        "retention.point_in_time_restore_days": restore.days if restore and restore.enabled else None,
        "network.cors_allowed_origins": sorted({o for rule in (cors.cors_rules or []) for o in rule.allowed_origins}) if cors else [],
    }


def _file_service(ctx: AccountContext, facts: Facts) -> dict[str, Any]:
    if ctx.kind in NO_FILE_SERVICE:  # no shares: nothing these settings could govern
        service = None
    else:
        service = ctx.read("storage:FileServices_GetServiceProperties", ctx.storage.file_services.get_service_properties)
    props = service.file_service_properties if service else None
    settings = props.protocol_settings if props else None
    smb = settings.smb if settings else None
    versions = normalise.listed(smb.versions if smb else None) or list(normalise.SMB_VERSIONS)
    ciphers = normalise.listed(smb.channel_encryption if smb else None) or list(normalise.SMB_CHANNEL_ENCRYPTION)
    return {
        "retention.share_soft_delete_days": normalise.retention_days(props.share_delete_retention_policy if props else None),
        "transport.smb_versions": versions,
        "transport.smb_channel_encryption": ciphers,
    }


def _diagnostics(ctx: AccountContext, facts: Facts) -> dict[str, Any]:
    service = "fileServices" if ctx.kind in NO_BLOB_SERVICE else "blobServices"
    settings = ctx.session.list(
        "insights:DiagnosticSettings_List",
        f"{ctx.where.arm_id}/{service}/default/providers/Microsoft.Insights/diagnosticSettings",
        DIAGNOSTICS_API,
    )
    for setting in settings:
        props = setting.get("properties") or {}
        logs = [log for log in props.get("logs") or [] if log.get("enabled")]
        groups = {log.get("categoryGroup") for log in logs}
        categories = {log.get("category") for log in logs}
        if "allLogs" in groups or ACCESS_LOG_CATEGORIES <= categories:
            target = props.get("workspaceId") or props.get("storageAccountId") or props.get("eventHubAuthorizationRuleId")
            # Resource logs record each request: who, what, when, from where. They are the
            # account's access log and its object-level audit trail at once.
            return {"logging.access_logs": True, "logging.object_audit": True, "logging.target": target or setting.get("name")}
    return {"logging.access_logs": False, "logging.object_audit": False, "logging.target": None}


def _lifecycle(ctx: AccountContext, facts: Facts) -> dict[str, Any]:
    policy = ctx.session.reader.one(
        "storage:ManagementPolicies_Get",
        ctx.storage.management_policies.get,
        absent=(404,),
        resource_group_name=ctx.where.resource_group,
        account_name=ctx.where.name,
        management_policy_name="default",
    )
    schema = policy.properties.policy if policy and policy.properties else None
    enabled = [rule for rule in (schema.rules if schema else []) if rule.enabled is not False]
    return {"lifecycle.enabled": bool(enabled), "lifecycle.rule_count": len(enabled)}


def _defender(ctx: AccountContext, facts: Facts) -> dict[str, Any]:
    """The account's own Defender settings when they override the subscription's, else the plan."""
    own = ctx.session.get(
        "security:DefenderForStorage_Get",
        f"{ctx.where.arm_id}/providers/Microsoft.Security/defenderForStorageSettings/current",
        DEFENDER_SETTINGS_API,
        absent=(404,),
    )
    props = (own or {}).get("properties") or {}
    if props.get("overrideSubscriptionLevelSettings"):
        enabled = props.get("isEnabled") is True
        discovery = enabled and (props.get("sensitiveDataDiscovery") or {}).get("isEnabled") is True
        malware = enabled and ((props.get("malwareScanning") or {}).get("onUpload") or {}).get("isEnabled") is True
    else:
        plan = ctx.subscription.defender()
        enabled, discovery, malware = plan.enabled, plan.sensitive_data_discovery, plan.malware_scanning
    return {"threat_detection.enabled": enabled, "threat_detection.malware_scanning": malware, "data_discovery.enabled": discovery}


def _backup(ctx: AccountContext, facts: Facts) -> dict[str, Any]:
    return {"backup.protected": ctx.where.arm_id.lower() in ctx.subscription.backed_up()}


def _locks(ctx: AccountContext, facts: Facts) -> dict[str, Any]:
    levels = ctx.subscription.lock_levels_for(ctx.where)
    level = "ReadOnly" if "ReadOnly" in levels else ("CanNotDelete" if "CanNotDelete" in levels else None)
    return {"lock.delete_protected": level is not None, "lock.level": level}


ACCOUNT_FETCHERS: tuple[Fetcher[AccountContext], ...] = guarded((
    Fetcher("location", ("location.region", "location.replica_regions", "location.data_regions"), _location),
    Fetcher(
        "sku",
        ("account.kind", "account.sku", "account.access_tier", "replication.enabled", "replication.zone_redundant", "replication.read_access"),
        _sku,
    ),
    Fetcher("transport", ("transport.https_only", "transport.min_tls_version"), _transport),
    Fetcher("public", ("public_access.anonymous_allowed", "public_access.blocked"), _public),
    Fetcher(
        "identity",
        (
            "identity.shared_key_access", "identity.default_oauth", "identity.key_expiration_days",
            "identity.key_age_days", "identity.sas_expiration_seconds", "identity.sas_expiration_action",
        ),
        _identity,
    ),
    Fetcher(
        "network",
        (
            "network.public_network_access", "network.public_access", "network.default_action", "network.bypass",
            "network.ip_rules", "network.virtual_network_rules",
        ),
        _network,
    ),
    Fetcher(
        "private_endpoints",
        ("network.private_endpoints", "network.private_endpoint_approved"),
        _private_endpoints,
        calls=("storage:PrivateEndpointConnections_List",),
    ),
    Fetcher(
        "encryption",
        ("encryption.at_rest", "encryption.algorithm", "encryption.key_source", "encryption.key_managed_by", "encryption.key_id", "encryption.double"),
        _encryption,
    ),
    Fetcher("key_rotation", ("encryption.key_rotation",), _key_rotation, calls=("keyvault:GetKeyRotationPolicy",)),
    Fetcher("sharing", ("replication.cross_tenant_allowed",), _sharing),
    Fetcher(
        "account_immutability",
        ("retention.version_immutability", "retention.default_policy_days", "retention.default_policy_state"),
        _account_immutability,
    ),
    Fetcher("tags", ("tags",), _tags),
    Fetcher(
        "blob_service",
        (
            "versioning.enabled", "versioning.status", "versioning.change_feed", "retention.soft_delete_days",
            "retention.container_soft_delete_days", "retention.point_in_time_restore_days", "network.cors_allowed_origins",
        ),
        _blob_service,
        calls=("storage:BlobServices_GetServiceProperties",),
    ),
    Fetcher(
        "file_service",
        ("retention.share_soft_delete_days", "transport.smb_versions", "transport.smb_channel_encryption"),
        _file_service,
        calls=("storage:FileServices_GetServiceProperties",),
    ),
    Fetcher("diagnostics", ("logging.access_logs", "logging.object_audit", "logging.target"), _diagnostics, calls=("insights:DiagnosticSettings_List",)),
    Fetcher(
        "defender",
        ("threat_detection.enabled", "threat_detection.malware_scanning", "data_discovery.enabled"),
        _defender,
        calls=("security:DefenderForStorage_Get", "security:Pricings_Get"),
    ),
    Fetcher(
        "backup",
        ("backup.protected",),
        _backup,
        calls=("dataprotection:BackupVaults_GetInSubscription", "dataprotection:BackupInstances_List"),
    ),
    Fetcher("lifecycle", ("lifecycle.enabled", "lifecycle.rule_count"), _lifecycle, calls=("storage:ManagementPolicies_Get",)),
    Fetcher("locks", ("lock.delete_protected", "lock.level"), _locks, calls=("authorization:ManagementLocks_ListAtSubscriptionLevel",)),
))

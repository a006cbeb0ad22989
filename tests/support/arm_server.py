"""A local Resource Manager for the Azure tests: ARM-shaped JSON over real HTTP.

There is no emulator for the management plane, so this server answers the GETs the adapter
makes, with the keys the ARM REST reference spells (api-version 2023-05-01 and later), for a
tenant the test describes with plain dicts. It pages lists with nextLink, can refuse paths with
403 AuthorizationFailed, throttle a path once with 429 and Retry-After, and records every request
so that a test can prove the scan only read. It checks the bearer token and the api-version.
"""

from __future__ import annotations

import json
import os
import re
import socket
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from typing import Any, Callable, Iterator
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest

from tests.support.loopback import LoopbackService

TOKEN = "arm-test-token"
MIN_API_VERSION = "2023-05-01"
STORAGE = "/providers/Microsoft.Storage/storageAccounts"


@dataclass(frozen=True)
class Request:
    method: str
    path: str
    """The path, without the query."""
    query: dict[str, str]


@dataclass
class Account:
    """One storage account and everything below it, as ARM documents."""

    document: dict[str, Any]
    blob_service: dict[str, Any] = field(default_factory=dict)
    file_service: dict[str, Any] = field(default_factory=dict)
    containers: list[dict[str, Any]] = field(default_factory=list)
    shares: list[dict[str, Any]] = field(default_factory=list)
    diagnostic_settings: list[dict[str, Any]] = field(default_factory=list)
    management_policy: dict[str, Any] | None = None
    defender_settings: dict[str, Any] | None = None
    """Microsoft.Security/defenderForStorageSettings/current on the account, when it has one."""

    @property
    def id(self) -> str:
        return self.document["id"]


@dataclass
class Subscription:
    id: str
    name: str
    accounts: list[Account] = field(default_factory=list)
    locks: list[dict[str, Any]] = field(default_factory=list)
    pricing: dict[str, Any] | None = None
    policy_assignments: list[dict[str, Any]] = field(default_factory=list)
    activity_log_alerts: list[dict[str, Any]] = field(default_factory=list)
    """Microsoft.Insights/activityLogAlerts documents kept in the subscription."""
    backup_vaults: list[tuple[dict[str, Any], list[dict[str, Any]]]] = field(default_factory=list)
    """(Microsoft.DataProtection/backupVaults document, its backupInstances)."""
    state: str = "Enabled"


@dataclass
class Tenant:
    subscriptions: list[Subscription] = field(default_factory=list)
    page_size: int = 2
    """Lists longer than this are paged with nextLink."""
    forbidden: list[str] = field(default_factory=list)
    """Path prefixes (case-insensitive) answered with 403 AuthorizationFailed."""
    throttled_once: list[str] = field(default_factory=list)
    """Paths answered once with 429 and Retry-After before the real answer."""
    unavailable_once: list[str] = field(default_factory=list)
    """Paths answered once with 503 before the real answer."""
    unregistered: list[str] = field(default_factory=list)
    """Path prefixes answered with 409 MissingSubscriptionRegistration (provider not registered)."""
    key_rotation_policies: dict[str, dict[str, Any]] = field(default_factory=dict)
    """Key name -> its Key Vault rotation policy, served at /keys/{name}/rotationpolicy when
    CLOUDAUDIT_AZURE_KEYVAULT_ENDPOINT points the scan's vault reads at this server."""


class ArmServer(LoopbackService):
    def __init__(self, tenant: Tenant | None = None):
        self.tenant = tenant or Tenant()
        self.requests: list[Request] = []
        self._lock = threading.Lock()
        self._answered_once: set[tuple[int, str]] = set()
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: object) -> None:
                pass

            def setup(self) -> None:
                super().setup()
                # Headers and body go out in two writes: without this, Nagle's algorithm and
                # delayed ACKs hold every answer ~40 ms.
                self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

            def _handle(self) -> None:
                parts = urlsplit(self.path)
                query = {k: v[0] for k, v in parse_qs(parts.query).items()}
                length = int(self.headers.get("Content-Length") or 0)
                if length:
                    self.rfile.read(length)
                with server._lock:
                    server.requests.append(Request(self.command, parts.path, query))
                status, body, headers = server._answer(self.command, parts.path, query, self.headers.get("Authorization", ""))
                payload = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json; charset=utf-8")
                self.send_header("Content-Length", str(len(payload)))
                for key, value in headers.items():
                    self.send_header(key, value)
                self.end_headers()
                self.wfile.write(payload)

            do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = _handle

        self._listen(Handler)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> "ArmServer":
        return self.__enter__()

    def stop(self) -> None:
        self.__exit__(None, None, None)

    def reset(self, tenant: Tenant) -> None:
        with self._lock:
            self.tenant = tenant
            self.requests.clear()
            self._answered_once.clear()

    # -- answers -----------------------------------------------------------------------------

    def _answer(self, method: str, path: str, query: dict[str, str], authorization: str) -> tuple[int, Any, dict[str, str]]:
        if authorization != f"Bearer {TOKEN}":
            return 401, _error("InvalidAuthenticationToken", "The access token is invalid."), {}
        if method != "GET":
            return 405, _error("MethodNotAllowed", f"{method} is not served by this test server"), {}
        version = query.get("api-version", "")
        if not version:
            return 400, _error("MissingApiVersionParameter", "The api-version query parameter is required."), {}
        if _namespace(path) == "microsoft.storage" and version < MIN_API_VERSION:
            return 400, _error("InvalidApiVersionParameter", f"api-version {version} is older than {MIN_API_VERSION}"), {}
        lowered = path.lower()
        if any(lowered.startswith(prefix.lower()) for prefix in self.tenant.forbidden):
            return 403, _error("AuthorizationFailed", f"The client does not have authorization to perform action over scope '{path}'."), {}
        if any(lowered.startswith(prefix.lower()) for prefix in self.tenant.unregistered):
            return 409, _error("MissingSubscriptionRegistration", "The subscription is not registered to use namespace 'Microsoft.Security'."), {}
        for paths, status, headers in ((self.tenant.throttled_once, 429, {"Retry-After": "1"}), (self.tenant.unavailable_once, 503, {})):
            if path in paths and (status, path) not in self._answered_once:
                with self._lock:
                    self._answered_once.add((status, path))
                return status, _error("TooManyRequests" if status == 429 else "ServiceUnavailable", "try again later"), headers
        for pattern, handler in self._routes():
            match = pattern.fullmatch(path)
            if match:
                return handler(match, query)
        return 404, _error("ResourceNotFound", f"no resource at {path}"), {}

    def _routes(self) -> list[tuple[re.Pattern[str], Callable[[re.Match[str], dict[str, str]], tuple[int, Any, dict[str, str]]]]]:
        sub = r"/subscriptions/(?P<sub>[^/]+)"
        account = sub + r"/resourceGroups/(?P<rg>[^/]+)/providers/Microsoft\.Storage/storageAccounts/(?P<name>[^/]+)"
        flags = re.IGNORECASE
        return [
            (re.compile(r"/subscriptions", flags), self._subscriptions),
            (re.compile(r"/keys/(?P<key>[^/]+)/rotationpolicy", flags), self._rotation_policy),
            (re.compile(sub + r"/providers/Microsoft\.Storage/storageAccounts", flags), self._accounts),
            (re.compile(account + r"/blobServices/default", flags), self._one(lambda a: a.blob_service)),
            (re.compile(account + r"/fileServices/default", flags), self._one(lambda a: a.file_service)),
            (re.compile(account + r"/blobServices/default/containers", flags), self._list(lambda a: a.containers)),
            (re.compile(account + r"/blobServices/default/containers/(?P<item>[^/]+)", flags), self._item(lambda a: a.containers)),
            (re.compile(account + r"/fileServices/default/shares", flags), self._list(lambda a: a.shares)),
            (re.compile(account + r"/managementPolicies/default", flags), self._one(lambda a: a.management_policy)),
            (re.compile(account + r"/privateEndpointConnections", flags), self._list(lambda a: a.document["properties"].get("privateEndpointConnections", []))),
            (re.compile(account + r"/(blob|file)Services/default/providers/Microsoft\.Insights/diagnosticSettings", flags), self._list(lambda a: a.diagnostic_settings)),
            (re.compile(sub + r"/providers/Microsoft\.Authorization/locks", flags), self._subscription_list(lambda s: s.locks)),
            (re.compile(sub + r"/providers/Microsoft\.Authorization/policyAssignments", flags), self._subscription_list(lambda s: s.policy_assignments)),
            (re.compile(sub + r"/providers/Microsoft\.Insights/activityLogAlerts", flags), self._subscription_list(lambda s: s.activity_log_alerts)),
            (re.compile(sub + r"/providers/Microsoft\.Security/pricings/StorageAccounts", flags), self._pricing),
            (re.compile(account + r"/providers/Microsoft\.Security/defenderForStorageSettings/current", flags), self._one(lambda a: a.defender_settings)),
            (re.compile(sub + r"/providers/Microsoft\.DataProtection/backupVaults", flags), self._subscription_list(lambda s: [v for v, _ in s.backup_vaults])),
            (re.compile(sub + r"/resourceGroups/[^/]+/providers/Microsoft\.DataProtection/backupVaults/(?P<vault>[^/]+)/backupInstances", flags), self._backup_instances),
        ]

    def _subscription(self, sub_id: str) -> Subscription | None:
        return next((s for s in self.tenant.subscriptions if s.id.lower() == sub_id.lower()), None)

    def _account(self, match: re.Match[str]) -> Account | None:
        sub = self._subscription(match["sub"])
        wanted = f"/subscriptions/{match['sub']}/resourceGroups/{match['rg']}{STORAGE}/{match['name']}".lower()
        return next((a for a in (sub.accounts if sub else []) if a.id.lower() == wanted), None)

    def _subscriptions(self, match: re.Match[str], query: dict[str, str]) -> tuple[int, Any, dict[str, str]]:
        entries = [
            {"id": f"/subscriptions/{s.id}", "subscriptionId": s.id, "displayName": s.name, "state": s.state,
             "tenantId": "72f988bf-0000-0000-0000-000000000000"}
            for s in self.tenant.subscriptions
        ]
        return self._page("/subscriptions", entries, query)

    def _accounts(self, match: re.Match[str], query: dict[str, str]) -> tuple[int, Any, dict[str, str]]:
        sub = self._subscription(match["sub"])
        if sub is None:
            return 404, _error("SubscriptionNotFound", f"The subscription '{match['sub']}' could not be found."), {}
        return self._page(match.string, [a.document for a in sub.accounts], query)

    def _one(self, pick: Callable[[Account], dict[str, Any] | None]):
        def handler(match: re.Match[str], query: dict[str, str]) -> tuple[int, Any, dict[str, str]]:
            account = self._account(match)
            document = pick(account) if account else None
            if document is None:
                return 404, _error("ResourceNotFound", f"no resource at {match.string}"), {}
            return 200, document, {}

        return handler

    def _list(self, pick: Callable[[Account], list[dict[str, Any]]]):
        def handler(match: re.Match[str], query: dict[str, str]) -> tuple[int, Any, dict[str, str]]:
            account = self._account(match)
            if account is None:
                return 404, _error("ResourceNotFound", f"no resource at {match.string}"), {}
            return self._page(match.string, pick(account), query)

        return handler

    def _item(self, pick: Callable[[Account], list[dict[str, Any]]]):
        def handler(match: re.Match[str], query: dict[str, str]) -> tuple[int, Any, dict[str, str]]:
            account = self._account(match)
            found = next((i for i in pick(account) if i["name"] == match["item"]), None) if account else None
            if found is None:
                return 404, _error("ResourceNotFound", f"no resource at {match.string}"), {}
            return 200, found.get("_full", found), {}

        return handler

    def _subscription_list(self, pick: Callable[[Subscription], list[dict[str, Any]]]):
        def handler(match: re.Match[str], query: dict[str, str]) -> tuple[int, Any, dict[str, str]]:
            sub = self._subscription(match["sub"])
            return self._page(match.string, pick(sub) if sub else [], query)

        return handler

    def _backup_instances(self, match: re.Match[str], query: dict[str, str]) -> tuple[int, Any, dict[str, str]]:
        sub = self._subscription(match["sub"])
        vault_id = match.string[: match.string.lower().rindex("/backupinstances")].lower()
        for vault, instances in sub.backup_vaults if sub else []:
            if vault["id"].lower() == vault_id:
                return self._page(match.string, instances, query)
        return 404, _error("ResourceNotFound", f"no backup vault at {vault_id}"), {}

    def _rotation_policy(self, match: re.Match[str], query: dict[str, str]) -> tuple[int, Any, dict[str, str]]:
        policy = self.tenant.key_rotation_policies.get(match["key"])
        if policy is None:
            return 404, _error("KeyNotFound", f"A key with (name/id) {match['key']} was not found in this key vault."), {}
        return 200, policy, {}

    def _pricing(self, match: re.Match[str], query: dict[str, str]) -> tuple[int, Any, dict[str, str]]:
        sub = self._subscription(match["sub"])
        document = {
            "id": f"/subscriptions/{match['sub']}/providers/Microsoft.Security/pricings/StorageAccounts",
            "name": "StorageAccounts",
            "type": "Microsoft.Security/pricings",
            "properties": (sub.pricing if sub and sub.pricing else {"pricingTier": "Free", "freeTrialRemainingTime": "PT0S"}),
        }
        return 200, document, {}

    def _page(self, path: str, items: list[dict[str, Any]], query: dict[str, str]) -> tuple[int, Any, dict[str, str]]:
        start = int(query.get("$skiptoken", "0"))
        size = self.tenant.page_size
        page = [{k: v for k, v in item.items() if k != "_full"} for item in items[start : start + size]]
        body: dict[str, Any] = {"value": page}
        if start + size < len(items):
            rest = {k: v for k, v in query.items() if k != "$skiptoken"}
            rest["$skiptoken"] = str(start + size)
            body["nextLink"] = f"{self.url}{path}?{urlencode(rest)}"
        return 200, body, {}


def _namespace(path: str) -> str:
    """The resource provider that answers a path: the namespace after its last /providers/."""
    lowered = path.lower()
    index = lowered.rfind("/providers/")
    return lowered[index + len("/providers/"):].split("/", 1)[0] if index >= 0 else ""


def _error(code: str, message: str) -> dict[str, Any]:
    return {"error": {"code": code, "message": message}}


# -- ARM documents, spelled as the REST reference spells them ------------------------------------


def storage_account(sub: str, group: str, name: str, location: str, sku: str = "Standard_LRS", kind: str = "StorageV2",
                    tags: dict[str, str] | None = None, **properties: Any) -> dict[str, Any]:
    """A Microsoft.Storage/storageAccounts document; `properties` are ARM keys (minimumTlsVersion...)."""
    account_id = f"/subscriptions/{sub}/resourceGroups/{group}{STORAGE}/{name}"
    base: dict[str, Any] = {
        "provisioningState": "Succeeded",
        "creationTime": "2024-03-01T09:00:00.0000000Z",
        "primaryLocation": location,
        "statusOfPrimary": "available",
        "primaryEndpoints": {"blob": f"https://{name}.blob.core.windows.net/", "file": f"https://{name}.file.core.windows.net/"},
        "encryption": {
            "services": {"blob": {"enabled": True, "keyType": "Account"}, "file": {"enabled": True, "keyType": "Account"}},
            "keySource": "Microsoft.Storage",
        },
        "accessTier": "Hot",
        "privateEndpointConnections": [],
    }
    base.update(properties)
    return {
        "id": account_id,
        "name": name,
        "type": "Microsoft.Storage/storageAccounts",
        "location": location,
        "tags": tags or {},
        "sku": {"name": sku, "tier": "Premium" if sku.startswith("Premium") else "Standard"},
        "kind": kind,
        "properties": base,
    }


def blob_service(account: dict[str, Any], **properties: Any) -> dict[str, Any]:
    return {"id": f"{account['id']}/blobServices/default", "name": "default", "type": "Microsoft.Storage/storageAccounts/blobServices",
            "sku": account["sku"], "properties": properties}


def file_service(account: dict[str, Any], **properties: Any) -> dict[str, Any]:
    return {"id": f"{account['id']}/fileServices/default", "name": "default", "type": "Microsoft.Storage/storageAccounts/fileServices",
            "sku": account["sku"], "properties": properties}


def container(account: dict[str, Any], name: str, public_access: str = "None", **properties: Any) -> dict[str, Any]:
    base = {"publicAccess": public_access, "leaseStatus": "Unlocked", "leaseState": "Available",
            "lastModifiedTime": "2025-01-01T00:00:00.0000000Z", "hasImmutabilityPolicy": False, "hasLegalHold": False}
    base.update(properties)
    return {"id": f"{account['id']}/blobServices/default/containers/{name}", "name": name,
            "type": "Microsoft.Storage/storageAccounts/blobServices/containers", "etag": '"0x8D0"', "properties": base}


def share(account: dict[str, Any], name: str, **properties: Any) -> dict[str, Any]:
    base = {"lastModifiedTime": "2025-01-01T00:00:00.0000000Z", "shareQuota": 100, "enabledProtocols": "SMB",
            "accessTier": "TransactionOptimized"}
    base.update(properties)
    return {"id": f"{account['id']}/fileServices/default/shares/{name}", "name": name,
            "type": "Microsoft.Storage/storageAccounts/fileServices/shares", "etag": '"0x8D1"', "properties": base}


# -- the tenant of a small medical practice, with known settings ---------------------------------

MAIN = "0b5a7c2e-1c43-4a8e-9d7b-6a1f00000001"
LAB = "0b5a7c2e-1c43-4a8e-9d7b-6a1f00000002"
CLOSED = "0b5a7c2e-1c43-4a8e-9d7b-6a1f00000003"
VAULT = "https://kv-martin.vault.azure.net"
WORKSPACE = f"/subscriptions/{MAIN}/resourceGroups/rg-ops/providers/Microsoft.OperationalInsights/workspaces/logs"
ALLOWED_LOCATIONS = "/providers/Microsoft.Authorization/policyDefinitions/e56962a6-4747-49cd-b67b-bf8b01975c4c"


def _days_ago(days: int) -> str:
    import datetime as dt

    moment = dt.datetime.now(dt.timezone.utc) - dt.timedelta(days=days)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.0000000Z")


def _policy_assignment(sub: str, name: str, locations: list[str]) -> dict[str, Any]:
    return {
        "id": f"/subscriptions/{sub}/providers/Microsoft.Authorization/policyAssignments/{name}",
        "name": name,
        "type": "Microsoft.Authorization/policyAssignments",
        "properties": {
            "displayName": "Allowed locations",
            "policyDefinitionId": ALLOWED_LOCATIONS,
            "scope": f"/subscriptions/{sub}",
            "enforcementMode": "Default",
            "parameters": {"listOfAllowedLocations": {"value": locations}},
        },
    }


ACTION_GROUP = f"/subscriptions/{MAIN}/resourceGroups/rg-ops/providers/microsoft.insights/actionGroups/it-oncall"
STORAGE_WRITE = [{"field": "category", "equals": "Administrative"}, {"field": "operationName", "equals": "Microsoft.Storage/storageAccounts/write"}]


def activity_log_alert(sub: str, name: str, all_of: list[dict[str, Any]], *, enabled: bool = True, action_groups: list[str] | None = None,
                       scopes: list[str] | None = None) -> dict[str, Any]:
    """A Microsoft.Insights/activityLogAlerts document (api-version 2020-10-01)."""
    groups = [ACTION_GROUP] if action_groups is None else action_groups
    return {
        "id": f"/subscriptions/{sub}/resourceGroups/rg-ops/providers/Microsoft.Insights/activityLogAlerts/{name}",
        "name": name,
        "type": "Microsoft.Insights/ActivityLogAlerts",
        "location": "Global",
        "tags": {},
        "properties": {
            "scopes": [f"/subscriptions/{sub}"] if scopes is None else scopes,
            "condition": {"allOf": all_of},
            "actions": {"actionGroups": [{"actionGroupId": g, "webhookProperties": {}} for g in groups]},
            "enabled": enabled,
            "description": "",
        },
    }


def _backup_vault(sub: str, group: str, name: str, protected: list[str]) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    vault_id = f"/subscriptions/{sub}/resourceGroups/{group}/providers/Microsoft.DataProtection/backupVaults/{name}"
    vault = {"id": vault_id, "name": name, "type": "Microsoft.DataProtection/backupVaults", "location": "francecentral",
             "properties": {"storageSettings": [{"datastoreType": "VaultStore", "type": "LocallyRedundant"}]}}
    instances = [
        {"id": f"{vault_id}/backupInstances/{resource.rsplit('/', 1)[-1]}", "name": resource.rsplit("/", 1)[-1],
         "type": "Microsoft.DataProtection/backupVaults/backupInstances",
         "properties": {"friendlyName": resource.rsplit("/", 1)[-1], "currentProtectionState": "ProtectionConfigured",
                        "protectionStatus": {"status": "ProtectionConfigured"},
                        "dataSourceInfo": {"resourceID": resource, "datasourceType": "Microsoft.Storage/storageAccounts/blobServices",
                                           "objectType": "Datasource"}}}
        for resource in protected
    ]
    return vault, instances


def rotation_policy(key: str, *actions: tuple[str, dict[str, str]]) -> dict[str, Any]:
    """A Key Vault key rotation policy (api-version 7.4); with no action, the default one a key
    without its own policy answers with (notify 30 days before expiry)."""
    lifetime = [{"trigger": trigger, "action": {"type": kind}} for kind, trigger in actions] or [
        {"trigger": {"timeBeforeExpiry": "P30D"}, "action": {"type": "Notify"}}]
    return {"id": f"{VAULT}/keys/{key}/rotationpolicy", "lifetimeActions": lifetime,
            "attributes": {"expiryTime": "P2Y", "created": 1735689600, "updated": 1735689600}}


def practice_tenant() -> Tenant:
    """Cabinet Martin: a well-kept account, a legacy one, one the scanner may not fully read,
    and a lab subscription with premium file shares. Tests assert every status of it."""
    secure = storage_account(
        MAIN, "rg-phi", "phisecure", "francecentral", "Standard_RAGZRS", tags={"data": "phi"},
        secondaryLocation="francesouth", statusOfSecondary="available",
        supportsHttpsTrafficOnly=True, minimumTlsVersion="TLS1_2", allowBlobPublicAccess=False,
        allowSharedKeyAccess=False, defaultToOAuthAuthentication=True, allowCrossTenantReplication=False,
        publicNetworkAccess="Disabled",
        networkAcls={"bypass": "AzureServices", "virtualNetworkRules": [], "ipRules": [], "defaultAction": "Deny"},
        privateEndpointConnections=[{
            "id": f"/subscriptions/{MAIN}/resourceGroups/rg-phi/providers/Microsoft.Storage/storageAccounts/phisecure/privateEndpointConnections/pe-blob",
            "name": "pe-blob",
            "type": "Microsoft.Storage/storageAccounts/privateEndpointConnections",
            "properties": {
                "privateEndpoint": {"id": f"/subscriptions/{MAIN}/resourceGroups/rg-net/providers/Microsoft.Network/privateEndpoints/pe-blob"},
                "privateLinkServiceConnectionState": {"status": "Approved", "description": "", "actionRequired": "None"},
                "provisioningState": "Succeeded",
            },
        }],
        encryption={
            "services": {"blob": {"enabled": True, "keyType": "Account"}, "file": {"enabled": True, "keyType": "Account"}},
            "keySource": "Microsoft.Keyvault",
            "keyvaultproperties": {"keyvaulturi": VAULT, "keyname": "phi-key", "keyversion": ""},
            "requireInfrastructureEncryption": True,
        },
        keyPolicy={"keyExpirationPeriodInDays": 90},
        keyCreationTime={"key1": _days_ago(10), "key2": _days_ago(20)},
        sasPolicy={"sasExpirationPeriod": "0.01:00:00", "expirationAction": "Block"},
        immutableStorageWithVersioning={"enabled": True, "immutabilityPolicy": {"immutabilityPeriodSinceCreationInDays": 30, "state": "Unlocked", "allowProtectedAppendWrites": False}},
    )
    locked = container(secure, "dossiers", hasImmutabilityPolicy=True)
    locked["_full"] = container(secure, "dossiers", hasImmutabilityPolicy=True, immutabilityPolicy={
        "etag": '"8d0"', "properties": {"immutabilityPeriodSinceCreationInDays": 365, "state": "Locked", "allowProtectedAppendWrites": False}})
    secure_account = Account(
        secure,
        blob_service=blob_service(secure, isVersioningEnabled=True, changeFeed={"enabled": True},
                                  deleteRetentionPolicy={"enabled": True, "days": 14},
                                  containerDeleteRetentionPolicy={"enabled": True, "days": 14},
                                  restorePolicy={"enabled": True, "days": 7}, cors={"corsRules": []}),
        file_service=file_service(secure, shareDeleteRetentionPolicy={"enabled": True, "days": 14},
                                  protocolSettings={"smb": {"versions": "SMB3.1.1;", "channelEncryption": "AES-256-GCM;", "authenticationMethods": "Kerberos;"}}),
        containers=[
            locked,
            container(secure, "archives", immutableStorageWithVersioning={"enabled": True, "timeStamp": "2024-03-01T09:00:00Z"}),
            container(secure, "scans", "Blob"),
            container(secure, "insights-logs-storagewrite", hasImmutabilityPolicy=True, immutabilityPolicy={
                "etag": '"8d1"', "properties": {"immutabilityPeriodSinceCreationInDays": 730, "state": "Locked"}}),
        ],
        shares=[share(secure, "compta")],
        diagnostic_settings=[{
            "id": f"{secure['id']}/blobServices/default/providers/microsoft.insights/diagnosticSettings/to-workspace",
            "name": "to-workspace",
            "properties": {
                "workspaceId": WORKSPACE,
                "logs": [{"category": c, "categoryGroup": None, "enabled": True, "retentionPolicy": {"enabled": False, "days": 0}}
                         for c in ("StorageRead", "StorageWrite", "StorageDelete")],
                "metrics": [{"category": "Transaction", "enabled": True}],
            },
        }],
        management_policy={
            "id": f"{secure['id']}/managementPolicies/default", "name": "DefaultManagementPolicy",
            "type": "Microsoft.Storage/storageAccounts/managementPolicies",
            "properties": {"lastModifiedTime": "2025-01-01T00:00:00Z", "policy": {"rules": [{
                "enabled": True, "name": "expire-old-versions", "type": "Lifecycle",
                "definition": {"actions": {"version": {"delete": {"daysAfterCreationGreaterThan": 3650}}}, "filters": {"blobTypes": ["blockBlob"]}},
            }]}},
        },
        defender_settings={
            "id": f"{secure['id']}/providers/Microsoft.Security/defenderForStorageSettings/current", "name": "current",
            "type": "Microsoft.Security/defenderForStorageSettings",
            "properties": {"isEnabled": True, "overrideSubscriptionLevelSettings": True,
                           "malwareScanning": {"onUpload": {"isEnabled": True, "capGBPerMonth": 5000}},
                           "sensitiveDataDiscovery": {"isEnabled": True}},
        },
    )

    legacy = storage_account(
        MAIN, "rg-legacy", "legacyuk", "uksouth", "Standard_GRS", secondaryLocation="ukwest",
        supportsHttpsTrafficOnly=False,
        networkAcls={"bypass": "AzureServices", "virtualNetworkRules": [], "ipRules": [], "defaultAction": "Allow"},
        keyCreationTime={"key1": None, "key2": None},
    )
    legacy_account = Account(
        legacy,
        blob_service=blob_service(legacy, deleteRetentionPolicy={"enabled": False}, cors={"corsRules": [
            {"allowedOrigins": ["*"], "allowedMethods": ["GET"], "maxAgeInSeconds": 0, "exposedHeaders": [], "allowedHeaders": []}]}),
        file_service=file_service(legacy, shareDeleteRetentionPolicy={"enabled": False}),
        containers=[container(legacy, "public-site", "Container"), container(legacy, "exports", "Blob"),
                    container(legacy, "insights-logs-storageread")],
        shares=[share(legacy, "scans")],
    )

    partly = storage_account(
        MAIN, "rg-phi", "phidenied", "francecentral", "Standard_ZRS",
        supportsHttpsTrafficOnly=True, minimumTlsVersion="TLS1_1", allowBlobPublicAccess=False,
        networkAcls={"bypass": "AzureServices", "virtualNetworkRules": [], "ipRules": [{"value": "203.0.113.7", "action": "Allow"}], "defaultAction": "Deny"},
        keyPolicy={"keyExpirationPeriodInDays": 365}, keyCreationTime={"key1": _days_ago(400), "key2": _days_ago(5)},
        sasPolicy={"sasExpirationPeriod": "7.00:00:00", "expirationAction": "Log"},
    )
    partly_account = Account(partly, file_service=file_service(partly, shareDeleteRetentionPolicy={"enabled": True, "days": 7}))

    lab = storage_account(
        LAB, "rg-lab", "labfiles", "francecentral", "Premium_LRS", kind="FileStorage",
        supportsHttpsTrafficOnly=True, minimumTlsVersion="TLS1_2", allowBlobPublicAccess=False,
        allowSharedKeyAccess=True, allowCrossTenantReplication=False, publicNetworkAccess="Enabled",
        networkAcls={"bypass": "AzureServices, Logging", "virtualNetworkRules": [], "ipRules": [], "defaultAction": "Deny"},
        keyPolicy={"keyExpirationPeriodInDays": 60}, keyCreationTime={"key1": _days_ago(30), "key2": _days_ago(45)},
        sasPolicy={"sasExpirationPeriod": "0.00:30:00", "expirationAction": "Block"},
    )
    lab_account = Account(
        lab,
        file_service=file_service(lab, shareDeleteRetentionPolicy={"enabled": True, "days": 30},
                                  protocolSettings={"smb": {"versions": "SMB3.0;SMB3.1.1", "channelEncryption": "AES-128-GCM;AES-256-GCM"}}),
        shares=[share(lab, "imaging", enabledProtocols="NFS", rootSquash="RootSquash", accessTier="Premium"),
                share(lab, "reports", accessTier="Premium")],
    )
    return Tenant(
        subscriptions=[
            Subscription(MAIN, "cabinet-martin", [secure_account, legacy_account, partly_account],
                         locks=[{"id": f"/subscriptions/{MAIN}/resourceGroups/rg-phi/providers/Microsoft.Authorization/locks/keep",
                                 "name": "keep", "type": "Microsoft.Authorization/locks", "properties": {"level": "CanNotDelete", "notes": ""}}],
                         policy_assignments=[_policy_assignment(MAIN, "allowed-locations", ["francecentral", "uksouth"])],
                         # An alert switched off, one nobody hears, one that sees only failed writes.
                         activity_log_alerts=[
                             activity_log_alert(MAIN, "storage-changes-off", STORAGE_WRITE, enabled=False),
                             activity_log_alert(MAIN, "storage-changes-quiet", STORAGE_WRITE, action_groups=[]),
                             activity_log_alert(MAIN, "storage-write-failures", STORAGE_WRITE + [{"field": "status", "equals": "Failed"}]),
                         ],
                         backup_vaults=[_backup_vault(MAIN, "rg-backup", "bv-martin", [secure["id"]])]),
            Subscription(LAB, "cabinet-martin-lab", [lab_account],
                         pricing={"pricingTier": "Standard", "subPlan": "DefenderForStorageV2", "extensions": [
                             {"name": "OnUploadMalwareScanning", "isEnabled": "True"}, {"name": "SensitiveDataDiscovery", "isEnabled": "True"}]},
                         policy_assignments=[_policy_assignment(LAB, "allowed-locations", ["France Central", "francesouth"])],
                         # The one that counts comes on the second page, spelled as the CLI leaves it.
                         activity_log_alerts=[
                             activity_log_alert(LAB, "policy-assignments", [
                                 {"field": "category", "equals": "Administrative"},
                                 {"field": "operationName", "equals": "Microsoft.Authorization/policyAssignments/write"}]),
                             activity_log_alert(LAB, "storage-deletes", [
                                 {"field": "category", "equals": "Administrative"},
                                 {"field": "operationName", "equals": "Microsoft.Storage/storageAccounts/delete"}]),
                             activity_log_alert(LAB, "storage-changes", [
                                 {"field": "category", "equals": "administrative"},
                                 {"field": "operationName", "equals": "microsoft.storage/storageaccounts/write"}]),
                         ]),
            Subscription(CLOSED, "old-trial", state="Disabled"),
        ],
        forbidden=[f"{partly['id']}/blobServices", f"{partly['id']}/fileServices/default/shares"],
        key_rotation_policies={"phi-key": rotation_policy("phi-key", ("Rotate", {"timeAfterCreate": "P1Y"}), ("Notify", {"timeBeforeExpiry": "P30D"}))},
    )


@pytest.fixture
def isolated_azure_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """No test may see the developer's Azure login, token or connection string."""
    for name in list(os.environ):
        if name.startswith(("AZURE_", "MSI_", "IDENTITY_")):
            monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AZURE_CONFIG_DIR", os.devnull)


@pytest.fixture(scope="session")
def arm_server() -> Iterator[ArmServer]:
    server = ArmServer().start()
    yield server
    server.stop()


@pytest.fixture
def arm(arm_server: ArmServer, isolated_azure_env: None) -> ArmServer:
    """The ARM server, answering for a fresh practice tenant, with no request recorded yet."""
    arm_server.reset(practice_tenant())
    return arm_server

"""Data-plane mode: one storage account through azure-storage-blob, for a practice that only has
a connection string (or an account URL with a credential).

The blob service tells its containers and their public access level, its service properties
(classic logging, blob soft delete, static website, CORS) and the account's SKU and kind.
Everything else a management-plane scan reads (minimum TLS, network rules, key source...) is
recorded as unreadable with the reason NOT_VISIBLE, so rules give ERROR, never PASS.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping
from urllib.parse import urlsplit, urlunsplit

from azure.core.exceptions import AzureError, ClientAuthenticationError, ServiceRequestError

from cloudaudit.errors import InputError, ScanCannotRun
from cloudaudit.model import CollectionIssue, Resource
from cloudaudit.progress import Progress
from cloudaudit.providers.azure import normalise
from cloudaudit.providers.azure.accounts import ACCOUNT_FETCHERS
from cloudaudit.providers.azure.calls import CallLog, Reader
from cloudaudit.providers.azure.containers import CONTAINER_FETCHERS, audit_log_container, effective_public, encryption_scope
from cloudaudit.providers.azure.errors import error_code, status_of
from cloudaudit.providers.azure.guard import guarded
from cloudaudit.providers.azure.planning import fetchers_for
from cloudaudit.providers.facts import Facts, FetchPlan, Fetcher, ReadFailure
from cloudaudit.providers.interface import AccountRef, CollectionPlan, CollectionResult

NOT_VISIBLE = "not visible with data-plane access"
RETRY = {"retry_total": 6}


def open_blob_service(settings: Mapping[str, Any]) -> Any:
    from azure.storage.blob import BlobServiceClient

    connection_string = settings.get("connection_string")
    if connection_string:
        try:
            return BlobServiceClient.from_connection_string(connection_string, **RETRY)
        except (ValueError, AzureError):
            # The SDK's message may quote the string: name the option, never its value.
            raise InputError(
                "--azure-connection-string: not a storage connection string (expected "
                "AccountName=...;AccountKey=... or BlobEndpoint=...;SharedAccessSignature=...)"
            ) from None
    url = settings["account_url"]
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise InputError(f"--azure-account-url {endpoint_of(url)}: expected https://ACCOUNT.blob.core.windows.net")
    credential = None
    if "sig=" not in (parts.query or ""):
        from cloudaudit.providers.azure.credentials import StaticTokenCredential

        if settings.get("access_token"):
            credential = StaticTokenCredential(settings["access_token"])
        else:
            from azure.identity import DefaultAzureCredential

            credential = DefaultAzureCredential(exclude_interactive_browser_credential=True)
    return BlobServiceClient(url, credential=credential, **RETRY)


def endpoint_of(url: str) -> str:
    """The blob endpoint without its query (a SAS token) or trailing slash."""
    parts = urlsplit(url)
    return urlunsplit(parts._replace(query="", fragment="")).rstrip("/")


def _fatal(endpoint: str):
    def fatal(exc: BaseException) -> Exception | None:
        if isinstance(exc, ClientAuthenticationError) or error_code(exc) in ("AuthenticationFailed", "AuthorizationFailure"):
            code = error_code(exc) or (f"HTTP {status_of(exc)}" if status_of(exc) else type(exc).__name__)
            return ScanCannotRun(f"azure: {endpoint} refused the credential ({code}): check the connection string or the SAS")
        if isinstance(exc, ServiceRequestError):
            return ScanCannotRun(f"azure: cannot reach the blob endpoint {endpoint}")
        return None

    return fatal


@dataclass(frozen=True)
class ServiceContext:
    client: Any
    reader: Reader


def _account_information(ctx: ServiceContext, facts: Facts) -> dict[str, Any]:
    info = ctx.reader.one("blob:GetAccountInformation", ctx.client.get_account_information)
    sku = normalise.text(info.get("sku_name"))
    redundancy = normalise.redundancy(sku)
    return {
        "account.sku": sku,
        "account.kind": normalise.text(info.get("account_kind")),
        "replication.enabled": redundancy.geo,
        "replication.zone_redundant": redundancy.zone,
        "replication.read_access": redundancy.read_access,
    }


def _service_properties(ctx: ServiceContext, facts: Facts) -> dict[str, Any]:
    props = ctx.reader.one("blob:GetServiceProperties", ctx.client.get_service_properties)
    logging = props.get("analytics_logging")
    classic = bool(logging and logging.read and logging.write and logging.delete)
    retention = props.get("delete_retention_policy")
    website = props.get("static_website")
    cors = props.get("cors") or []
    return {
        # Classic logging on settles it; off, a diagnostic setting (not visible here) may log.
        "logging.access_logs": True if classic else ReadFailure(f"diagnostic settings: {NOT_VISIBLE}"),
        "logging.target": "$logs" if classic else None,
        "logging.classic": classic,
        "retention.soft_delete_days": retention.days if retention and retention.enabled else None,
        "web.static_website": bool(website and website.enabled),
        "network.cors_allowed_origins": sorted({o.strip() for rule in cors for o in rule.allowed_origins.split(",") if o.strip()}),
    }


_SERVICE_FETCHERS: tuple[Fetcher[ServiceContext], ...] = (
    Fetcher("account_information", ("account.sku", "account.kind", "replication.enabled", "replication.zone_redundant", "replication.read_access"), _account_information, calls=("blob:GetAccountInformation",)),
    Fetcher(
        "service_properties",
        ("logging.access_logs", "logging.target", "logging.classic", "retention.soft_delete_days", "web.static_website", "network.cors_allowed_origins"),
        _service_properties,
        calls=("blob:GetServiceProperties",),
    ),
)
_VISIBLE = {path for fetcher in _SERVICE_FETCHERS for path in fetcher.provides}
HIDDEN_ACCOUNT_PATHS = tuple(
    dict.fromkeys(path for fetcher in ACCOUNT_FETCHERS for path in fetcher.provides if path not in _VISIBLE)
)
"""What a management-plane scan reads of an account that the blob service does not tell."""


def _hidden(ctx: ServiceContext, facts: Facts) -> dict[str, Any]:
    return {path: ReadFailure(NOT_VISIBLE) for path in HIDDEN_ACCOUNT_PATHS}


ACCOUNT_DATA_PLANE_FETCHERS = guarded(_SERVICE_FETCHERS + (Fetcher("hidden", HIDDEN_ACCOUNT_PATHS, _hidden),))


@dataclass(frozen=True)
class DataPlaneContainer:
    item: Any
    """azure.storage.blob ContainerProperties, from ListContainers."""
    account_facts: Facts


def _level(ctx: DataPlaneContainer, facts: Facts) -> dict[str, Any]:
    return {"public_access.level": (normalise.text(ctx.item.public_access) or "none").lower()}


def _account_allows(ctx: DataPlaneContainer, facts: Facts) -> dict[str, Any]:
    return {"public_access.account_allows_anonymous": ReadFailure(f"allowBlobPublicAccess: {NOT_VISIBLE}")}


def _immutability(ctx: DataPlaneContainer, facts: Facts) -> dict[str, Any]:
    policy = bool(ctx.item.has_immutability_policy)
    version_level = bool(ctx.item.immutable_storage_with_versioning_enabled)
    unknown = ReadFailure(f"immutability policy period and state: {NOT_VISIBLE}")
    worm_known_off = not policy and not version_level
    return {
        "retention.object_lock": False if worm_known_off else (True if policy else unknown),
        "retention.mode": None if worm_known_off else unknown,
        "retention.days": None if worm_known_off else unknown,
        "retention.locked": False if worm_known_off else unknown,
        "retention.policy_state": None if worm_known_off else unknown,
        "retention.legal_hold": bool(ctx.item.has_legal_hold),
        "retention.version_immutability": version_level,
    }


def _encryption_scope(ctx: DataPlaneContainer, facts: Facts) -> dict[str, Any]:
    scope = ctx.item.encryption_scope
    return encryption_scope(scope.default_encryption_scope if scope else None, scope.prevent_encryption_scope_override if scope else None)


_BY_NAME = {f.name: f for f in CONTAINER_FETCHERS}
CONTAINER_DATA_PLANE_FETCHERS: tuple[Fetcher[DataPlaneContainer], ...] = guarded(tuple(
    Fetcher(f.name, f.provides, reader, requires=f.requires, combines=f.combines)
    for f, reader in (
        (_BY_NAME["level"], _level),
        (_BY_NAME["account_allows"], _account_allows),
        (_BY_NAME["public"], lambda ctx, facts: effective_public(facts)),
        (_BY_NAME["immutability"], _immutability),
        (_BY_NAME["encryption_scope"], _encryption_scope),
        (_BY_NAME["audit_log"], audit_log_container),
    )
))
"""The same paths as a management-plane container, read from ListContainers."""


class DataPlaneCollector:
    def __init__(self, client: Any):
        self.client = client
        self.endpoint = endpoint_of(client.url)
        self.account = client.account_name or urlsplit(self.endpoint).hostname or self.endpoint
        self.log = CallLog()
        self.reader = Reader(self.log, _fatal(self.endpoint))

    def collect(self, plan: CollectionPlan, progress: Progress) -> CollectionResult:
        result = CollectionResult(accounts=[AccountRef("azure", self.account, "data-plane")])
        container_plan = fetchers_for(plan, "storage.container", CONTAINER_DATA_PLANE_FETCHERS)
        account_plan = fetchers_for(plan, "storage.account", ACCOUNT_DATA_PLANE_FETCHERS)
        progress.start(f"azure {self.account}: blob service", None)
        try:
            facts = account_plan.run(ServiceContext(self.client, self.reader))
            if plan.wants_type("storage.account"):
                result.resources.append(self._resource("storage.account", self.endpoint, self.account, facts))
            if container_plan.fetchers:
                result.resources.extend(self._containers(container_plan, facts, result))
            if plan.wants_type("storage.share"):
                result.issues.append(CollectionIssue("azure", self.account, "file shares", f"file shares are {NOT_VISIBLE} to the blob service: use management-plane mode"))
        finally:
            progress.finish()
        result.api_calls.update(self.log.counts)
        return result

    def _containers(self, fetch_plan: FetchPlan[DataPlaneContainer], account_facts: Facts, result: CollectionResult) -> list[Resource]:
        try:
            items = self.reader.every("blob:ListContainers", self.client.list_containers())
        except ReadFailure as failure:
            result.issues.append(CollectionIssue("azure", self.account, f"{self.endpoint} containers", failure.reason))
            return []
        return [
            self._resource("storage.container", f"{self.endpoint}/{item.name}", f"{self.account}/{item.name}",
                           fetch_plan.run(DataPlaneContainer(item, account_facts)))
            for item in items
        ]

    def _resource(self, rtype: str, rid: str, name: str, facts: Facts) -> Resource:
        properties, tags, raw, errors = facts.split()
        return Resource("azure", rtype, rid, name, self.account, None, tags, properties, raw, errors)

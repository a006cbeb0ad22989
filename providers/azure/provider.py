"""The Azure adapter: management-plane mode by default, data-plane mode with a connection
string or an account URL."""

from __future__ import annotations

from cloudaudit.errors import InputError
from cloudaudit.progress import Progress
from cloudaudit.providers.azure import OPTIONS
from cloudaudit.providers.interface import CollectionPlan, CollectionResult, Provider

MANAGEMENT_ONLY = ("subscriptions", "arm_endpoint", "cloud")


class AzureProvider(Provider):
    name = "azure"
    options = OPTIONS

    def collect(self, plan: CollectionPlan, progress: Progress) -> CollectionResult:
        if self.settings.get("connection_string") or self.settings.get("account_url"):
            return self._data_plane(plan, progress)
        return self._management_plane(plan, progress)

    def _management_plane(self, plan: CollectionPlan, progress: Progress) -> CollectionResult:
        from cloudaudit.providers.azure.arm import ArmSession
        from cloudaudit.providers.azure.clouds import cloud_from
        from cloudaudit.providers.azure.credentials import credential_for
        from cloudaudit.providers.azure.management import ManagementCollector

        cloud = cloud_from(self.settings)
        session = ArmSession(cloud, credential_for(cloud, self.settings.get("access_token")), self.workers)
        try:
            return ManagementCollector(session, self.settings, self.workers).collect(plan, progress)
        finally:
            session.close()

    def _data_plane(self, plan: CollectionPlan, progress: Progress) -> CollectionResult:
        from cloudaudit.providers.azure.dataplane import DataPlaneCollector, open_blob_service

        if self.settings.get("connection_string") and self.settings.get("account_url"):
            raise InputError("--azure-account-url: give either it or --azure-connection-string, not both")
        given = [key for key in MANAGEMENT_ONLY if self.settings.get(key)]
        if given:
            flags = {spec.key: spec.flag for spec in OPTIONS}
            raise InputError(
                f"{flags[given[0]]}: applies to management-plane mode only; data-plane mode "
                "(--azure-connection-string or --azure-account-url) reads one storage account"
            )
        client = open_blob_service(self.settings)
        try:
            return DataPlaneCollector(client).collect(plan, progress)
        finally:
            client.close()

"""Azure: storage accounts, blob containers and file shares, through the management plane
(azure-mgmt-storage, the default) or the data plane (azure-storage-blob, with a connection string).

This module stays light (no Azure SDK import) so that the CLI can list the options of every
provider without loading any SDK; the adapter itself is in provider.py.
"""

from cloudaudit.providers.interface import OptionSpec

CLOUD_NAMES = ("public", "usgov", "china")

OPTIONS = (
    OptionSpec(
        "subscriptions",
        "--subscription",
        "Only this subscription id (repeatable; default: every subscription the identity can see).",
        multiple=True,
    ),
    OptionSpec("cloud", "--azure-cloud", f"Azure cloud: {', '.join(CLOUD_NAMES)} (default: public)."),
    OptionSpec(
        "arm_endpoint",
        "--azure-arm-endpoint",
        "Resource Manager endpoint URL, for any other cloud or an emulator (overrides --azure-cloud's).",
    ),
    OptionSpec(
        "access_token",
        "--azure-access-token",
        "A Resource Manager bearer token to use instead of DefaultAzureCredential (CI jobs that hold one).",
        envvar="AZURE_ACCESS_TOKEN",
        secret=True,
    ),
    OptionSpec(
        "connection_string",
        "--azure-connection-string",
        "Data-plane mode: scan the one storage account of this connection string (blob service only).",
        envvar="AZURE_STORAGE_CONNECTION_STRING",
        secret=True,
    ),
    OptionSpec(
        "account_url",
        "--azure-account-url",
        "Data-plane mode with DefaultAzureCredential (or a SAS in the URL): https://ACCOUNT.blob.core.windows.net",
    ),
)


def load_provider():
    from cloudaudit.providers.azure.provider import AzureProvider

    return AzureProvider

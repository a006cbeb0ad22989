"""Google Cloud: Cloud Storage buckets of one or more projects, through google-cloud-storage.

This module stays light (no Google SDK import) so that the CLI can list the options of every
provider without loading any SDK; the adapter itself is in provider.py.
"""

from cloudaudit.providers.interface import OptionSpec

OPTIONS = (
    OptionSpec(
        "projects",
        "--gcp-project",
        "Project id whose buckets are scanned (repeatable; default: the credentials' project).",
        multiple=True,
    ),
    OptionSpec(
        "credentials_file",
        "--gcp-credentials-file",
        "Service-account key file (JSON); default: application-default credentials.",
    ),
)


def load_provider():
    from cloudaudit.providers.gcp.provider import GcpProvider

    return GcpProvider

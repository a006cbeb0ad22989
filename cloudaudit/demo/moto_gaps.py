"""Fill in what moto does not emulate, so that demo and tests exercise those code paths too.

moto never reports MFA Delete on bucket versioning and always says the root user has no MFA
(../shared/TESTING.md). These helpers change moto's side only - its backend state and its
response - never cloudaudit's own code path, which still reads through boto3 as against AWS.
They work with moto running in the same process (mock_aws or ThreadedMotoServer).
"""

from __future__ import annotations

import contextlib
import json
from typing import Any, Iterator

_MFA_DELETE_ATTRIBUTE = "_cloudaudit_mfa_delete"


@contextlib.contextmanager
def mfa_delete_reported() -> Iterator[None]:
    """While active, GetBucketVersioning answers MFADelete for buckets marked with
    `enable_mfa_delete`, as AWS does."""
    from moto.s3.responses import S3Response

    original = S3Response.get_bucket_versioning

    def get_bucket_versioning(self: Any) -> Any:
        bucket = self.backend.get_bucket(self.bucket_name)
        mfa = getattr(bucket, _MFA_DELETE_ATTRIBUTE, None)
        if mfa is None:
            return original(self)
        from moto.core.responses import ActionResult

        result = {"Status": bucket.versioning_status, "MFADelete": "Enabled" if mfa else "Disabled"}
        self.data["Action"] = "GetBucketVersioning"
        return self.serialized(ActionResult(result))

    S3Response.get_bucket_versioning = get_bucket_versioning
    try:
        yield
    finally:
        S3Response.get_bucket_versioning = original


def enable_mfa_delete(account_id: str, bucket_name: str, enabled: bool = True) -> None:
    from moto.s3.models import s3_backends

    bucket = s3_backends[account_id]["aws"].get_bucket(bucket_name)
    setattr(bucket, _MFA_DELETE_ATTRIBUTE, enabled)


def enable_root_mfa(account_id: str, enabled: bool = True) -> None:
    from moto.iam.models import iam_backends

    iam_backends[account_id]["aws"].account_summary._account_mfa_enabled = 1 if enabled else 0


_BACKED_UP: dict[tuple[str, str], list[str]] = {}
_BACKUP_PATH = "{0}/resources/?$"


def install_backup_inventory() -> None:
    """Teach moto AWS Backup's ListProtectedResources, which it lacks, answering from the
    resources marked with `protect_with_backup`. Idempotent; adds an API, changes none."""
    from moto.backup import urls
    from moto.backup.responses import BackupResponse

    if _BACKUP_PATH in urls.url_paths:
        return

    def list_protected_resources(self: Any) -> str:
        arns = _BACKED_UP.get((self.current_account, self.region), [])
        results = [{"ResourceArn": arn, "ResourceType": "S3", "ResourceName": arn.split(":::")[-1]} for arn in arns]
        return json.dumps({"Results": results})

    BackupResponse.list_protected_resources = list_protected_resources
    urls.url_paths[_BACKUP_PATH] = urls.response.dispatch


def protect_with_backup(account_id: str, region: str, resource_arn: str) -> None:
    _BACKED_UP.setdefault((account_id, region), []).append(resource_arn)


def forget_backups() -> None:
    _BACKED_UP.clear()

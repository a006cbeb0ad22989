"""Where each bucket lives, read at most once per scan and shared by every worker.

AWS's ListBuckets gives each bucket's region (BucketRegion); where it does not (older
endpoints, emulators), GetBucketLocation is asked once per bucket, by whichever worker needs it
first: the worker collecting that bucket, or one placing a replication destination.
"""

from __future__ import annotations

from typing import Mapping

from cloudaudit.providers.aws.calls import read
from cloudaudit.providers.aws.session import AwsSession
from cloudaudit.providers.facts import SharedReads


def normalise_location(constraint: str | None) -> str:
    """GetBucketLocation says None for us-east-1 and EU for eu-west-1 (legacy values)."""
    if not constraint:
        return "us-east-1"
    if constraint == "EU":
        return "eu-west-1"
    return constraint.lower()


class BucketRegions:
    def __init__(self, session: AwsSession, listed: Mapping[str, str]):
        self._session = session
        self._listed = dict(listed)
        self._asked = SharedReads()

    def region(self, bucket: str) -> str:
        """The bucket's region; raises ReadFailure (the same one to every asker) if unreadable."""
        if bucket in self._listed:
            return self._listed[bucket]
        return self._asked.get(bucket, lambda: self._ask(bucket))

    def _ask(self, bucket: str) -> str:
        s3 = self._session.client("s3")
        response = read("s3:GetBucketLocation", s3.get_bucket_location, Bucket=bucket)
        return normalise_location(response.get("LocationConstraint"))

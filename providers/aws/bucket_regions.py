"""Where each bucket lives, read at most once per scan and shared by every worker.

AWS's ListBuckets gives each bucket's region (BucketRegion); where it does not (older
endpoints, emulators), GetBucketLocation is asked once per bucket, by whichever worker needs it
first: the worker collecting that bucket, or one placing a replication destination.
"""

from __future__ import annotations

import threading
from concurrent.futures import Future
from typing import Mapping

from cloudaudit.providers.aws.calls import read
from cloudaudit.providers.aws.session import AwsSession


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
        self._answers: dict[str, Future[str]] = {}
        for name, region in listed.items():
            self._answers[name] = _done(region)
        self._lock = threading.Lock()

    def region(self, bucket: str) -> str:
        """The bucket's region; raises ReadFailure (the same one to every asker) if unreadable."""
        with self._lock:
            answer = self._answers.get(bucket)
            asking = answer is None
            if asking:
                answer = self._answers[bucket] = Future()
        if asking:
            try:
                answer.set_result(self._ask(bucket))
            except BaseException as exc:  # a ReadFailure, or a surprise the caller reports
                answer.set_exception(exc)
        return answer.result()

    def _ask(self, bucket: str) -> str:
        s3 = self._session.client("s3")
        response = read("s3:GetBucketLocation", s3.get_bucket_location, Bucket=bucket)
        return normalise_location(response.get("LocationConstraint"))


def _done(region: str) -> Future[str]:
    answer: Future[str] = Future()
    answer.set_result(region)
    return answer

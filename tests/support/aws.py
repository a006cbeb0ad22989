"""Helpers for AWS adapter tests: collect with the real adapter, inject AWS errors through
botocore's own event system (the adapter then sees a real ClientError)."""

from __future__ import annotations

from typing import Any, Iterable

import boto3
import pytest
from botocore.awsrequest import AWSResponse

from cloudaudit.model import Resource
from cloudaudit.progress import Progress
from cloudaudit.providers.aws.provider import AwsProvider
from cloudaudit.providers.interface import CollectionPlan, CollectionResult


def collect(settings: dict[str, Any] | None = None, needs: dict[str, frozenset[str]] | None = None, workers: int = 4) -> CollectionResult:
    return AwsProvider(settings or {}, workers).collect(CollectionPlan(needs), Progress())


def by_name(result: CollectionResult) -> dict[str, Resource]:
    return {r.name: r for r in result.resources if r.type == "storage.bucket"}


def account_resource(result: CollectionResult) -> Resource:
    (account,) = [r for r in result.resources if r.type == "cloud.account"]
    return account


def deny(
    monkeypatch: pytest.MonkeyPatch,
    operations: Iterable[str],
    code: str = "AccessDenied",
    status: int = 403,
    only_bucket: str | None = None,
    message: str | None = None,
) -> None:
    """Make every session the adapter opens answer `operations` ('s3.GetBucketPolicy') with an error."""
    original = boto3.session.Session

    def handler(context: dict[str, Any], **_: Any) -> Any:
        # botocore's S3 region redirector notes the bucket of each call in the request context.
        if only_bucket is not None and context.get("s3_redirect", {}).get("bucket") != only_bucket:
            return None
        response = AWSResponse("https://example.invalid", status, {}, None)
        parsed = {
            "Error": {"Code": code, "Message": message or ("Access Denied" if code == "AccessDenied" else code)},
            "ResponseMetadata": {"HTTPStatusCode": status},
        }
        return response, parsed

    class DenyingSession(original):  # type: ignore[misc, valid-type]
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            for operation in operations:
                self.events.register(f"before-call.{operation}", handler)

    monkeypatch.setattr("cloudaudit.providers.aws.session.boto3.session.Session", DenyingSession)


def answer(monkeypatch: pytest.MonkeyPatch, operation: str, parsed: dict[str, Any]) -> None:
    """Make the adapter's sessions get `parsed` as the response of `operation` ('iam.ListVirtualMFADevices'):
    for what moto cannot produce (a root device), through botocore's own response path."""
    original = boto3.session.Session

    def handler(**_: Any) -> Any:
        return AWSResponse("https://example.invalid", 200, {}, None), {**parsed, "ResponseMetadata": {"HTTPStatusCode": 200}}

    class AnsweringSession(original):  # type: ignore[misc, valid-type]
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self.events.register(f"before-call.{operation}", handler)

    monkeypatch.setattr("cloudaudit.providers.aws.session.boto3.session.Session", AnsweringSession)


def s3(region: str = "us-east-1") -> Any:
    return boto3.client("s3", region_name=region)


def create_bucket(name: str, region: str = "eu-west-3", **extra: Any) -> Any:
    client = s3(region)
    params: dict[str, Any] = {"Bucket": name, **extra}
    if region != "us-east-1":
        params["CreateBucketConfiguration"] = {"LocationConstraint": region}
    client.create_bucket(**params)
    return client

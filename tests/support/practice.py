"""The demo practice (cloudaudit/demo/tenant.py) as test data: on the moto server, or as an
inventory file collected from it once."""

from __future__ import annotations

import contextlib
import functools
import os
from pathlib import Path
from typing import Iterator

import boto3
import pytest

from cloudaudit.demo import moto_gaps
from cloudaudit.demo.tenant import build_practice
from cloudaudit.progress import Progress
from cloudaudit.providers.aws.session import register_emulator_fixes
from cloudaudit.scan import Target, collect

DUMMY_AWS = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_CONFIG_FILE": os.devnull,
    "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
    "AWS_EC2_METADATA_DISABLED": "true",
}


def build_practice_here() -> None:
    """Build the practice wherever boto3 points now (AWS_ENDPOINT_URL or mock_aws), with full
    boto3 clients: the scanner's (AwsSession) have no write operations."""
    session = boto3.session.Session()
    build_practice(functools.lru_cache(maxsize=None)(
        lambda service, region: register_emulator_fixes(session.client(service, region_name=region))
    ))


@contextlib.contextmanager
def practice_in_process() -> Iterator[None]:
    """The practice in moto in this process, with dummy credentials (for module fixtures,
    which run outside the per-test environment fixture)."""
    from moto import mock_aws

    with pytest.MonkeyPatch.context() as patch:
        for name in list(os.environ):
            if name.startswith("AWS_"):
                patch.delenv(name)
        for name, value in DUMMY_AWS.items():
            patch.setenv(name, value)
        with mock_aws(), moto_gaps.mfa_delete_reported():
            build_practice_here()
            yield


def write_practice_inventory(path: Path) -> Path:
    """Collect everything from the practice once and write the inventory file."""
    with practice_in_process():
        inventory = collect([Target("aws", {})], None, 4, Progress(), tenant="cabinet-du-parc")
    path.write_text(inventory.to_json(), encoding="utf-8")
    return path


@pytest.fixture(scope="session")
def practice_inventory(tmp_path_factory: pytest.TempPathFactory) -> str:
    """The practice's inventory file, collected once per test session (import the fixture;
    tests that change it work on a copy)."""
    return str(write_practice_inventory(tmp_path_factory.mktemp("practice") / "inventory.json"))

"""Shared fixtures: an isolated AWS environment, moto in-process and as a server, the CLI."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

import pytest

from cloudaudit.demo import moto_gaps
from tests.support.browser import chromium  # noqa: F401  (the session's headless Chromium)
from tests.support.network import free_port
from tests.support.practice import practice_inventory  # noqa: F401 - a fixture: the demo practice's inventory, once per session

REPO = Path(__file__).resolve().parent.parent

# moto's server logs every request at INFO; keep failure reports readable.
logging.getLogger("werkzeug").setLevel(logging.WARNING)
# moto lacks AWS Backup's ListProtectedResources: teach it before any backend starts.
moto_gaps.install_backup_inventory()


@pytest.fixture(autouse=True)
def isolated_aws_env(monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory) -> None:
    """No test may see the developer's real AWS profile, credentials or endpoint."""
    for name in list(os.environ):
        if name.startswith("AWS_"):
            monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setenv("AWS_CONFIG_FILE", os.devnull)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", os.devnull)
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")


@pytest.fixture
def mocked_aws() -> Iterator[None]:
    """moto in this process: boto3 calls never leave it."""
    from moto import mock_aws

    with mock_aws():
        yield
    moto_gaps.forget_backups()


@pytest.fixture(scope="session")
def moto_server() -> Iterator[str]:
    """A moto server on a free loopback port, for tests that go through real HTTP."""
    from moto.server import ThreadedMotoServer

    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    yield f"http://127.0.0.1:{port}"
    server.stop()


@pytest.fixture
def aws_endpoint(moto_server: str, monkeypatch: pytest.MonkeyPatch) -> str:
    """The moto server, emptied, with AWS_ENDPOINT_URL pointing at it."""
    request = urllib.request.Request(f"{moto_server}/moto-api/reset", method="POST", data=b"")
    urllib.request.urlopen(request).read()
    moto_gaps.forget_backups()
    monkeypatch.setenv("AWS_ENDPOINT_URL", moto_server)
    return moto_server


@dataclass
class CliResult:
    code: int
    out: str
    err: str

    def json(self) -> dict:
        return json.loads(self.out)


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch):
    """Run `cloudaudit ARGS...` in this process through its real entry point."""
    from cloudaudit.cli import main

    def run(*args: str) -> CliResult:
        monkeypatch.setattr(sys, "argv", ["cloudaudit", *args])
        capsys.readouterr()
        code = 0
        try:
            main()
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
        captured = capsys.readouterr()
        return CliResult(code, captured.out, captured.err)

    return run


def run_cli_process(*args: str, env: dict[str, str] | None = None, cwd: Path | None = None, timeout: float = 120) -> CliResult:
    """Run the installed `cloudaudit` in a child process, as a user or a CI job would."""
    completed = subprocess.run(
        [sys.executable, "-m", "cloudaudit", *args],
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
        cwd=cwd,
        timeout=timeout,
    )
    return CliResult(completed.returncode, completed.stdout, completed.stderr)

"""Azurite, the Azure Storage emulator (npm), for the data-plane tests.

`python -m tests.support.azurite` installs the pinned version into .cache/azurite (the Makefile
runs it before the tests); the `azurite` fixture installs it too when missing, starts the blob
service on a free loopback port for the test session and stops it afterwards.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

import pytest

from tests.support.network import free_port, wait_for_port

VERSION = "3.35.0"
REPO = Path(__file__).resolve().parents[2]
CACHE = REPO / ".cache" / "azurite"
BINARY = CACHE / "node_modules" / ".bin" / "azurite-blob"
ACCOUNT = "devstoreaccount1"
KEY = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="
"""Azurite's published development key (not a secret: every Azurite has it)."""


def installed_version() -> str | None:
    manifest = CACHE / "node_modules" / "azurite" / "package.json"
    if not BINARY.exists() or not manifest.exists():
        return None
    return json.loads(manifest.read_text()).get("version")


def ensure_installed() -> Path:
    """Install the pinned Azurite into .cache/azurite unless it is there already."""
    if installed_version() == VERSION:
        return BINARY
    npm = shutil.which("npm")
    if npm is None:
        raise RuntimeError("the Azure data-plane tests need Node.js and npm (apt-get install nodejs npm)")
    CACHE.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        [npm, "install", "--prefix", str(CACHE), "--no-audit", "--no-fund", "--loglevel=error", f"azurite@{VERSION}"],
        check=True,
        timeout=600,
    )
    return BINARY


@dataclass(frozen=True)
class Azurite:
    port: int

    @property
    def blob_endpoint(self) -> str:
        return f"http://127.0.0.1:{self.port}/{ACCOUNT}"

    def connection_string(self, endpoint: str | None = None, key: str = KEY) -> str:
        return (
            f"DefaultEndpointsProtocol=http;AccountName={ACCOUNT};AccountKey={key};"
            f"BlobEndpoint={endpoint or self.blob_endpoint};"
        )


@pytest.fixture(scope="session")
def azurite() -> Iterator[Azurite]:
    binary = ensure_installed()
    port = free_port()
    process = subprocess.Popen(
        [str(binary), "--silent", "--disableTelemetry", "--skipApiVersionCheck", "--loose", "--inMemoryPersistence",
         "--blobHost", "127.0.0.1", "--blobPort", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        wait_for_port(port, timeout=30)
        yield Azurite(port)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


if __name__ == "__main__":
    print(f"azurite {VERSION}: {ensure_installed()}", file=sys.stderr)

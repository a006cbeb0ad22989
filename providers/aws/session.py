"""One boto3 session per scanned account: shared clients, adaptive retries, call counting."""

from __future__ import annotations

import threading
from collections import Counter
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import boto3
import botocore.config
import botocore.exceptions

from cloudaudit import __version__
from cloudaudit.loopback import is_loopback_url
from cloudaudit.providers.aws.read_only_models import read_only_session

DEFAULT_REGION = "us-east-1"


class AwsSession:
    """Clients are created once per (service, region) and shared by every worker thread; they
    only know the operations of operations.py (read_only_models.py)."""

    def __init__(self, profile: str | None, workers: int, session: boto3.session.Session | None = None):
        self.boto = session or read_only_session(profile)
        self._config = botocore.config.Config(
            retries={"mode": "adaptive", "max_attempts": 6},
            max_pool_connections=max(10, workers + 2),
            connect_timeout=10,
            read_timeout=30,
            user_agent_extra=f"cloudaudit/{__version__}",
            # The adapter builds every request itself (a bucket name, an account id): checking
            # them against the service model on each call costs CPU and catches nothing.
            parameter_validation=False,
        )
        self._clients: dict[tuple[str, str], Any] = {}
        self._lock = threading.Lock()
        self.calls: Counter[str] = Counter()
        self._calls_lock = threading.Lock()

    @property
    def home_region(self) -> str:
        return self.boto.region_name or DEFAULT_REGION

    def client(self, service: str, region: str | None = None) -> Any:
        key = (service, region or self.home_region)
        client = self._clients.get(key)
        if client is not None:
            return client
        with self._lock:
            client = self._clients.get(key)
            if client is None:
                client = self.boto.client(service, region_name=key[1], config=self._config)
                client.meta.events.register("before-call", self._count)
                self._clients[key] = register_emulator_fixes(client)
        return client

    def _count(self, model: Any, **_: Any) -> None:
        name = f"{model.service_model.service_name}:{model.name}"
        with self._calls_lock:
            self.calls[name] += 1

    def partition(self, region: str) -> str:
        return self.boto.get_partition_for_region(region) or "aws"


def register_emulator_fixes(client: Any) -> Any:
    """Make an s3control client work against an emulator on a loopback address; a client for
    a real AWS endpoint is left untouched."""
    if client.meta.service_model.service_name == "s3control" and is_loopback_url(client.meta.endpoint_url):
        client.meta.events.register("before-sign.s3-control.*", _strip_account_host_prefix)
    return client


def _strip_account_host_prefix(request: Any, **_: Any) -> None:
    """s3control puts the account id in front of the host (123456789012.s3-control...).
    Against an emulator on 127.0.0.1 that name does not resolve; strip it there, only there."""
    parts = urlsplit(request.url)
    host = parts.hostname or ""
    label, _, rest = host.partition(".")
    if label.isdigit() and is_loopback_url(f"http://{rest}"):
        netloc = rest if parts.port is None else f"{rest}:{parts.port}"
        request.url = urlunsplit(parts._replace(netloc=netloc))

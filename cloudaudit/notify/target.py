"""Where findings go: the webhook URL and its headers, with secret values kept out of sight."""

from __future__ import annotations

import hashlib
import re
import urllib.parse
from dataclasses import dataclass, field
from typing import Mapping, Sequence

from cloudaudit.errors import InputError
from cloudaudit.loopback import is_loopback_host
from cloudaudit.redact import one_line

RESERVED_HEADERS = frozenset({"content-type", "content-length", "host", "idempotency-key", "user-agent"})
_HEADER_NAME = re.compile(r"^[A-Za-z0-9!#$%&'*+.^_`|~-]+$")


@dataclass(frozen=True)
class WebhookTarget:
    url: str
    """The full URL; it may itself be a secret (chat webhooks): never shown, see `endpoint`."""
    headers: Mapping[str, str] = field(default_factory=dict)
    secret_values: tuple[str, ...] = ()
    """Values read from the environment; replaced by [REDACTED] in anything shown."""
    timeout: float = 10.0
    """Seconds per connection attempt and per read."""

    @property
    def endpoint(self) -> str:
        """What may be shown of the URL: scheme, host and port."""
        parts = urllib.parse.urlsplit(self.url)
        host = parts.hostname or ""
        if ":" in host:
            host = f"[{host}]"
        port = f":{parts.port}" if parts.port else ""
        return f"{parts.scheme}://{host}{port}"

    @property
    def state_key(self) -> str:
        """Identifies the URL in a state file without writing the URL down."""
        return hashlib.sha256(self.url.encode("utf-8")).hexdigest()[:16]

    def shown(self, text: str) -> str:
        """`text` on one line, with no header value, URL path or known secret in it."""
        for secret in (*self.secret_values, self.url):
            text = text.replace(secret, "[REDACTED]")
        return one_line(text)


def build_target(
    url: str,
    headers: Sequence[str],
    env_headers: Sequence[str],
    timeout: float,
    environ: Mapping[str, str],
    option_prefix: str = "",
) -> WebhookTarget:
    """Check the URL and the header options; InputError names the option, never a value.
    `option_prefix`: 'webhook-' when the options are --webhook-header..., for the messages."""
    problems = []
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        problems.append("--webhook: expected an http:// or https:// URL with a host")
    values: dict[str, str] = {}
    secrets: list[str] = []
    header_flag, env_flag = f"--{option_prefix}header", f"--{option_prefix}header-env"
    for option, given in ((header_flag, headers), (env_flag, env_headers)):
        for item in given:
            name, sep, value = item.partition("=")
            name = name.strip()
            if not sep or not name or not value:
                expected = "NAME=VALUE" if option == header_flag else "NAME=ENVVAR"
                problems.append(f"{option} {name or '?'}: expected {expected}")
                continue
            if not _HEADER_NAME.match(name):
                problems.append(f"{option} {name}: not a valid header name")
                continue
            if name.lower() in RESERVED_HEADERS:
                problems.append(f"{option} {name}: cloudaudit sets this header itself")
                continue
            if option == env_flag:
                value = environ.get(value, "")
                if not value:
                    problems.append(f"{option} {name}: the environment variable {item.partition('=')[2]} is not set or empty")
                    continue
                secrets.append(value)
            if "\r" in value or "\n" in value:
                problems.append(f"{option} {name}: the value contains a line break")
                continue
            values[name] = value
    if secrets and parts.scheme == "http" and parts.hostname and not is_loopback_host(parts.hostname):
        problems.append(
            f"--webhook: plain http would send the {env_flag} values unencrypted; use https "
            "(http is accepted for loopback addresses only)"
        )
    if problems:
        raise InputError(problems)
    return WebhookTarget(url, values, tuple(secrets), timeout)

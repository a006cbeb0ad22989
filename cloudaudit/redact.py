"""Scrub secrets out of text before it reaches a message, a log or a report.

Provider error messages can echo what they were sent: a SAS query string, an account key in a
connection string, a bearer token, an AWS access key id in a signature error. Every message a
provider records goes through `scrub`.
"""

from __future__ import annotations

import re

_PATTERNS = (
    # Azure connection strings and SAS tokens
    (re.compile(r"(?i)(AccountKey|SharedAccessSignature|SharedAccessKey)=[^;\s\"']+"), r"\1=[REDACTED]"),
    (re.compile(r"(?i)([?&](sig|se|sp|sv|srt|ss|st|spr|skoid|sktid|skt|ske|sks|skv|sdd)=)[^&\s\"']+"), r"\1[REDACTED]"),
    # Bearer and other authorization headers
    (re.compile(r"(?i)(authorization\s*[:=]\s*)(bearer\s+)?[^\s,;\"']+"), r"\1[REDACTED]"),
    (re.compile(r"(?i)\bbearer\s+[A-Za-z0-9\-._~+/]+=*"), "Bearer [REDACTED]"),
    # AWS access key ids and secret-looking keys
    (re.compile(r"\b(AKIA|ASIA|AIDA|AROA)[0-9A-Z]{16}\b"), r"\1[REDACTED]"),
    (re.compile(r"(?i)(aws_secret_access_key|secret_access_key|secretaccesskey|x-amz-security-token|aws_session_token)(\s*[:=]\s*)[^\s,;\"']+"), r"\1\2[REDACTED]"),
    # PEM private keys (service-account key files)
    (re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----.*?-----END [A-Z ]*PRIVATE KEY-----", re.S), "[REDACTED PRIVATE KEY]"),
    (re.compile(r"(?i)(\"private_key\"\s*:\s*\")[^\"]+"), r"\1[REDACTED]"),
)


def scrub(text: str) -> str:
    """`text` with every secret we know the shape of replaced by [REDACTED]."""
    for pattern, replacement in _PATTERNS:
        text = pattern.sub(replacement, text)
    return text


def one_line(text: str, limit: int = 300) -> str:
    """Scrubbed, on one line, and short enough for a table cell or a log line."""
    flat = " ".join(scrub(str(text)).split())
    return flat if len(flat) <= limit else flat[: limit - 3] + "..."

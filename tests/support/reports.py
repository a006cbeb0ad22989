"""Reports built by the real engine from tests/data/outputs: every status, hostile text."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from cloudaudit.engine.ruleset import Selection
from cloudaudit.inventory import Inventory
from cloudaudit.model import Status
from cloudaudit.report import Report
from cloudaudit.scan import build_report, prepare_rules

DATA = Path(__file__).resolve().parent.parent / "data"
OUTPUTS_DATA = DATA / "outputs"
INVENTORY = OUTPUTS_DATA / "inventory.json"
RULES_DIR = OUTPUTS_DATA / "rules"

SAMPLE_RULES = (
    "aws.account-public-access-block", "aws.console-users-mfa", "aws.root-mfa", "aws.s3-mfa-delete",
    "storage.access-logging", "storage.acls-disabled", "storage.customer-managed-key",
    "storage.encryption-at-rest", "storage.https-only", "storage.min-tls-1-2", "storage.no-public-grants",
    "storage.object-lock", "storage.public-access-blocked", "storage.region-allowed",
    "storage.replica-region-allowed", "storage.replication", "storage.versioning",
    "test.lifecycle-outside-sandbox",
)
"""The rules the sample inventory was written for: counts in the tests stay put as rules are added."""
SAMPLE_RULE_OPTIONS = tuple(option for rule in SAMPLE_RULES for option in ("--rule", rule))

MUTED_RULE = "storage.replication"
MUTED_RESOURCE = "arn:aws:s3:::cabinet-martin-sandbox"
MUTED_REASON = "sandbox data is disposable <no replica needed> | ticket OPS-12"

HOSTILE_NAME = '<img src=x onerror="window.pwned=1">|*[click](https://evil.example)* `x` & @here'
HOSTILE_TLS = "<script>window.pwned=2</script>"
FORMULA_NAME = '=HYPERLINK("https://evil.example","click")'


def sample_report(mute: bool = True) -> Report:
    """The engine's findings for the sample inventory, with one failing finding muted.

    The mute stands in for the suppression step (another feature): the same finding, its
    status MUTED and its reason kept, which is all a format sees."""
    book = prepare_rules((str(RULES_DIR),), Selection(include=SAMPLE_RULES))
    report = build_report(Inventory.load(str(INVENTORY)), book)
    if mute:
        report.findings[:] = [
            dataclasses.replace(f, status=Status.MUTED, muted_reason=MUTED_REASON)
            if (f.rule.id, f.resource.id) == (MUTED_RULE, MUTED_RESOURCE)
            else f
            for f in report.findings
        ]
    return report


def empty_report() -> Report:
    """No resource at all: every format must still produce a valid, readable file."""
    return build_report(Inventory(tenant="empty-practice"), prepare_rules())

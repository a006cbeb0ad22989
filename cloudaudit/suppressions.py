"""Suppressions: findings a practice has accepted, with a reason and an optional expiry date.

    version: 1
    suppressions:
      - rule: storage.replication
        resource: "arn:aws:s3:::cabinet-du-parc-archives-replica"
        reason: The replica is itself the second copy of the archive.
        expires: 2027-06-30

Every key an entry gives must match (rule AND resource AND account AND tags). A matching FAIL
or ERROR finding becomes MUTED and keeps the reason; PASS and NOT_APPLICABLE are left alone.
An entry is in force through its `expires` day (UTC) and stops muting the day after. Entries
that muted nothing are reported, so that stale ones get noticed.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
import fnmatch
from dataclasses import dataclass, field
from typing import Any, Iterable, Mapping, Sequence

from cloudaudit.engine.validation import schema_problems
from cloudaudit.errors import InputError
from cloudaudit.model import Finding, Status
from cloudaudit.yamlfile import read_yaml_file

MUTABLE = (Status.FAIL, Status.ERROR)
"""The statuses a suppression mutes; a passing check stays visible as PASS."""

TAGS_PATH = "tags"


class Match(enum.Enum):
    YES = "yes"
    NO = "no"
    UNKNOWN = "unknown"
    """The entry names tags and the resource's tags could not be read."""


@dataclass(frozen=True)
class Suppression:
    """One entry of a suppressions file."""

    index: int
    where: str
    """`file: $.suppressions[i]`, for messages."""
    reason: str
    rule: str | None = None
    """Rule id or glob."""
    resource: str | None = None
    """Resource id or glob."""
    account: str | None = None
    """Account, subscription or project id, or a glob."""
    tags: Mapping[str, str] = field(default_factory=dict)
    """Tag key -> value or glob; every one must be on the resource."""
    expires: dt.date | None = None
    """Last day in force (UTC); None for no end."""

    def expired(self, today: dt.date) -> bool:
        return self.expires is not None and today > self.expires

    def match(self, finding: Finding) -> Match:
        resource = finding.resource
        if self.rule is not None and not fnmatch.fnmatchcase(finding.rule.id, self.rule):
            return Match.NO
        if self.resource is not None and not fnmatch.fnmatchcase(resource.id, self.resource):
            return Match.NO
        if self.account is not None and not fnmatch.fnmatchcase(resource.account, self.account):
            return Match.NO
        if not self.tags:
            return Match.YES
        if TAGS_PATH in resource.errors:
            return Match.UNKNOWN
        for key, pattern in self.tags.items():
            value = resource.tags.get(key)
            if value is None or not fnmatch.fnmatchcase(value, pattern):
                return Match.NO
        return Match.YES

    def could_select_rule(self, rule_ids: Iterable[str]) -> bool:
        return self.rule is None or any(fnmatch.fnmatchcase(r, self.rule) for r in rule_ids)

    def describe(self) -> str:
        """What it matches, e.g. `rule storage.replication, resource arn:aws:s3:::x`."""
        parts = [f"{key} {value}" for key, value in (("rule", self.rule), ("resource", self.resource), ("account", self.account)) if value]
        parts.extend(f"tag {key}={value}" for key, value in self.tags.items())
        return ", ".join(parts)

    def to_dict(self) -> dict[str, Any]:
        return {
            "entry": self.index,
            "rule": self.rule,
            "resource": self.resource,
            "account": self.account,
            "tags": dict(self.tags),
            "reason": self.reason,
            "expires": self.expires.isoformat() if self.expires else None,
        }


@dataclass(frozen=True)
class SuppressionFile:
    path: str
    entries: tuple[Suppression, ...]

    @property
    def reads(self) -> frozenset[str]:
        """Paths the collection must read so that entries can match: tags, when one names tags."""
        return frozenset({TAGS_PATH}) if any(e.tags for e in self.entries) else frozenset()


def load_suppressions(path: str, known_rule_ids: Sequence[str]) -> SuppressionFile:
    """Read and check a suppressions file; InputError with one line per problem.

    `known_rule_ids` (every rule loaded, selected or not) catches a misspelt rule id at once
    instead of as a stale entry months later.
    """
    document = read_yaml_file(path)
    if not isinstance(document, dict):
        raise InputError(f"{path}: $: expected a mapping with version and suppressions")
    entries = document.get("suppressions")
    if isinstance(entries, list):
        document = {**document, "suppressions": [_dates_as_text(e) for e in entries]}
    hints = _account_hints(document)
    hinted = {line.split(":", 1)[0] for line in hints}
    schema = [p for p in schema_problems(document, "suppressions.schema.json") if p.split(":", 1)[0] not in hinted]
    problems = [f"{path}: {p}" for p in hints + schema]
    if problems:
        raise InputError(problems)
    parsed = []
    for index, body in enumerate(document["suppressions"]):
        where = f"{path}: $.suppressions[{index}]"
        entry, entry_problems = _entry(index, where, body, known_rule_ids)
        problems.extend(entry_problems)
        if entry is not None:
            parsed.append(entry)
    if problems:
        raise InputError(problems)
    return SuppressionFile(path, tuple(parsed))


def _dates_as_text(entry: Any) -> Any:
    """YAML reads `expires: 2027-06-30` as a date: give the schema the text it checks."""
    if isinstance(entry, dict) and type(entry.get("expires")) is dt.date:
        return {**entry, "expires": entry["expires"].isoformat()}
    return entry


def _account_hints(document: Mapping[str, Any]) -> list[str]:
    """An unquoted account id is a YAML number (and loses leading zeros): say how to write it."""
    entries = document.get("suppressions")
    if not isinstance(entries, list):
        return []
    return [
        f"$.suppressions[{i}].account: expected a string, got the number {e['account']}"
        f' (quote account ids: account: "{e["account"]}")'
        for i, e in enumerate(entries)
        if isinstance(e, dict) and isinstance(e.get("account"), int) and not isinstance(e.get("account"), bool)
    ]


def _entry(index: int, where: str, body: Mapping[str, Any], known_rule_ids: Sequence[str]) -> tuple[Suppression | None, list[str]]:
    problems = []
    if not any(key in body for key in ("rule", "resource", "account", "tags")):
        problems.append(f"{where}: would mute everything; name at least one of rule, resource, account, tags")
    rule = body.get("rule")
    if rule is not None and not fnmatch.filter(known_rule_ids, rule):
        problems.append(f"{where}.rule: {rule!r} matches no rule (see `cloudaudit rules list`)")
    expires = None
    if "expires" in body:
        try:
            expires = dt.date.fromisoformat(body["expires"])
        except ValueError:
            problems.append(f"{where}.expires: {body['expires']!r} is not a valid date (expected a date such as 2027-06-30)")
    if problems:
        return None, problems
    entry = Suppression(
        index=index,
        where=where,
        reason=body["reason"].strip(),
        rule=rule,
        resource=body.get("resource"),
        account=body.get("account"),
        tags=dict(body.get("tags") or {}),
        expires=expires,
    )
    return entry, []


class EntryState(str, enum.Enum):
    ACTIVE = "active"
    """It matches at least one FAIL or ERROR finding (muted by the first entry that matches)."""
    EXPIRED = "expired"
    """Past its expiry date: it mutes nothing, its findings count again."""
    UNUSED = "unused"
    """In force, its rule ran, yet it matched no FAIL or ERROR finding: probably stale."""
    UNDECIDED = "undecided"
    """It names tags, and the tags of every resource it might match could not be read."""
    RULE_NOT_RUN = "rule_not_run"
    """None of the rules it names ran in this scan (rule selection), so it could not match."""


@dataclass(frozen=True)
class EntryOutcome:
    entry: Suppression
    state: EntryState
    matched: tuple[str, ...]
    """Fingerprints of the FAIL/ERROR findings it matches (muted, unless expired)."""
    unreadable_tags: tuple[str, ...] = ()
    """Fingerprints it might match, but the resource's tags could not be read: not muted."""
    unreadable_resources: tuple[str, ...] = ()
    """The ids of those resources, for the warning."""

    def to_dict(self) -> dict[str, Any]:
        return {
            **self.entry.to_dict(),
            "state": self.state.value,
            "matched": list(self.matched),
            "unreadable_tags": list(self.unreadable_tags),
        }


@dataclass(frozen=True)
class MutedFinding:
    fingerprint: str
    was: Status
    """FAIL or ERROR, before the suppression."""
    entry: int


@dataclass(frozen=True)
class SuppressionResult:
    path: str
    findings: tuple[Finding, ...]
    """Every finding, with the muted ones as MUTED and their reason."""
    entries: tuple[EntryOutcome, ...]
    muted: tuple[MutedFinding, ...]

    def warnings(self) -> list[str]:
        lines = []
        for outcome in self.entries:
            entry = outcome.entry
            if outcome.state is EntryState.EXPIRED:
                count = len(outcome.matched)
                lines.append(
                    f"{entry.where}: expired on {entry.expires} ({entry.describe()}); "
                    f"{count} finding{'s' if count != 1 else ''} it muted count{'s' if count == 1 else ''} again"
                )
            elif outcome.state is EntryState.UNUSED:
                lines.append(f"{entry.where}: matched nothing in this scan ({entry.describe()}); remove it if the problem is fixed")
            if outcome.unreadable_resources:
                names = ", ".join(outcome.unreadable_resources[:3])
                more = f" and {len(outcome.unreadable_resources) - 3} more" if len(outcome.unreadable_resources) > 3 else ""
                lines.append(f"{entry.where}: could not read the tags of {names}{more}; their findings are not muted")
        return lines

    def to_document(self) -> dict[str, Any]:
        """The `suppressions` section of the findings document."""
        return {
            "file": self.path,
            "muted": [{"fingerprint": m.fingerprint, "was": m.was.value, "entry": m.entry} for m in self.muted],
            "entries": [outcome.to_dict() for outcome in self.entries],
        }


def apply_suppressions(
    findings: Sequence[Finding], suppressions: SuppressionFile, today: dt.date, rules_run: Sequence[str]
) -> SuppressionResult:
    """Mute what the entries match; the first entry in force that matches gives the reason."""
    matched: dict[int, list[str]] = {e.index: [] for e in suppressions.entries}
    unknown: dict[int, list[Finding]] = {e.index: [] for e in suppressions.entries}
    result: list[Finding] = []
    muted: list[MutedFinding] = []
    for finding in findings:
        muting: Suppression | None = None
        if finding.status in MUTABLE:
            for entry in suppressions.entries:
                outcome = entry.match(finding)
                if outcome is Match.UNKNOWN:
                    unknown[entry.index].append(finding)
                elif outcome is Match.YES:
                    matched[entry.index].append(finding.fingerprint)
                    if muting is None and not entry.expired(today):
                        muting = entry
        if muting is None:
            result.append(finding)
            continue
        muted.append(MutedFinding(finding.fingerprint, finding.status, muting.index))
        result.append(dataclasses.replace(finding, status=Status.MUTED, muted_reason=muting.reason))
    outcomes = tuple(
        EntryOutcome(
            e,
            _state(e, matched[e.index], bool(unknown[e.index]), today, rules_run),
            tuple(matched[e.index]),
            tuple(f.fingerprint for f in unknown[e.index]),
            tuple(dict.fromkeys(f.resource.id for f in unknown[e.index])),
        )
        for e in suppressions.entries
    )
    return SuppressionResult(suppressions.path, tuple(result), outcomes, tuple(muted))


def _state(entry: Suppression, matched: Sequence[str], undecided: bool, today: dt.date, rules_run: Sequence[str]) -> EntryState:
    if entry.expired(today):
        return EntryState.EXPIRED
    if matched:
        return EntryState.ACTIVE
    if undecided:
        return EntryState.UNDECIDED
    if not entry.could_select_rule(rules_run):
        return EntryState.RULE_NOT_RUN
    return EntryState.UNUSED


def today_utc() -> dt.date:
    return dt.datetime.now(dt.timezone.utc).date()

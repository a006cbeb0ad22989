"""Suppressions as a practice uses them: accepted findings become MUTED with their reason,
do not fail CI, expire, and stale or bad entries are reported."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cloudaudit.engine.validation import schema_problems
from tests.conftest import REPO
from tests.support.practice import build_practice_here

ACCOUNT = "123456789012"
EXPORT = "arn:aws:s3:::cabinet-du-parc-export-teleconsultation"
REPLICA = "arn:aws:s3:::cabinet-du-parc-archives-replica"
ENCRYPTION = "storage.encryption-at-rest"
"""Fails on the export bucket only (it has no default encryption)."""


@pytest.fixture
def inventory(practice_inventory: str) -> str:
    return practice_inventory


def suppressions_file(tmp_path: Path, *entries: dict, text: str | None = None) -> str:
    path = tmp_path / "suppressions.yaml"
    path.write_text(text if text is not None else json.dumps({"version": 1, "suppressions": list(entries)}), encoding="utf-8")
    return str(path)


def evaluate(cli, inventory: str, *args: str):
    result = cli("evaluate", inventory, "--format", "json", *args)
    return result, (result.json() if result.out else None)


def finding(document: dict, rule_id: str, resource_id: str) -> dict:
    (match,) = [f for f in document["findings"] if f["rule"]["id"] == rule_id and f["resource"]["id"] == resource_id]
    return match


def test_a_suppressed_failure_is_muted_with_its_reason_and_does_not_fail_the_run(cli, inventory, tmp_path):
    gate = ("--rule", ENCRYPTION, "--fail-on", "low")
    result, document = evaluate(cli, inventory, *gate)
    assert result.code == 1
    assert finding(document, ENCRYPTION, EXPORT)["status"] == "FAIL"

    path = suppressions_file(tmp_path, {"rule": ENCRYPTION, "resource": EXPORT, "reason": "Vendor export, emptied daily"})
    result, document = evaluate(cli, inventory, *gate, "--suppressions", path)
    assert result.code == 0, result.err
    muted = finding(document, ENCRYPTION, EXPORT)
    assert (muted["status"], muted["muted_reason"]) == ("MUTED", "Vendor export, emptied daily")
    assert document["summary"]["by_status"]["MUTED"] == 1
    assert document["summary"]["by_status"]["FAIL"] == 0
    section = document["suppressions"]
    assert section["muted"] == [{"fingerprint": muted["fingerprint"], "was": "FAIL", "entry": 0}]
    assert section["entries"][0]["state"] == "active"
    assert schema_problems(document, "findings.schema.json") == []
    assert result.err.count("warning") == 0


@pytest.mark.parametrize(
    "entry, muted",
    [
        ({"rule": "storage.encryption-*"}, True),
        ({"resource": "arn:aws:s3:::*-export-*"}, True),
        ({"account": ACCOUNT, "rule": ENCRYPTION}, True),
        ({"account": "999999999999"}, False),
        ({"tags": {"data": "exports"}}, True),
        ({"tags": {"data": "exp*"}}, True),
        ({"tags": {"data": "imaging"}}, False),
        ({"tags": {"data": "exports", "owner": "*"}}, False),
        ({"rule": ENCRYPTION, "resource": REPLICA}, False),
    ],
)
def test_every_key_of_an_entry_must_match(cli, inventory, tmp_path, entry, muted):
    path = suppressions_file(tmp_path, {**entry, "reason": "accepted"})
    result, document = evaluate(cli, inventory, "--rule", ENCRYPTION, "--suppressions", path)
    assert finding(document, ENCRYPTION, EXPORT)["status"] == ("MUTED" if muted else "FAIL")
    assert result.code == (0 if muted else 1)


def test_passing_checks_stay_pass_and_the_first_matching_entry_gives_the_reason(cli, inventory, tmp_path):
    path = suppressions_file(
        tmp_path,
        {"resource": EXPORT, "reason": "first"},
        {"rule": "storage.*", "resource": EXPORT, "reason": "second"},
    )
    _, document = evaluate(cli, inventory, "--suppressions", path)
    on_export = [f for f in document["findings"] if f["resource"]["id"] == EXPORT]
    assert {f["status"] for f in on_export} == {"MUTED", "PASS", "NOT_APPLICABLE"}, "only FAIL and ERROR are muted"
    assert {f["muted_reason"] for f in on_export if f["status"] == "MUTED"} == {"first"}
    assert [e["state"] for e in document["suppressions"]["entries"]] == ["active", "active"]


def test_an_expired_suppression_stops_muting_and_warns(cli, inventory, tmp_path):
    path = suppressions_file(tmp_path, {"rule": ENCRYPTION, "resource": EXPORT, "reason": "until the migration", "expires": "2020-01-31"})
    result, document = evaluate(cli, inventory, "--rule", ENCRYPTION, "--suppressions", path)
    assert result.code == 1
    assert finding(document, ENCRYPTION, EXPORT)["status"] == "FAIL"
    assert f"{path}: $.suppressions[0]: expired on 2020-01-31" in result.err
    entry = document["suppressions"]["entries"][0]
    assert (entry["state"], entry["expires"], len(entry["matched"])) == ("expired", "2020-01-31", 1)


def test_an_unquoted_yaml_date_works_and_an_entry_in_force_mutes(cli, inventory, tmp_path):
    text = f"""version: 1
suppressions:
  - rule: {ENCRYPTION}
    resource: "{EXPORT}"
    reason: until the migration
    expires: 2099-12-31
"""
    result, document = evaluate(cli, inventory, "--rule", ENCRYPTION, "--suppressions", suppressions_file(tmp_path, text=text))
    assert result.code == 0
    assert document["suppressions"]["entries"][0]["expires"] == "2099-12-31"


def test_an_entry_that_matched_nothing_is_reported_so_stale_entries_get_noticed(cli, inventory, tmp_path):
    path = suppressions_file(
        tmp_path,
        {"resource": "arn:aws:s3:::bucket-deleted-last-year", "reason": "old"},
        {"rule": ENCRYPTION, "resource": "arn:aws:s3:::cabinet-du-parc-archives", "reason": "passes now"},
        {"rule": "storage.replication", "reason": "not selected in this run"},
    )
    result, document = evaluate(cli, inventory, "--rule", ENCRYPTION, "--suppressions", path)
    states = [e["state"] for e in document["suppressions"]["entries"]]
    assert states == ["unused", "unused", "rule_not_run"]
    assert f"{path}: $.suppressions[0]: matched nothing in this scan (resource arn:aws:s3:::bucket-deleted-last-year)" in result.err
    assert f"{path}: $.suppressions[1]: matched nothing" in result.err
    assert "suppressions[2]" not in result.err


def test_error_results_can_be_muted_and_then_do_not_fail_on_error(cli, inventory, tmp_path):
    document = json.loads(Path(inventory).read_text())
    for resource in document["resources"]:
        if resource["id"] == EXPORT:
            resource["errors"]["encryption"] = "s3:GetBucketEncryption: AccessDenied"
    denied = tmp_path / "denied.json"
    denied.write_text(json.dumps(document))
    gate = ("--rule", ENCRYPTION, "--fail-on-error")
    result, report = evaluate(cli, str(denied), *gate)
    assert (result.code, finding(report, ENCRYPTION, EXPORT)["status"]) == (1, "ERROR")

    path = suppressions_file(tmp_path, {"resource": EXPORT, "reason": "the vendor's bucket policy denies us"})
    result, report = evaluate(cli, str(denied), *gate, "--suppressions", path)
    assert (result.code, finding(report, ENCRYPTION, EXPORT)["status"]) == (0, "MUTED")
    assert report["suppressions"]["muted"][0]["was"] == "ERROR"


def test_tags_that_could_not_be_read_never_mute(cli, inventory, tmp_path):
    document = json.loads(Path(inventory).read_text())
    for resource in document["resources"]:
        if resource["id"] == EXPORT:
            resource["tags"] = {}
            resource["errors"]["tags"] = "s3:GetBucketTagging: AccessDenied"
    denied = tmp_path / "no-tags.json"
    denied.write_text(json.dumps(document))
    path = suppressions_file(tmp_path, {"tags": {"data": "exports"}, "reason": "exports"})
    result, report = evaluate(cli, str(denied), "--rule", ENCRYPTION, "--suppressions", path)
    assert result.code == 1
    assert finding(report, ENCRYPTION, EXPORT)["status"] == "FAIL"
    entry = report["suppressions"]["entries"][0]
    assert entry["state"] == "undecided" and len(entry["unreadable_tags"]) == 1
    assert f"could not read the tags of {EXPORT}; their findings are not muted" in result.err


def test_a_tag_suppression_makes_the_scan_read_tags_that_no_rule_reads(cli, aws_endpoint, tmp_path):
    """The encryption rule does not read tags, so a plain scan never calls GetBucketTagging;
    a suppression on tags adds them to the collection plan, and then it matches."""
    build_practice_here()
    scan = ("scan", "--provider", "aws", "--rule", ENCRYPTION, "--format", "json")
    plain = cli(*scan)
    assert "s3:GetBucketTagging" not in plain.json()["scan"]["api_calls"]

    path = suppressions_file(tmp_path, {"tags": {"data": "exports"}, "reason": "exports are emptied daily"})
    result = cli(*scan, "--suppressions", path)
    assert result.code == 0, result.err
    document = result.json()
    assert document["scan"]["api_calls"]["s3:GetBucketTagging"] == 7
    assert finding(document, ENCRYPTION, EXPORT)["status"] == "MUTED"


def test_the_example_file_is_valid_and_mutes_what_it_says(cli, inventory):
    result, document = evaluate(cli, inventory, "--suppressions", str(REPO / "examples" / "suppressions.yaml"))
    assert [e["state"] for e in document["suppressions"]["entries"]] == ["active", "active", "active"]
    assert document["summary"]["by_status"]["MUTED"] == 3
    assert "warning" not in result.err


@pytest.mark.parametrize(
    "text, line",
    [
        ("version: 1\nsuppressions:\n  - rule: storage.versioning\n", "$.suppressions[0]: missing required key 'reason'"),
        ("version: 1\nsuppressions:\n  - rule: storage.versioning\n    reason: ok\n    resources: x\n",
         "$.suppressions[0]: unexpected key 'resources' (expected one of rule, resource, account, tags, reason, expires)"),
        ("version: 1\nsuppressions:\n  - reason: everything is fine\n",
         "$.suppressions[0]: would mute everything; name at least one of rule, resource, account, tags"),
        ("version: 1\nsuppressions:\n  - rule: storage.versionning\n    reason: typo\n",
         "$.suppressions[0].rule: 'storage.versionning' matches no rule (see `cloudaudit rules list`)"),
        ("version: 1\nsuppressions:\n  - account: 123456789012\n    reason: r\n",
         '$.suppressions[0].account: expected a string, got the number 123456789012 (quote account ids: account: "123456789012")'),
        ("version: 1\nsuppressions:\n  - rule: storage.versioning\n    reason: r\n    expires: 2027-13-01\n",
         "line 5: '2027-13-01' is not a valid date (month must be in 1..12)"),
        ("version: 1\nsuppressions:\n  - rule: storage.versioning\n    reason: r\n    expires: '2027-02-30'\n",
         "$.suppressions[0].expires: '2027-02-30' is not a valid date (expected a date such as 2027-06-30)"),
        ("version: 1\nsuppressions:\n  - rule: storage.versioning\n    reason: r\n    expires: next year\n",
         "$.suppressions[0].expires: 'next year' is not valid (expected a date such as 2027-06-30)"),
        ("version: 1\nsuppressions:\n  - rule: storage.versioning\n    reason: '  '\n",
         "$.suppressions[0].reason: '  ' is not valid (expected a sentence saying why this is accepted)"),
        ("version: 1\nsuppressions:\n  - rule: storage.versioning\n    reason: r\n    tags: {env: 1}\n",
         "$.suppressions[0].tags.env: expected a string, got 1"),
        ("suppressions: []\n", "$: missing required key 'version'"),
        ("- rule: x\n", "$: expected a mapping with version and suppressions"),
        ("version: 1\nsuppressions:\n  - rule: a\n    rule: b\n    reason: r\n", "line 4: duplicated key 'rule'"),
    ],
)
def test_bad_entries_get_one_clear_line_and_exit_2(cli, inventory, tmp_path, text, line):
    path = suppressions_file(tmp_path, text=text)
    result = cli("evaluate", inventory, "--suppressions", path)
    assert result.code == 2
    assert result.out == ""
    assert result.err.splitlines() == [f"{path}: {line}"]


def test_a_missing_suppressions_file_stops_the_scan_before_it_starts(cli, tmp_path):
    result = cli("scan", "--provider", "aws", "--suppressions", str(tmp_path / "nope.yaml"))
    assert (result.code, result.err.strip()) == (2, f"{tmp_path / 'nope.yaml'}: file not found")


def test_the_readme_example_is_valid_and_mutes(cli, inventory, tmp_path):
    section = (REPO / "README.md").read_text().split("## CI and ticketing", 1)[1]
    example = section.split("```yaml\n", 1)[1].split("```", 1)[0]
    result, document = evaluate(cli, inventory, "--suppressions", suppressions_file(tmp_path, text=example))
    assert [e["state"] for e in document["suppressions"]["entries"]] == ["active", "active"]
    assert result.err == ""


def test_the_compliance_summary_still_counts_a_muted_failure(cli, inventory, tmp_path):
    path = suppressions_file(tmp_path, {"rule": ENCRYPTION, "resource": EXPORT, "reason": "accepted"})
    _, document = evaluate(cli, inventory, "--framework", "hds", "--suppressions", path)
    assert finding(document, ENCRYPTION, EXPORT)["status"] == "MUTED"
    (hds,) = document["compliance"]
    failing = [f for r in hds["requirements"] if r["status"] == "FAIL" for f in r["failing"]]
    assert {"rule": ENCRYPTION, "resource": EXPORT} in [{"rule": f["rule"], "resource": f["resource"]} for f in failing]


def test_the_table_shows_why_a_finding_is_muted(cli, inventory, tmp_path):
    path = suppressions_file(tmp_path, {"rule": ENCRYPTION, "resource": EXPORT, "reason": "Vendor export, emptied daily"})
    result = cli("evaluate", inventory, "--format", "table", "--rule", ENCRYPTION, "--suppressions", path)
    flat = " ".join(result.out.split())
    assert "MUTED storage.encryption-at-rest no default encryption is configured (muted: Vendor export, emptied daily)" in flat


def test_a_tenant_names_its_suppressions_file_in_the_config_and_the_option_wins(cli, inventory, tmp_path):
    """An IT provider keeps each practice's accepted findings beside its config entry."""
    folder = tmp_path / "practices"
    folder.mkdir()
    (folder / "parc-accepted.yaml").write_text(json.dumps({"version": 1, "suppressions": [
        {"rule": ENCRYPTION, "resource": EXPORT, "reason": "Vendor export, emptied daily"}]}), encoding="utf-8")
    config = folder / "tenants.yaml"
    config.write_text(
        "version: 1\n"
        "defaults: {suppressions: missing-default.yaml}\n"
        "tenants:\n"
        "  - {name: cabinet-du-parc, accounts: [{provider: aws}], suppressions: parc-accepted.yaml}\n"
        "  - {name: cabinet-martin, accounts: [{provider: aws}]}\n",
        encoding="utf-8",
    )
    gate = ("--rule", ENCRYPTION, "--fail-on", "low", "--config", str(config))

    result, document = evaluate(cli, inventory, *gate, "--tenant", "cabinet-du-parc")
    assert result.code == 0, result.err
    assert finding(document, ENCRYPTION, EXPORT)["muted_reason"] == "Vendor export, emptied daily"

    other = suppressions_file(tmp_path, {"rule": ENCRYPTION, "resource": "arn:aws:s3:::nothing-*", "reason": "other"})
    result, document = evaluate(cli, inventory, *gate, "--tenant", "cabinet-du-parc", "--suppressions", other)
    assert result.code == 1, "--suppressions replaces the tenant's file"
    assert finding(document, ENCRYPTION, EXPORT)["status"] == "FAIL"

    result = cli("evaluate", inventory, *gate, "--tenant", "cabinet-martin")
    assert result.code == 2
    assert str(folder / "missing-default.yaml") in result.err.strip().splitlines()[-1]

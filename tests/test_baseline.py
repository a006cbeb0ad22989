"""Baselines and diffs, as a CI job uses them: last week's findings document against today's."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cloudaudit.engine.validation import schema_problems
from cloudaudit.model import fingerprint

EXPORT = "arn:aws:s3:::cabinet-du-parc-export-teleconsultation"
ARCHIVES = "arn:aws:s3:::cabinet-du-parc-archives"
FIXED = fingerprint("storage.encryption-at-rest", EXPORT)
"""Failing last week (no default encryption), fixed this week."""
BROKEN = fingerprint("storage.https-only", ARCHIVES)
"""Passing last week, failing this week (someone removed the TLS-only policy)."""


@pytest.fixture(scope="module")
def weeks(practice_inventory: str, tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """Two inventories of the practice: last week's, and this week's with one fix and one regression."""
    folder = tmp_path_factory.mktemp("weeks")
    document = json.loads(Path(practice_inventory).read_text())
    for resource in document["resources"]:
        if resource["id"] == EXPORT:
            resource["properties"]["encryption"].update({"at_rest": True, "algorithm": "AES256"})
        if resource["id"] == ARCHIVES:
            resource["properties"]["transport"]["https_only"] = False
    this = folder / "this-week.json"
    this.write_text(json.dumps(document))
    return {"last": practice_inventory, "this": str(this)}


@pytest.fixture
def last_findings(cli, weeks, tmp_path) -> str:
    path = str(tmp_path / "last-findings.json")
    assert cli("evaluate", weeks["last"], "-o", path).code == 1
    return path


def test_with_a_baseline_only_new_failures_fail_the_run_and_the_document_says_which(cli, weeks, last_findings):
    plain = cli("evaluate", weeks["this"], "--format", "json")
    assert plain.code == 1
    failing = [f["fingerprint"] for f in plain.json()["findings"] if f["status"] == "FAIL"]

    result = cli("evaluate", weeks["this"], "--format", "json", "--baseline", last_findings)
    assert result.code == 1
    document = result.json()
    section = document["baseline"]
    assert section["new"] == [BROKEN]
    assert section["resolved"] == [FIXED]
    assert sorted(section["unchanged"]) == sorted(fp for fp in failing if fp != BROKEN)
    assert section["file"] == last_findings
    assert section["scan_id"] == json.loads(Path(last_findings).read_text())["scan"]["id"]
    assert [f["fingerprint"] for f in document["findings"] if f["status"] == "FAIL"] == failing, "all are still reported"
    assert schema_problems(document, "findings.schema.json") == []


def test_old_failures_alone_do_not_fail_the_run(cli, weeks, last_findings):
    assert cli("evaluate", weeks["last"], "--baseline", last_findings, "--format", "json").code == 0
    # The new failure is high: a gate on critical lets it through, a gate on high does not.
    assert cli("evaluate", weeks["this"], "--baseline", last_findings, "--fail-on", "critical", "--format", "json").code == 0
    assert cli("evaluate", weeks["this"], "--baseline", last_findings, "--fail-on", "high", "--format", "json").code == 1


def test_errors_still_fail_with_fail_on_error_when_a_baseline_is_given(cli, weeks, last_findings, tmp_path):
    document = json.loads(Path(weeks["last"]).read_text())
    document["resources"][1]["errors"]["versioning"] = "s3:GetBucketVersioning: AccessDenied"
    denied = tmp_path / "denied.json"
    denied.write_text(json.dumps(document))
    assert cli("evaluate", str(denied), "--baseline", last_findings, "--format", "json").code == 0
    assert cli("evaluate", str(denied), "--baseline", last_findings, "--fail-on-error", "--format", "json").code == 1


def test_a_baseline_of_other_accounts_warns_that_everything_is_new(cli, weeks, last_findings, tmp_path):
    other = json.loads(Path(last_findings).read_text())
    other["scan"]["accounts"] = [{"provider": "aws", "id": "210987654321", "name": ""}]
    path = tmp_path / "other.json"
    path.write_text(json.dumps(other))
    result = cli("evaluate", weeks["this"], "--baseline", str(path), "--format", "json")
    assert f"warning: baseline {path} is of account 210987654321, this scan of 123456789012" in result.err


def test_diff_table_names_new_resolved_and_unchanged(cli, weeks, last_findings, tmp_path):
    this_findings = str(tmp_path / "this-findings.json")
    cli("evaluate", weeks["this"], "-o", this_findings)
    result = cli("diff", last_findings, this_findings)
    assert result.code == 0
    lines = result.out.splitlines()
    unchanged = cli("diff", last_findings, this_findings, "--format", "json").json()["counts"]["unchanged"]
    assert lines[0] == f"cloudaudit diff: 1 new, 1 resolved, {unchanged} unchanged failing findings"
    new_at = lines.index("New (1)")
    assert "storage.https-only" in lines[new_at + 3] and ARCHIVES in lines[new_at + 3]
    resolved_at = lines.index("Resolved (1)")
    assert "storage.encryption-at-rest" in lines[resolved_at + 3] and lines[resolved_at + 3].rstrip().endswith("PASS")
    assert f"Unchanged ({unchanged})" in lines


def test_diff_json_and_its_gate(cli, weeks, last_findings, tmp_path):
    this_findings = str(tmp_path / "this-findings.json")
    cli("evaluate", weeks["this"], "-o", this_findings)
    out = tmp_path / "diff.json"
    result = cli("diff", last_findings, this_findings, "--format", "json", "-o", str(out), "--fail-on", "high")
    assert result.code == 1, "the new finding is high"
    assert f"wrote {out} (1 new, 1 resolved" in result.err
    document = json.loads(out.read_text())
    assert document["counts"]["new"] == 1 and document["counts"]["resolved"] == 1
    assert [f["fingerprint"] for f in document["findings"]["new"]] == [BROKEN]
    (resolved,) = document["findings"]["resolved"]
    assert (resolved["fingerprint"], resolved["status"], resolved["now"]) == (FIXED, "FAIL", "PASS")
    assert document["old"]["file"] == last_findings and document["new"]["file"] == this_findings
    assert cli("diff", last_findings, this_findings, "--fail-on", "critical").code == 0


def test_a_finding_muted_since_the_baseline_is_no_longer_failing(cli, weeks, last_findings, tmp_path):
    suppressions = tmp_path / "s.yaml"
    suppressions.write_text(f'version: 1\nsuppressions:\n  - resource: "{ARCHIVES}"\n    rule: storage.https-only\n    reason: migration window\n')
    this_findings = str(tmp_path / "this-findings.json")
    result = cli("evaluate", weeks["this"], "--suppressions", str(suppressions), "--baseline", last_findings, "-o", this_findings)
    assert result.code == 0, "the only new failure is muted"
    diff = cli("diff", last_findings, this_findings, "--format", "json").json()
    assert diff["counts"]["new"] == 0


@pytest.mark.parametrize(
    "content, line",
    [
        ("{not json", "line 1: not valid JSON (Expecting property name enclosed in double quotes)"),
        ("[]", "$: expected a findings document (written by `cloudaudit scan --format json`)"),
        ("{}", "not a findings document (no schema_version, scan, findings); expected the output of `cloudaudit scan --format json`"),
        (None, "this is an inventory (from `cloudaudit collect`), expected a findings document (from `cloudaudit scan --format json` or `cloudaudit evaluate --format json`)"),
    ],
)
def test_bad_files_get_one_clear_line_and_exit_2(cli, weeks, last_findings, tmp_path, content, line):
    path = weeks["last"] if content is None else str(tmp_path / "bad.json")
    if content is not None:
        Path(path).write_text(content)
    for args in (("diff", path, last_findings), ("diff", last_findings, path), ("evaluate", weeks["this"], "--baseline", path)):
        result = cli(*args)
        assert result.code == 2
        assert result.err.splitlines() == [f"{path}: {line}"]


def test_a_damaged_finding_is_named_by_its_json_path(cli, last_findings, tmp_path):
    document = json.loads(Path(last_findings).read_text())
    document["findings"][3]["status"] = "BROKEN"
    del document["findings"][5]["fingerprint"]
    path = tmp_path / "damaged.json"
    path.write_text(json.dumps(document))
    result = cli("diff", str(path), last_findings)
    assert result.code == 2
    assert result.err.splitlines() == [
        f"{path}: $.findings[3].status: 'BROKEN' is not allowed (expected one of PASS, FAIL, ERROR, NOT_APPLICABLE, MUTED)",
        f"{path}: $.findings[5]: missing required key 'fingerprint'",
    ]


def test_a_missing_baseline_is_one_line(cli, weeks, tmp_path):
    result = cli("evaluate", weeks["this"], "--baseline", str(tmp_path / "none.json"))
    assert (result.code, result.err.splitlines()) == (2, [f"{tmp_path / 'none.json'}: file not found"])

"""examples/ticketing/sync_tickets.py, run as a user runs it, against fake GitHub and Jira APIs:
one ticket per failing finding, never two, across runs."""

from __future__ import annotations

import base64
import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO, CliResult
from tests.support.fake_trackers import FakeGitHub, FakeJira

SCRIPT = REPO / "examples" / "ticketing" / "sync_tickets.py"
GITHUB_TOKEN = "ghp_example0token0never0printed"
JIRA_AUTH = ("it@example.org", "jira-token-never-printed")


@pytest.fixture
def findings(cli, practice_inventory, tmp_path) -> str:
    path = str(tmp_path / "findings.json")
    cli("evaluate", practice_inventory, "-o", path)
    return path


def sync(*args: str) -> CliResult:
    env = {"PATH": "/usr/bin:/bin", "GITHUB_TOKEN": GITHUB_TOKEN, "JIRA_EMAIL": JIRA_AUTH[0], "JIRA_API_TOKEN": JIRA_AUTH[1]}
    done = subprocess.run([sys.executable, str(SCRIPT), *args], capture_output=True, text=True, env=env, timeout=60)
    assert GITHUB_TOKEN not in done.stdout + done.stderr and JIRA_AUTH[1] not in done.stdout + done.stderr
    return CliResult(done.returncode, done.stdout, done.stderr)


def failing(path: str, at_least: tuple[str, ...] = ("critical", "high", "medium", "low")) -> list[dict]:
    return [f for f in json.loads(Path(path).read_text())["findings"] if f["status"] == "FAIL" and f["severity"] in at_least]


def test_github_issues_are_created_once_per_failing_finding(findings):
    expected = failing(findings)
    with FakeGitHub(f"Bearer {GITHUB_TOKEN}") as github:
        args = ("github", findings, "--repo", "practice-it/cabinet-du-parc", "--api-url", github.url)
        first = sync(*args)
        assert first.code == 0, first.err
        assert len(github.issues) == len(expected)
        assert first.out.count("created #") == len(expected)
        second = sync(*args)
        assert second.code == 0 and len(github.issues) == len(expected)
        assert second.out.count("exists #") == len(expected), "found across several pages"
    issue = github.issues[0]
    assert issue["title"].startswith(f"[{expected[0]['severity']}] {expected[0]['rule']['title']}: ")
    assert f"<!-- cloudaudit-fingerprint: {expected[0]['fingerprint']} -->" in issue["body"]
    assert set(issue["labels"]) == {"cloudaudit", f"severity:{expected[0]['severity']}"}


def test_github_reopens_what_fails_again_and_closes_what_passes(findings, tmp_path):
    with FakeGitHub(f"Bearer {GITHUB_TOKEN}") as github:
        args = ("--repo", "practice-it/cabinet-du-parc", "--api-url", github.url)
        assert sync("github", findings, *args).code == 0
        document = json.loads(Path(findings).read_text())
        still_failing, fixed = github.issues[0], github.issues[1]
        still_failing["state"] = "closed"  # someone closed it without fixing anything
        fixed_fingerprint = failing(findings)[1]["fingerprint"]
        for finding in document["findings"]:
            if finding["fingerprint"] == fixed_fingerprint:
                finding["status"] = "PASS"
        later = tmp_path / "later.json"
        later.write_text(json.dumps(document))
        result = sync("github", str(later), *args, "--close-resolved")
        assert result.code == 0, result.err
    assert (still_failing["state"], fixed["state"]) == ("open", "closed")
    assert f"reopened #{still_failing['number']}" in result.out and f"closed #{fixed['number']} (passes now)" in result.out
    assert github.comments[still_failing["number"]][0].startswith("Failing again in scan ")


def test_only_findings_at_or_above_the_severity_are_filed_and_muted_never(findings, tmp_path):
    document = json.loads(Path(findings).read_text())
    high = failing(findings, ("critical", "high"))
    document["findings"][[f["fingerprint"] for f in document["findings"]].index(high[0]["fingerprint"])]["status"] = "MUTED"
    muted = tmp_path / "muted.json"
    muted.write_text(json.dumps(document))
    with FakeGitHub(f"Bearer {GITHUB_TOKEN}") as github:
        assert sync("github", str(muted), "--repo", "o/r", "--api-url", github.url, "--severity", "high").code == 0
    assert len(github.issues) == len(high) - 1


def test_a_refused_token_stops_with_one_line(findings):
    with FakeGitHub("Bearer another-token") as github:
        result = sync("github", findings, "--repo", "o/r", "--api-url", github.url)
    assert result.code == 1 and result.err.strip() == "GET /repos/o/r/issues: HTTP 401 Unauthorized"
    assert github.issues == []


def test_jira_tickets_are_created_once_per_failing_finding(findings):
    expected = failing(findings)
    basic = base64.b64encode(":".join(JIRA_AUTH).encode()).decode()
    with FakeJira(f"Basic {basic}") as jira:
        args = ("jira", findings, "--url", jira.url, "--project", "SEC")
        first = sync(*args)
        assert first.code == 0, first.err
        assert len(jira.issues) == len(expected) and first.out.count("created SEC-") == len(expected)
        second = sync(*args)
        assert second.code == 0 and len(jira.issues) == len(expected)
        assert second.out.count("exists SEC-") == len(expected), "found across several pages"
    fields = jira.issues[0]["fields"]
    assert fields["labels"] == ["cloudaudit", f"cloudaudit-{expected[0]['fingerprint']}"]
    assert fields["issuetype"] == {"name": "Task"} and fields["summary"].startswith(f"[{expected[0]['severity']}] ")

#!/usr/bin/env python3
"""File one ticket per failing finding of a cloudaudit findings document, in GitHub Issues or
Jira, and never two: each ticket carries the finding's fingerprint, and existing tickets are
looked up by it before anything is created. Standard library only; a recipe to adapt.

    export GITHUB_TOKEN=...            # a token that may write issues
    python sync_tickets.py github findings.json --repo practice-it/cabinet-du-parc --severity high

    export JIRA_EMAIL=it@example.org JIRA_API_TOKEN=...
    python sync_tickets.py jira findings.json --url https://example.atlassian.net --project SEC

GitHub: the fingerprint is an HTML comment in the issue body; an issue closed while its finding
still fails is reopened; --close-resolved closes the issues whose finding passes now.
Jira: the fingerprint is the label cloudaudit-<fingerprint>; an existing ticket, whatever its
status, is left to the project's workflow. MUTED findings (suppressed) are never filed.
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import re
import sys
import urllib.error
import urllib.parse
import urllib.request
from typing import Any, Iterator

SEVERITIES = ["info", "low", "medium", "high", "critical"]
MARKER = "<!-- cloudaudit-fingerprint: {} -->"
MARKER_PATTERN = re.compile(r"<!-- cloudaudit-fingerprint: ([0-9a-f]{32}) -->")


def load_findings(path: str) -> dict[str, Any]:
    with open(path, encoding="utf-8") as handle:
        document = json.load(handle)
    if document.get("schema_version") != "1.0" or "findings" not in document:
        sys.exit(f"{path}: not a cloudaudit findings document (cloudaudit scan --format json)")
    return document


def to_file(document: dict[str, Any], min_severity: str) -> list[dict[str, Any]]:
    floor = SEVERITIES.index(min_severity)
    return [
        f for f in document["findings"]
        if f["status"] == "FAIL" and SEVERITIES.index(f["severity"]) >= floor
    ]


def title(finding: dict[str, Any]) -> str:
    return f"[{finding['severity']}] {finding['rule']['title']}: {finding['resource']['name']}"


def description(finding: dict[str, Any], scan: dict[str, Any]) -> str:
    resource = finding["resource"]
    frameworks = ", ".join(f"{c['framework']} {c['control']}" for c in finding["compliance"]) or "-"
    return "\n".join([
        f"Seen: {finding['message']}",
        f"Resource: {resource['id']} ({resource['provider']} {resource['type']}, account {resource['account']}, region {resource['region'] or '-'})",
        f"Rule: {finding['rule']['id']} ({finding['rule']['control']}); compliance: {frameworks}",
        f"Scan: {scan.get('id')} at {scan.get('finished_at')}, tenant {scan.get('tenant') or '-'}",
        "",
        "How to fix:",
        finding["remediation"],
    ])


class Api:
    """JSON over HTTPS with one authorization header; the token is never printed."""

    def __init__(self, base_url: str, authorization: str, extra_headers: dict[str, str] | None = None):
        self.base_url = base_url.rstrip("/")
        self.headers = {"Authorization": authorization, "Accept": "application/json", **(extra_headers or {})}

    def call(self, method: str, path: str, body: Any = None) -> tuple[Any, dict[str, str]]:
        url = path if path.startswith("http") else self.base_url + path
        data = json.dumps(body).encode() if body is not None else None
        headers = {**self.headers, **({"Content-Type": "application/json"} if data else {})}
        request = urllib.request.Request(url, data=data, headers=headers, method=method)
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                text = response.read().decode() or "null"
                return json.loads(text), dict(response.headers.items())
        except urllib.error.HTTPError as exc:
            sys.exit(f"{method} {urllib.parse.urlsplit(url).path}: HTTP {exc.code} {exc.reason}")


class GitHub:
    def __init__(self, api: Api, repo: str, label: str):
        self.api, self.repo, self.label = api, repo, label

    def existing(self) -> dict[str, dict[str, Any]]:
        """Fingerprint -> issue, over every page of the issues with our label, open or closed."""
        found = {}
        url: str | None = f"/repos/{self.repo}/issues?" + urllib.parse.urlencode({"labels": self.label, "state": "all", "per_page": 100})
        while url:
            issues, headers = self.api.call("GET", url)
            for issue in issues:
                match = MARKER_PATTERN.search(issue.get("body") or "")
                if match and "pull_request" not in issue:
                    found[match.group(1)] = issue
            url = _next_link(headers.get("Link", ""))
        return found

    def sync(self, document: dict[str, Any], findings: list[dict[str, Any]], close_resolved: bool) -> Iterator[str]:
        existing = self.existing()
        scan = document["scan"]
        for finding in findings:
            fingerprint = finding["fingerprint"]
            issue = existing.get(fingerprint)
            if issue is None:
                body = description(finding, scan) + "\n\n" + MARKER.format(fingerprint)
                created, _ = self.api.call("POST", f"/repos/{self.repo}/issues", {"title": title(finding), "body": body, "labels": [self.label, f"severity:{finding['severity']}"]})
                yield f"created #{created['number']} {title(finding)}"
            elif issue["state"] == "closed":
                self.api.call("POST", f"/repos/{self.repo}/issues/{issue['number']}/comments", {"body": f"Failing again in scan {scan.get('id')}: {finding['message']}"})
                self.api.call("PATCH", f"/repos/{self.repo}/issues/{issue['number']}", {"state": "open"})
                yield f"reopened #{issue['number']} {title(finding)}"
            else:
                yield f"exists #{issue['number']} {title(finding)}"
        if close_resolved:
            passing = {f["fingerprint"] for f in document["findings"] if f["status"] == "PASS"}
            for fingerprint, issue in existing.items():
                if issue["state"] == "open" and fingerprint in passing:
                    self.api.call("POST", f"/repos/{self.repo}/issues/{issue['number']}/comments", {"body": f"Passes in scan {scan.get('id')}: closing."})
                    self.api.call("PATCH", f"/repos/{self.repo}/issues/{issue['number']}", {"state": "closed", "state_reason": "completed"})
                    yield f"closed #{issue['number']} (passes now)"


class Jira:
    def __init__(self, api: Api, project: str, issue_type: str):
        self.api, self.project, self.issue_type = api, project, issue_type

    def existing(self) -> dict[str, str]:
        """Fingerprint -> issue key, from the labels cloudaudit-<fingerprint>, every page."""
        found: dict[str, str] = {}
        params = {"jql": f'project = "{self.project}" AND labels = cloudaudit', "fields": "labels", "maxResults": 100}
        while True:
            page, _ = self.api.call("GET", "/rest/api/3/search/jql?" + urllib.parse.urlencode(params))
            for issue in page.get("issues", []):
                for label in issue["fields"]["labels"]:
                    if label.startswith("cloudaudit-"):
                        found[label.removeprefix("cloudaudit-")] = issue["key"]
            if page.get("isLast", True) or not page.get("nextPageToken"):
                return found
            params["nextPageToken"] = page["nextPageToken"]

    def sync(self, document: dict[str, Any], findings: list[dict[str, Any]], close_resolved: bool) -> Iterator[str]:
        existing = self.existing()
        for finding in findings:
            key = existing.get(finding["fingerprint"])
            if key is not None:
                yield f"exists {key} {title(finding)}"
                continue
            text = description(finding, document["scan"])
            fields = {
                "project": {"key": self.project},
                "issuetype": {"name": self.issue_type},
                "summary": title(finding)[:255],
                "labels": ["cloudaudit", f"cloudaudit-{finding['fingerprint']}"],
                "description": {"type": "doc", "version": 1, "content": [
                    {"type": "paragraph", "content": [{"type": "text", "text": line}]} for line in text.splitlines() if line
                ]},
            }
            created, _ = self.api.call("POST", "/rest/api/3/issue", {"fields": fields})
            yield f"created {created['key']} {title(finding)}"


def _next_link(link_header: str) -> str | None:
    for part in link_header.split(","):
        match = re.search(r'<([^>]+)>;\s*rel="next"', part)
        if match:
            return match.group(1)
    return None


def _env(name: str) -> str:
    value = os.environ.get(name)
    if not value:
        sys.exit(f"set the environment variable {name}")
    return value


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="tracker", required=True)
    github = sub.add_parser("github", help="GitHub Issues (token in GITHUB_TOKEN)")
    github.add_argument("--repo", required=True, help="owner/name")
    github.add_argument("--api-url", default="https://api.github.com", help="GitHub Enterprise: https://HOST/api/v3")
    github.add_argument("--label", default="cloudaudit")
    github.add_argument("--close-resolved", action="store_true", help="close open issues whose finding passes now")
    jira = sub.add_parser("jira", help="Jira Cloud (JIRA_EMAIL and JIRA_API_TOKEN)")
    jira.add_argument("--url", required=True, help="https://SITE.atlassian.net")
    jira.add_argument("--project", required=True, help="project key, e.g. SEC")
    jira.add_argument("--issue-type", default="Task")
    for tracker in (github, jira):
        tracker.add_argument("findings", help="findings document: cloudaudit scan --format json -o findings.json")
        tracker.add_argument("--severity", choices=SEVERITIES, default="low", help="file findings at or above this severity")
    args = parser.parse_args(argv)

    document = load_findings(args.findings)
    findings = to_file(document, args.severity)
    if args.tracker == "github":
        api = Api(args.api_url, f"Bearer {_env('GITHUB_TOKEN')}", {"Accept": "application/vnd.github+json", "X-GitHub-Api-Version": "2022-11-28"})
        lines = GitHub(api, args.repo, args.label).sync(document, findings, args.close_resolved)
    else:
        basic = base64.b64encode(f"{_env('JIRA_EMAIL')}:{_env('JIRA_API_TOKEN')}".encode()).decode()
        lines = Jira(Api(args.url, f"Basic {basic}"), args.project, args.issue_type).sync(document, findings, False)
    for line in lines:
        print(line)


if __name__ == "__main__":
    main()

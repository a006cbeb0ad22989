"""Small fakes of the GitHub Issues and Jira Cloud REST APIs on a loopback port: the endpoints
examples/ticketing/sync_tickets.py calls, with their pagination (small pages, so that it is
exercised) and their authentication checks."""

from __future__ import annotations

import json
import re
import threading
import urllib.parse
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from typing import Any

from tests.support.loopback import LoopbackService

PAGE = 3


@dataclass
class FakeTracker(LoopbackService):
    authorization: str
    """The Authorization header every request must carry."""
    issues: list[dict[str, Any]] = field(default_factory=list)
    comments: dict[int, list[str]] = field(default_factory=dict)
    requests: list[tuple[str, str]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._lock = threading.Lock()
        self._listen(self._handler())

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def route(self, method: str, path: str, query: dict[str, str], body: Any) -> tuple[int, Any, dict[str, str]]:
        raise NotImplementedError

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        tracker = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: object) -> None:
                pass

            def _serve(self) -> None:
                parts = urllib.parse.urlsplit(self.path)
                query = dict(urllib.parse.parse_qsl(parts.query))
                length = int(self.headers.get("Content-Length") or 0)
                body = json.loads(self.rfile.read(length)) if length else None
                with tracker._lock:
                    tracker.requests.append((self.command, parts.path))
                    if self.headers.get("Authorization") != tracker.authorization:
                        status, answer, headers = 401, {"message": "Bad credentials"}, {}
                    else:
                        status, answer, headers = tracker.route(self.command, parts.path, query, body)
                payload = json.dumps(answer).encode()
                self.send_response(status)
                for name, value in {**headers, "Content-Type": "application/json", "Content-Length": str(len(payload))}.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(payload)

            do_GET = do_POST = do_PATCH = _serve

        return Handler


class FakeGitHub(FakeTracker):
    """GET/POST /repos/O/R/issues (labels, state=all, page/per_page with a Link header),
    PATCH /repos/O/R/issues/N, POST /repos/O/R/issues/N/comments."""

    def route(self, method: str, path: str, query: dict[str, str], body: Any) -> tuple[int, Any, dict[str, str]]:
        match = re.fullmatch(r"/repos/([^/]+/[^/]+)/issues(?:/(\d+)(/comments)?)?", path)
        if not match:
            return 404, {"message": "Not Found"}, {}
        repo, number, comments = match.groups()
        if number is None and method == "GET":
            label = query.get("labels")
            chosen = [i for i in self.issues if label in i["labels"] and query.get("state") == "all"]
            chosen.append({"number": 0, "body": "a pull request", "labels": [label], "state": "open", "pull_request": {}})
            page = int(query.get("page", 1))
            size = min(int(query.get("per_page", 30)), PAGE)
            headers = {}
            if page * size < len(chosen):
                following = urllib.parse.urlencode({**query, "page": page + 1})
                headers["Link"] = f'<{self.url}/repos/{repo}/issues?{following}>; rel="next"'
            view = [{**i, "labels": [{"name": n} for n in i["labels"]]} for i in chosen[(page - 1) * size : page * size]]
            return 200, view, headers
        if number is None and method == "POST":
            issue = {"number": len(self.issues) + 1, "title": body["title"], "body": body["body"], "labels": body["labels"], "state": "open"}
            self.issues.append(issue)
            return 201, issue, {}
        issue = self.issues[int(number) - 1]
        if comments:
            self.comments.setdefault(issue["number"], []).append(body["body"])
            return 201, {"id": 1}, {}
        issue["state"] = body["state"]
        return 200, issue, {}


class FakeJira(FakeTracker):
    """GET /rest/api/3/search/jql (project and label from the JQL, nextPageToken pages) and
    POST /rest/api/3/issue."""

    def route(self, method: str, path: str, query: dict[str, str], body: Any) -> tuple[int, Any, dict[str, str]]:
        if path == "/rest/api/3/search/jql" and method == "GET":
            match = re.fullmatch(r'project = "(\w+)" AND labels = (\S+)', query["jql"])
            if not match:
                return 400, {"errorMessages": ["unsupported JQL in this fake"]}, {}
            project, label = match.groups()
            chosen = [i for i in self.issues if i["project"] == project and label in i["fields"]["labels"]]
            start = int(query.get("nextPageToken", 0))
            page = chosen[start : start + PAGE]
            last = start + PAGE >= len(chosen)
            answer: dict[str, Any] = {"issues": [{"key": i["key"], "fields": {"labels": i["fields"]["labels"]}} for i in page], "isLast": last}
            if not last:
                answer["nextPageToken"] = str(start + PAGE)
            return 200, answer, {}
        if path == "/rest/api/3/issue" and method == "POST":
            fields = body["fields"]
            if fields["description"]["type"] != "doc":
                return 400, {"errors": {"description": "Operation value must be an Atlassian Document"}}, {}
            project = fields["project"]["key"]
            issue = {"key": f"{project}-{len(self.issues) + 1}", "project": project, "fields": fields}
            self.issues.append(issue)
            return 201, {"key": issue["key"]}, {}
        return 404, {"errorMessages": ["not found"]}, {}

"""JUnit XML, for the test views of CI systems (GitLab, Jenkins, Azure DevOps, GitHub actions).

One <testsuite> per rule that ran, one <testcase> per (rule, resource): FAIL is a <failure>,
ERROR an <error>, NOT_APPLICABLE and MUTED are <skipped>, PASS is an empty test case. What
could not be collected at all is a last suite, "collection", with one <error> per problem.
"""

from __future__ import annotations

import datetime as dt
import re
import xml.etree.ElementTree as ET
from collections import defaultdict

from cloudaudit.engine.rule import RuleSpec
from cloudaudit.model import CollectionIssue, Finding, Status
from cloudaudit.outputs.interface import OutputFormat
from cloudaudit.outputs.overview import issue_label, issue_where, resource_place
from cloudaudit.report import Report

COLLECTION_SUITE = "collection"

_NOT_XML = re.compile("[^\t\n\r\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


class JunitFormat(OutputFormat):
    name = "junit"
    description = "JUnit XML, for the test views of CI systems (one test case per rule and resource)"
    extension = "xml"

    def render(self, report: Report) -> str:
        by_rule: dict[str, list[Finding]] = defaultdict(list)
        for finding in report.findings:
            by_rule[finding.rule.id].append(finding)
        root = ET.Element("testsuites", {"name": "cloudaudit", "time": _duration(report)})
        suites = [
            _rule_suite(spec, by_rule.get(spec.id, []), report.started_at)
            for spec in sorted(report.rules, key=lambda s: s.id)
        ]
        if report.inventory.issues:
            suites.append(_collection_suite(report.inventory.issues, report.started_at))
        root.extend(suites)
        for total in ("tests", "failures", "errors"):
            root.set(total, str(sum(int(suite.get(total, "0")) for suite in suites)))
        ET.indent(root)
        return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


def _rule_suite(spec: RuleSpec, findings: list[Finding], timestamp: str) -> ET.Element:
    suite = _suite(spec.id, timestamp)
    properties = ET.SubElement(suite, "properties")
    for name, value in (("title", spec.title), ("control", spec.control), ("severity", spec.severity.value)):
        ET.SubElement(properties, "property", {"name": name, "value": _xml(value)})
    for finding in sorted(findings, key=lambda f: f.resource.id):
        suite.append(_testcase(finding))
    _count(suite)
    return suite


def _testcase(finding: Finding) -> ET.Element:
    case = ET.Element("testcase", {"name": _xml(finding.resource.id), "classname": finding.rule.id, "time": "0"})
    status = finding.status
    if status is Status.FAIL:
        outcome = ET.SubElement(case, "failure", {"message": _xml(finding.message), "type": finding.severity.value})
        outcome.text = _xml(_details(finding))
    elif status is Status.ERROR:
        outcome = ET.SubElement(case, "error", {"message": _xml(finding.message), "type": "ERROR"})
        outcome.text = _xml(_details(finding))
    elif status is Status.MUTED:
        reason = finding.muted_reason or "no reason given"
        ET.SubElement(case, "skipped", {"message": _xml(f"muted: {reason}"), "type": "MUTED"})
    elif status is Status.NOT_APPLICABLE:
        ET.SubElement(case, "skipped", {"message": _xml(finding.message), "type": "NOT_APPLICABLE"})
    return case


def _details(finding: Finding) -> str:
    resource = finding.resource
    lines = [
        f"[{finding.severity.value}] {finding.rule.title} ({finding.rule.control})",
        f"Resource: {resource.type} {resource.name} ({resource_place(resource)})",
        f"Id: {resource.id}",
        f"Seen: {finding.message}",
        f"Fix: {finding.remediation}",
    ]
    if finding.compliance:
        lines.append("Compliance: " + ", ".join(f"{c.framework} {c.control}" for c in finding.compliance))
    lines.append(f"Fingerprint: {finding.fingerprint}")
    return "\n".join(lines)


def _collection_suite(issues: list[CollectionIssue], timestamp: str) -> ET.Element:
    suite = _suite(COLLECTION_SUITE, timestamp)
    for issue in issues:
        attributes = {"name": _xml(issue_where(issue)), "classname": COLLECTION_SUITE, "time": "0"}
        case = ET.SubElement(suite, "testcase", attributes)
        error = ET.SubElement(case, "error", {"message": _xml(issue.message), "type": "COLLECTION"})
        error.text = _xml(issue_label(issue))
    _count(suite)
    return suite


def _suite(name: str, timestamp: str) -> ET.Element:
    return ET.Element("testsuite", {"name": name, "timestamp": timestamp, "time": "0"})


def _count(suite: ET.Element) -> None:
    cases = suite.findall("testcase")
    suite.set("tests", str(len(cases)))
    suite.set("failures", str(sum(1 for c in cases if c.find("failure") is not None)))
    suite.set("errors", str(sum(1 for c in cases if c.find("error") is not None)))
    suite.set("skipped", str(sum(1 for c in cases if c.find("skipped") is not None)))


def _duration(report: Report) -> str:
    try:
        seconds = (_instant(report.finished_at) - _instant(report.started_at)).total_seconds()
    except ValueError:
        return "0"
    return f"{max(seconds, 0.0):.3f}"


def _instant(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text.replace("Z", "+00:00"))


def _xml(text: str) -> str:
    """Text XML 1.0 can carry: characters it forbids (NUL, most C0 controls) become U+FFFD."""
    return _NOT_XML.sub("\ufffd", text)

"""JUnit XML: valid against the Jenkins schema, one test case per rule and resource."""

from __future__ import annotations

import dataclasses
import xml.etree.ElementTree as ET

import pytest
from lxml import etree

from cloudaudit.outputs.junit_format import JunitFormat
from tests.support.reports import (
    DATA,
    MUTED_REASON,
    MUTED_RESOURCE,
    MUTED_RULE,
    empty_report,
    sample_report,
)

SCHEMA = etree.XMLSchema(etree.parse(str(DATA / "junit-10.xsd")))


def render(report) -> ET.Element:
    text = JunitFormat().render(report)
    SCHEMA.assertValid(etree.fromstring(text.encode("utf-8")))
    return ET.fromstring(text)


@pytest.fixture(scope="module")
def report():
    return sample_report()


@pytest.fixture(scope="module")
def suites(report):
    return render(report)


def case(suites, rule_id: str, resource_id: str) -> ET.Element:
    (found,) = [c for c in suites.iter("testcase") if (c.get("classname"), c.get("name")) == (rule_id, resource_id)]
    return found


def test_one_suite_per_rule_and_one_case_per_resource(report, suites):
    rule_suites = [s for s in suites.findall("testsuite") if s.get("name") != "collection"]
    assert [s.get("name") for s in rule_suites] == sorted(spec.id for spec in report.rules)
    assert sum(len(s.findall("testcase")) for s in rule_suites) == len(report.findings)
    https = suites.find("testsuite[@name='storage.https-only']")
    assert https.find("properties/property[@name='title']").get("value") == "Data is reachable over HTTPS only"


def test_counts_add_up(suites):
    for suite in suites.findall("testsuite"):
        cases = suite.findall("testcase")
        assert int(suite.get("tests")) == len(cases)
        for outcome, attribute in (("failure", "failures"), ("error", "errors"), ("skipped", "skipped")):
            assert int(suite.get(attribute)) == sum(1 for c in cases if c.find(outcome) is not None)
    assert (suites.get("tests"), suites.get("failures"), suites.get("errors")) == ("107", "15", "4")


def test_each_status_is_what_ci_systems_expect(suites):
    failed = case(suites, "storage.https-only", "arn:aws:s3:::cabinet-martin-export").find("failure")
    assert failed.get("type") == "high"
    assert failed.get("message") == "no bucket policy denies requests over plain HTTP (aws:SecureTransport false)"
    assert "Fix: Add a bucket policy statement" in failed.text
    assert "Compliance: cis-aws 2.1.1, hipaa 164.312(e)(1)" in failed.text
    error = case(suites, "storage.https-only", "arn:aws:s3:::cabinet-martin-journaux").find("error")
    assert "s3:GetBucketPolicy: AccessDenied" in error.get("message")
    skipped = case(suites, "test.lifecycle-outside-sandbox", "arn:aws:s3:::cabinet-martin-sandbox").find("skipped")
    assert skipped.get("type") == "NOT_APPLICABLE"
    muted = case(suites, MUTED_RULE, MUTED_RESOURCE).find("skipped")
    assert muted.get("message") == f"muted: {MUTED_REASON}"
    assert list(case(suites, "storage.https-only", "arn:aws:s3:::cabinet-martin-dossiers")) == []


def test_what_could_not_be_collected_is_an_error_case(suites):
    collection = suites.find("testsuite[@name='collection']")
    (error_case,) = collection.findall("testcase")
    assert error_case.get("name") == "gcp cabinet-martin-gcp storage.buckets.list europe-west1"
    assert error_case.find("error").get("message").startswith("403 Forbidden")


def test_characters_xml_cannot_carry_are_replaced():
    report = sample_report()
    index = next(i for i, f in enumerate(report.findings) if f.status.value == "FAIL")
    report.findings[index] = dataclasses.replace(report.findings[index], message="bad\x00byte\x1b[31m <&> ok")
    failure = next(c.find("failure") for c in render(report).iter("testcase") if c.find("failure") is not None and "bad" in c.find("failure").get("message"))
    assert failure.get("message") == "bad\ufffdbyte\ufffd[31m <&> ok"


def test_an_empty_scan_is_a_valid_report():
    report = empty_report()
    suites = render(report)
    assert suites.get("tests") == "0"
    assert len(suites.findall("testsuite")) == len(report.rules)

"""The HTML report opened in headless Chromium: what it shows, what its filters do, that
untrusted text stays text, and that it asks the network for nothing."""

from __future__ import annotations

from pathlib import Path

import pytest
from lxml import html as lxml_html
from selenium.webdriver.common.by import By

from cloudaudit.outputs.html_format import HtmlFormat
from tests.support.reports import (
    FORMULA_NAME,
    HOSTILE_NAME,
    HOSTILE_TLS,
    MUTED_REASON,
    empty_report,
    sample_report,
)


@pytest.fixture(scope="module")
def report_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("html") / "report.html"
    path.write_text(HtmlFormat().render(sample_report()), encoding="utf-8")
    return path


@pytest.fixture
def page(chromium, report_file):
    chromium.open(report_file)
    return chromium


def rows(page, visible_only: bool = True):
    """The finding rows, by default only those a person can see (one browser round trip)."""
    script = """
        var visibleOnly = arguments[0];
        return Array.from(document.querySelectorAll('#findings tbody tr.finding'))
            .filter(function (row) { return !visibleOnly || row.checkVisibility(); });
    """
    return page.driver.execute_script(script, visible_only)


def visible_text(page) -> str:
    return page.driver.find_element(By.ID, "findings").text


def checkbox(page, dimension: str, value: str):
    return page.driver.find_element(By.CSS_SELECTOR, f"fieldset[data-filter='{dimension}'] input[value='{value}']")


def test_summary_shows_the_verdict_and_the_counts(page):
    driver = page.driver
    assert driver.title.startswith("cloudaudit report: tenant cabinet-martin")
    assert driver.find_element(By.ID, "headline").text == (
        "15 failing checks (2 critical, 9 high, 4 medium), 3 checks could not be evaluated, 1 muted, "
        "85 passed, 1 collection error"
    )
    tiles = {t.get_attribute("data-status"): t.text.split("\n")[0] for t in driver.find_elements(By.CSS_SELECTOR, ".tile")}
    assert tiles == {"FAIL": "15", "ERROR": "3", "MUTED": "1", "PASS": "85", "NOT_APPLICABLE": "2"}
    errors = driver.find_element(By.ID, "collection-errors").text
    assert "gcp cabinet-martin-gcp storage.buckets.list europe-west1: 403 Forbidden" in errors
    assert "<b>bold</b>" in errors  # escaped, shown as typed


def test_opens_on_what_needs_attention_most_serious_first(page):
    shown = rows(page)
    assert [r.get_attribute("data-status") for r in shown] == ["FAIL"] * 15 + ["ERROR"] * 3 + ["MUTED"]
    severities = [r.get_attribute("data-severity") for r in shown[:15]]
    assert severities == sorted(severities, key=["critical", "high", "medium", "low", "info"].index)
    assert page.driver.find_element(By.ID, "shown-count").text == "19"
    assert len(rows(page, visible_only=False)) == 106


def test_status_filter_shows_passing_checks_on_a_click(page):
    checkbox(page, "status", "PASS").click()
    statuses = [r.get_attribute("data-status") for r in rows(page)]
    assert statuses.count("PASS") == 85
    assert page.driver.find_element(By.ID, "shown-count").text == "104"


def test_severity_and_cloud_filters_hide_rows(page):
    checkbox(page, "severity", "high").click()
    assert "high" not in {r.get_attribute("data-severity") for r in rows(page)}
    assert len(rows(page)) == 19 - 11
    checkbox(page, "severity", "high").click()
    checkbox(page, "provider", "aws").click()
    gcp_rows = rows(page)
    assert {r.get_attribute("data-provider") for r in gcp_rows} == {"gcp"}
    assert len(gcp_rows) == 2
    assert visible_text(page).count("gs://cabinet-martin-imagerie") == 2
    assert "arn:aws:" not in visible_text(page)


def test_a_filter_that_matches_nothing_says_so(page):
    no_match = page.driver.find_element(By.ID, "no-match")
    assert not no_match.is_displayed()
    for status in ("FAIL", "ERROR", "MUTED"):
        checkbox(page, "status", status).click()
    assert rows(page) == []
    assert no_match.is_displayed()
    assert page.driver.find_element(By.ID, "shown-count").text == "0"


def test_each_finding_unfolds_its_remediation(page):
    row = next(r for r in rows(page) if "cabinet-martin-export" in r.text and "storage.https-only" in r.text)
    remediation = row.find_element(By.CSS_SELECTOR, "pre.remediation")
    assert not remediation.is_displayed()
    row.find_element(By.CSS_SELECTOR, "details summary").click()
    assert remediation.is_displayed()
    assert "aws:SecureTransport" in remediation.text
    assert "Compliance: cis-aws 2.1.1, hipaa 164.312(e)(1)" in row.text
    muted = next(r for r in rows(page) if r.get_attribute("data-status") == "MUTED")
    assert f"Muted: {MUTED_REASON}" in muted.text


def test_untrusted_text_is_shown_not_run(page):
    driver = page.driver
    assert driver.execute_script("return typeof window.pwned") == "undefined"
    assert driver.find_elements(By.TAG_NAME, "img") == []
    assert len(driver.find_elements(By.TAG_NAME, "script")) == 1
    names = [row.find_element(By.CSS_SELECTOR, ".name").text for row in rows(page)]
    assert HOSTILE_NAME in names
    assert f"minimum TLS version is {HOSTILE_TLS} (expected 1.2 or later)" in visible_text(page)
    checkbox(page, "status", "PASS").click()
    assert FORMULA_NAME in visible_text(page)


def test_the_page_fetches_nothing_and_raises_no_error(chromium, report_file):
    chromium.open(report_file)
    checkbox(chromium, "status", "PASS").click()
    for summary in chromium.driver.find_elements(By.CSS_SELECTOR, "details summary")[:5]:
        summary.click()
    assert chromium.network_requests() == [report_file.resolve().as_uri()]
    assert chromium.console_errors() == []


def test_markup_references_nothing_outside_the_file():
    page = lxml_html.document_fromstring(HtmlFormat().render(sample_report()))
    references = [
        (element.tag, attribute, element.get(attribute))
        for element in page.iter()
        for attribute in ("src", "href", "action", "srcset", "poster", "data")
        if element.get(attribute) is not None
    ]
    assert references == [("link", "href", "data:,")]
    policy = page.xpath("//meta[@http-equiv='Content-Security-Policy']/@content")[0]
    assert policy.startswith("default-src 'none'; img-src data:; style-src 'sha256-")


def test_an_empty_scan_is_a_valid_page(chromium, tmp_path):
    path = tmp_path / "empty.html"
    path.write_text(HtmlFormat().render(empty_report()), encoding="utf-8")
    chromium.open(path)
    assert chromium.driver.find_element(By.ID, "headline").text == "no failing check, 0 passed"
    assert chromium.driver.find_element(By.ID, "no-match").is_displayed()
    assert chromium.console_errors() == []

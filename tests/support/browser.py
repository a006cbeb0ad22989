"""Headless Chromium (Debian's chromium and chromium-driver, driven by selenium), started once
per test session.

`make test` installs the two packages when they are missing; a test that needs the browser fails,
never skips, when they are not there. The flags keep Chromium off the network (this machine's is
closed): no background requests, no component updates, no sync."""

from __future__ import annotations

import json
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

import pytest

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
QUIET_FLAGS = (
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-default-apps",
    "--window-size=1400,1000",
)


@dataclass
class Browser:
    driver: "object"
    """A selenium WebDriver for Chrome."""

    def open(self, path: Path) -> None:
        """Load a local file as a user who double-clicks it would, after forgetting earlier traffic."""
        self.driver.get("about:blank")
        self.network_requests()
        self.console_errors()
        self.driver.get(path.resolve().as_uri())

    def network_requests(self) -> list[str]:
        """URLs the browser requested since the last call (from the DevTools Network domain)."""
        urls = []
        for entry in self.driver.get_log("performance"):
            message = json.loads(entry["message"])["message"]
            if message["method"] == "Network.requestWillBeSent":
                urls.append(message["params"]["request"]["url"])
        return urls

    def console_errors(self) -> list[str]:
        """Console errors since the last call: script errors, Content-Security-Policy refusals."""
        return [e["message"] for e in self.driver.get_log("browser") if e["level"] == "SEVERE"]


def start_browser() -> Iterator[Browser]:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    missing = [path for path in (CHROMIUM, CHROMEDRIVER) if not Path(path).exists()]
    if missing:
        pytest.fail(
            f"{', '.join(missing)} not found: the HTML report test needs Debian's chromium and "
            "chromium-driver (`make test` installs them: apt-get install chromium chromium-driver)",
            pytrace=False,
        )
    profile = tempfile.mkdtemp(prefix="cloudaudit-chromium-")
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in QUIET_FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={profile}")
    options.set_capability("goog:loggingPrefs", {"performance": "ALL", "browser": "ALL"})
    driver = webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER), options=options)
    try:
        yield Browser(driver)
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


@pytest.fixture(scope="session")
def chromium() -> Iterator[Browser]:
    """One headless Chromium for the whole session."""
    yield from start_browser()

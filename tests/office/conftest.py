"""A real ``kiosk-server --demo`` and a real headless Chromium for the office console.

One server for the session (the demo plant is seeded once, in a data directory and
home of its own); one browser per test, whose console must stay free of errors: any
SEVERE entry fails the test that caused it. Two exceptions: a 4xx answer for a page the
test opened on purpose (a refused sign-in's 401, a 403 page; never for a script, style
sheet or image, icons included, which would be a broken page), and what a test names with
``@pytest.mark.console_allows("substring")``.

No Chromium or no chromedriver is a failure, never a skip: CI counts a skip as failed.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import requests
from selenium import webdriver
from selenium.webdriver.chrome.service import Service

from tests.server.process import kiosk_server

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
ADMIN_TOKEN = "office-browser-tests-" + "0123456789abcdef" * 2
WINDOW = "1280,800"
#: Chrome's entry for a 4xx answer: "<url> - Failed to load resource: ... status of 401 ...".
_PAGE_4XX = re.compile(r"^(\S+) - Failed to load resource: the server responded with a status of 4")
_ASSET = re.compile(r"\.(js|css|png|svg|ico|woff2?|map)(\?|$)|/static/")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "console_allows(*substrings): SEVERE browser-console entries this test expects",
    )


#: The demo server's webhook signing secret (tests sign their deliveries with it).
SHOPIFY_SECRET = "office-test-shopify"


@dataclass(frozen=True)
class OfficeServer:
    url: str
    admin_token: str
    home: Path
    #: The server's environment (for ``kiosk-server admin ...`` on the same database).
    env: dict[str, str]

    def api(self, method: str, path: str, **kw: Any) -> requests.Response:
        """``/api/v1{path}`` as an integrator calls it, with the admin bearer token."""
        headers = {"Authorization": f"Bearer {self.admin_token}", **kw.pop("headers", {})}
        kw.setdefault("timeout", 15)
        return requests.request(method, f"{self.url}/api/v1{path}", headers=headers, **kw)

    def webhook(self, topic: str, raw: bytes, event_id: str, shop: str) -> requests.Response:
        """A delivery as Shopify sends it: the raw body, signed, from ``shop``."""
        mac = hmac.new(SHOPIFY_SECRET.encode(), raw, hashlib.sha256).digest()
        headers = {
            "Content-Type": "application/json",
            "X-Shopify-Topic": topic,
            "X-Shopify-Hmac-Sha256": base64.b64encode(mac).decode(),
            "X-Shopify-Event-Id": event_id,
            "X-Shopify-Shop-Domain": shop,
        }
        return requests.post(
            f"{self.url}/api/v1/webhooks/shopify", data=raw, headers=headers, timeout=15
        )

    def log(self) -> str:
        return (self.home / "server.log").read_text(errors="replace")


@pytest.fixture(scope="session")
def office_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[OfficeServer]:
    """``kiosk-server --demo`` on a free loopback port, answering ``/healthz``."""
    home = tmp_path_factory.mktemp("office-home")
    # Nothing of the developer's: no KIOSK_* settings, and a HOME and KIOSK_HOME of its own.
    env = {k: v for k, v in os.environ.items() if not k.startswith("KIOSK_")}
    env |= {
        "HOME": str(home),
        "KIOSK_HOME": str(home / "kiosk"),
        "KIOSK_DATABASE_URL": f"sqlite:///{home / 'office.db'}",
        "KIOSK_ADMIN_TOKEN": ADMIN_TOKEN,
        "KIOSK_SHOPIFY_SECRET": SHOPIFY_SECRET,
    }
    with kiosk_server(
        None,
        env=env,
        log_file=home / "server.log",
        log_level="INFO",
        extra_args=("--demo",),
    ) as url:
        yield OfficeServer(url, ADMIN_TOKEN, home, env)


def _require_browser() -> None:
    missing = [str(p) for p in (CHROMIUM, CHROMEDRIVER) if not p.exists()]
    if missing:
        pytest.fail(
            f"no {' and no '.join(missing)}: the office browser tests need Debian's chromium "
            "and chromium-driver (as root: bash packaging/system-deps.sh --browser)",
            pytrace=False,
        )


def chrome_options(window: str = WINDOW) -> webdriver.ChromeOptions:
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for arg in (
        "--headless=new",
        "--no-sandbox",
        "--disable-dev-shm-usage",
        f"--window-size={window}",
        "--disable-gpu",
        "--lang=en-GB",
    ):
        options.add_argument(arg)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    return options


@pytest.fixture
def browser(request: pytest.FixtureRequest) -> Iterator[webdriver.Chrome]:
    """A fresh headless Chromium (implicit wait 0: wait explicitly, see browser.py).

    Its window size may be parametrized: ``@pytest.mark.parametrize("browser",
    ["1920,1080"], indirect=True)``.
    """
    _require_browser()
    options = chrome_options(getattr(request, "param", WINDOW))
    try:
        driver = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)
    except Exception as err:
        pytest.fail(f"Chromium did not start under chromedriver: {err}", pytrace=False)
    driver.implicitly_wait(0)
    allowed = [s for mark in request.node.iter_markers("console_allows") for s in mark.args]
    try:
        yield driver
        entries = driver.get_log("browser")
    finally:
        driver.quit()
    severe = [
        e["message"]
        for e in entries
        if e.get("level") == "SEVERE" and not _expected(e["message"], allowed)
    ]
    if severe:
        pytest.fail("browser console errors:\n  " + "\n  ".join(severe), pytrace=False)


def _expected(message: str, allowed: list[str]) -> bool:
    if any(s in message for s in allowed):
        return True
    page = _PAGE_4XX.match(message)
    if page is None:
        return False
    url = page.group(1)
    return not _ASSET.search(url)


@pytest.fixture(scope="session")
def screenshots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where screenshots go: $KIOSK_OFFICE_SCREENSHOTS if set, else a temporary dir."""
    chosen = os.environ.get("KIOSK_OFFICE_SCREENSHOTS")
    if not chosen:
        return tmp_path_factory.mktemp("office-shots")
    folder = Path(chosen)
    folder.mkdir(parents=True, exist_ok=True)
    return folder

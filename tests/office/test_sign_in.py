"""Signing in to the office console in a real headless Chromium, with a screenshot a step."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver

from tests.office.browser import LOGIN, fill, screenshot, sign_in, submit, visible
from tests.office.conftest import OfficeServer


def test_the_login_page_labels_its_user_name_and_password_fields(
    browser: WebDriver, office_server: OfficeServer, tmp_path: Path
) -> None:
    browser.get(f"{office_server.url}{LOGIN}")
    for name in ("username", "password"):
        box = visible(browser, f"input[name={name!r}]")
        box_id = box.get_attribute("id")
        assert box_id, f"the {name} input has no id for a label to name"
        labels = browser.find_elements(By.CSS_SELECTOR, f"label[for={box_id!r}]")
        assert len(labels) == 1, f"{len(labels)} <label for={box_id!r}> on the page"
        assert labels[0].is_displayed()
        assert labels[0].text.strip()
    assert visible(browser, "input[name=password]").get_attribute("type") == "password"
    assert visible(browser, "form [type=submit]").is_enabled()
    screenshot(browser, tmp_path, "01-login")


def test_a_wrong_password_is_refused_on_the_login_page(
    browser: WebDriver, office_server: OfficeServer, tmp_path: Path
) -> None:
    browser.get(f"{office_server.url}{LOGIN}")
    fill(browser, {"username": "demo", "password": "not-the-password"})
    submit(browser)
    alert = visible(browser, "[role=alert]")
    assert "wrong" in alert.text.lower()
    assert urlsplit(browser.current_url).path == LOGIN
    # The name typed is kept, the password is not.
    assert visible(browser, "input[name=username]").get_attribute("value") == "demo"
    assert visible(browser, "input[name=password]").get_attribute("value") == ""
    screenshot(browser, tmp_path, "02-wrong-password")


def test_demo_signs_in_and_lands_on_the_office_home_page(
    browser: WebDriver, office_server: OfficeServer, tmp_path: Path
) -> None:
    sign_in(browser, office_server)
    assert urlsplit(browser.current_url).path == "/office/"
    heading = visible(browser, "h1")
    assert heading.text.strip(), "the page heading is empty"
    screenshot(browser, tmp_path, "03-signed-in")

"""What the browser tests do with a page: wait explicitly, fill, click, sign in, screenshot."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from selenium.common.exceptions import WebDriverException
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.remote.webelement import WebElement
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support.ui import WebDriverWait

if TYPE_CHECKING:
    from tests.office.conftest import OfficeServer

WAIT = 15.0
LOGIN = "/office/login"
T = TypeVar("T")


def wait_for(
    driver: WebDriver, what: Callable[[WebDriver], T], timeout: float = WAIT, message: str = ""
) -> T:
    """``what(driver)`` once it is truthy (polled); TimeoutException after ``timeout``."""
    return WebDriverWait(driver, timeout).until(what, message)


def visible(driver: WebDriver, selector: str, timeout: float = WAIT) -> WebElement:
    """The element matching the CSS ``selector`` once it is displayed."""
    return WebDriverWait(driver, timeout).until(
        ec.visibility_of_element_located((By.CSS_SELECTOR, selector)),
        f"nothing visible matches {selector!r}",
    )


def wait_for_url(driver: WebDriver, test: Callable[[str], bool], timeout: float = WAIT) -> str:
    """The current URL once ``test(url)`` holds."""
    wait_for(driver, lambda d: test(d.current_url), timeout, "the URL did not change as expected")
    return driver.current_url


def wait_until_loaded(driver: WebDriver, timeout: float = WAIT) -> None:
    wait_for(
        driver, lambda d: d.execute_script("return document.readyState") == "complete", timeout
    )


def css(driver: WebDriver, selector: str) -> WebElement:
    return driver.find_element(By.CSS_SELECTOR, selector)


def text_of(driver: WebDriver, selector: str = "main") -> str:
    return css(driver, selector).text


def fill(driver: WebDriver, fields: dict[str, str]) -> None:
    """Type into the fields with these ids, or else names (cleared first)."""
    for key, text in fields.items():
        found = driver.find_elements(By.ID, key) or driver.find_elements(By.NAME, key)
        assert found, f"no field with the id or name {key!r}"
        found[0].clear()
        found[0].send_keys(text)


def _replaced(driver: WebDriver, old: WebElement) -> None:
    wait_for(driver, lambda _: _gone(old), message="no new page was loaded")
    wait_until_loaded(driver)


def _gone(element: WebElement) -> bool:
    """The page this element was on has been replaced. Chromium says so either as a stale
    element or, mid-navigation, as "does not belong to the document" (a plain
    WebDriverException, which ``staleness_of`` lets through)."""
    try:
        element.is_enabled()
    except WebDriverException:
        return True
    return False


def submit(driver: WebDriver, form: str = "form") -> None:
    """Press the form's submit button and wait until the next page has replaced this one."""
    old = driver.find_element(By.TAG_NAME, "html")
    css(driver, f"{form} [type=submit]").click()
    _replaced(driver, old)


def click_button(driver: WebDriver, label: str, within: str = "main") -> None:
    """Press the button whose visible text is ``label`` and wait for the next page."""
    old = driver.find_element(By.TAG_NAME, "html")
    buttons = css(driver, within).find_elements(By.TAG_NAME, "button")
    matching = [b for b in buttons if b.text.strip() == label]
    assert matching, f"no button {label!r} in {within!r}"
    matching[0].click()
    _replaced(driver, old)


def sign_in(
    driver: WebDriver, server: OfficeServer | str, username: str = "demo", password: str = "demo"
) -> None:
    """Sign in on the login page (``server``: the fixture or its base URL); returns once
    the browser has left that page."""
    base = server if isinstance(server, str) else server.url
    driver.get(f"{base}{LOGIN}")
    fill(driver, {"username": username, "password": password})
    submit(driver)
    wait_for_url(driver, lambda url: LOGIN not in url)


def screenshot(driver: WebDriver, folder: Path, name: str) -> Path:
    """A PNG of the window as ``folder/name.png`` (asserted to exist and be non-empty)."""
    path = folder / f"{name}.png"
    assert driver.save_screenshot(str(path)), f"no screenshot {path}"
    assert path.stat().st_size > 0, f"empty screenshot {path}"
    return path

"""The office console end to end in headless Chromium, against a real kiosk-server --demo.

Each flow is what an office person does, by clicks and typing: sign in, set up products
and a BOM with a sub-assembly, receive stock, watch a sales order's work order appear,
confirm, see where the material went, cancel, accept a changed sales order. Each test
names its own products and orders (one server for the session).
"""

from __future__ import annotations

import itertools
import json
import os
import re
import subprocess
import time
from pathlib import Path

import pytest
from selenium.common.exceptions import WebDriverException
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.remote.webelement import WebElement

from tests.office.browser import css, sign_in, wait_for
from tests.office.conftest import OfficeServer
from tests.server.process import _command

_names = itertools.count(1)


def _tag() -> str:
    return f"{os.getpid() % 1000}{next(_names)}"


def fill(driver: WebDriver, fields: dict[str, str]) -> None:
    """Type into the inputs with these ids (cleared first)."""
    for element_id, text in fields.items():
        box = driver.find_element(By.ID, element_id)
        box.clear()
        box.send_keys(text)


def click_button(driver: WebDriver, label: str, within: str = "main") -> None:
    """Press the button whose text is ``label`` and wait for the page that follows."""
    old = driver.find_element(By.TAG_NAME, "html")
    button = next(
        b
        for b in css(driver, within).find_elements(By.TAG_NAME, "button")
        if b.text.strip() == label
    )
    button.click()
    wait_for(driver, lambda _: _gone(old))


def _gone(element: WebElement) -> bool:
    """The page this element was on has been replaced (a stale or unknown node)."""
    try:
        element.is_enabled()
    except WebDriverException:  # stale, or "does not belong to the document"
        return True
    return False


def text_of(driver: WebDriver, selector: str = "main") -> str:
    return css(driver, selector).text


def _cli_env(server: OfficeServer) -> dict[str, str]:
    """The environment the session's server runs with: same database, same home."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("KIOSK_")}
    return env | {
        "HOME": str(server.home),
        "KIOSK_HOME": str(server.home / "kiosk"),
        "KIOSK_DATABASE_URL": f"sqlite:///{server.home / 'office.db'}",
    }


def _made(answer: object) -> None:
    assert answer.status_code in (200, 201), answer.text  # type: ignore[attr-defined]


def _kit(server: OfficeServer, tag: str) -> tuple[str, str]:
    """A component and a product built from two of it; their SKUs."""
    part, product = f"PART-{tag}", f"LAMP-{tag}"
    _made(server.api("POST", "/products", json={"sku": part, "name": f"Part {tag}"}))
    _made(server.api("POST", "/products", json={"sku": product, "name": f"Lamp {tag}"}))
    bom = {"output_qty": "1", "lines": [{"sku": part, "qty": "2"}], "steps": [{"name": "Fit"}]}
    _made(server.api("PUT", f"/products/{product}/bom", json=bom))
    return part, product


def _shot(driver: WebDriver, folder: Path, name: str) -> None:
    path = folder / f"office-{name}.png"
    driver.save_screenshot(str(path))
    assert path.stat().st_size > 10_000


def test_sign_in_refused_then_signed_in_and_out(
    browser: WebDriver, office_server: OfficeServer, screenshots: Path
) -> None:
    base = office_server.url
    browser.get(f"{base}/office/")
    wait_for(browser, lambda d: "/office/login" in d.current_url)
    for field in ("username", "password"):
        label = css(browser, f'label[for="{field}"]')
        assert label.text
    _shot(browser, screenshots, "sign-in")
    fill(browser, {"username": "demo", "password": "wrong"})
    click_button(browser, "Sign in")
    assert "wrong" in text_of(browser, '[role="alert"]')
    assert "/office/login" in browser.current_url
    sign_in(browser, office_server)
    assert css(browser, "h1").text == "Work orders"
    assert "demo" in text_of(browser, "header")
    click_button(browser, "Sign out", within="header")
    wait_for(browser, lambda d: "/office/login" in d.current_url)
    browser.get(f"{base}/office/materials")
    wait_for(browser, lambda d: "/office/login" in d.current_url)


def test_products_and_a_bom_with_a_sub_assembly(
    browser: WebDriver, office_server: OfficeServer, screenshots: Path
) -> None:
    base, tag = office_server.url, _tag()
    sign_in(browser, office_server)
    browser.get(f"{base}/office/products")
    css(browser, "details.edit-box summary").click()
    for sku, name in ((f"SCREW-{tag}", "Screw"), (f"ARM-{tag}", "Arm"), (f"DESK-{tag}", "Desk")):
        fill(browser, {"p-sku": sku, "p-name": name})
        click_button(browser, "Create product")
        assert css(browser, "h1").text.startswith(sku)
        browser.get(f"{base}/office/products")
        css(browser, "details.edit-box summary").click()
    # The arm is a sub-assembly of four screws; the desk takes two arms and six screws.
    browser.get(f"{base}/office/products/ARM-{tag}")
    fill(browser, {"l-sku-1": f"SCREW-{tag}", "l-qty-1": "4", "s-name-1": "Bend"})
    click_button(browser, "Save BOM")
    browser.get(f"{base}/office/products/DESK-{tag}")
    fill(
        browser,
        {
            "l-sku-1": f"ARM-{tag}",
            "l-qty-1": "2",
            "l-sku-2": f"SCREW-{tag}",
            "l-qty-2": "6",
            "s-name-1": "Assemble",
            "s-text-1": "Arms first, then the top",
        },
    )
    click_button(browser, "Save BOM")
    tree = css(browser, ".tree")
    assert f"2 pcs × ARM-{tag}" in tree.text
    assert f"4 pcs × SCREW-{tag}" in tree.text  # the arm's own line, inside its branch
    branch = tree.find_element(By.CSS_SELECTOR, "details")
    branch.find_element(By.TAG_NAME, "summary").click()  # fold the sub-assembly
    assert f"4 pcs × SCREW-{tag}" not in tree.text
    branch.find_element(By.TAG_NAME, "summary").click()
    _shot(browser, screenshots, "bom")
    # A cycle is refused, naming it; what was typed stays on the form.
    browser.get(f"{base}/office/products/ARM-{tag}")
    fill(browser, {"l-sku-2": f"DESK-{tag}", "l-qty-2": "1"})
    click_button(browser, "Save BOM")
    alert = text_of(browser, '[role="alert"]')
    assert f"ARM-{tag}" in alert
    assert f"DESK-{tag}" in alert
    assert css(browser, "#l-sku-2").get_attribute("value") == f"DESK-{tag}"
    answer = office_server.api("GET", f"/products/ARM-{tag}").json()
    assert [line["sku"] for line in answer["bom"]["lines"]] == [f"SCREW-{tag}"]


def test_a_sales_order_appears_reserves_and_is_released(
    browser: WebDriver, office_server: OfficeServer, screenshots: Path
) -> None:
    base, tag = office_server.url, _tag()
    part, lamp = _kit(office_server, tag)
    sign_in(browser, office_server)
    # Receive the component from the stock page.
    browser.get(f"{base}/office/stock")
    fill(browser, {"r-sku": part, "r-qty": "50", "r-reason": f"PO {tag}"})
    click_button(browser, "Receive")
    assert f"Received 50 × {part}" in text_of(browser, '[role="status"]')
    # The grid, filtered to this lamp, is open when the sales order arrives by API.
    browser.get(f"{base}/office/?output_sku={lamp}")
    assert "No work orders match" in text_of(browser, "#grid")
    order = {
        "external_id": f"SO-{tag}",
        "lines": [
            {"line_id": "1", "sku": lamp, "qty": "3"},
            {"line_id": "2", "sku": part, "qty": "5"},
        ],
    }
    posted = office_server.api("POST", "/sales-orders", json=order)
    _made(posted)
    so_id = posted.json()["id"]
    wait_for(browser, lambda d: lamp in d.find_element(By.ID, "grid").text, timeout=20)
    link = css(browser, "#grid tbody a")
    number = link.text
    link.click()
    wait_for(browser, lambda d: d.find_element(By.TAG_NAME, "h1").text.startswith(number))
    assert "Ready" in text_of(browser, ".heading")  # confirmed, its material reserved
    assert f"SO-{tag}" in text_of(browser, "main")
    _shot(browser, screenshots, "work-order")
    # The component is held for the work order (2 × 3) and for the sales order's line (5).
    browser.get(f"{base}/office/materials")
    row = next(
        r
        for r in browser.find_elements(By.CSS_SELECTOR, "#materials tbody tr")
        if r.text.startswith(part)
    )
    assert f"Work order {number}: 6" in row.text
    assert f"Sales order SO-{tag}: 5" in row.text
    _shot(browser, screenshots, "materials")
    # Cancel the sales order from its page: both reservations are released.
    browser.get(f"{base}/office/sales-orders/{so_id}")
    click_button(browser, "Cancel sales order")
    assert "Cancelled" in text_of(browser, ".heading")
    level = office_server.api("GET", f"/stock/{part}").json()
    assert level["reserved"] in ("0", 0)
    browser.get(f"{base}/office/materials")
    row = next(
        r
        for r in browser.find_elements(By.CSS_SELECTOR, "#materials tbody tr")
        if r.text.startswith(part)
    )
    assert "Nothing reserved" in row.text


def test_new_work_order_apply_bom_save_as_draft_confirm(
    browser: WebDriver, office_server: OfficeServer
) -> None:
    base, tag = office_server.url, _tag()
    part, lamp = _kit(office_server, tag)
    sign_in(browser, office_server)
    browser.get(f"{base}/office/work-orders/new")
    suggested = css(browser, "#number").get_attribute("value")
    fill(browser, {"name": f"Lamps {tag}", "item-sku-1": lamp, "item-qty-1": "0"})
    click_button(browser, "Save as draft")
    assert "more than zero" in text_of(browser, '[role="alert"]')
    assert css(browser, "#name").get_attribute("value") == f"Lamps {tag}"
    fill(browser, {"item-qty-1": "4"})
    click_button(browser, "Save as draft")
    heading = css(browser, "h1").text
    assert heading.startswith(suggested or "?")
    assert "Draft" in text_of(browser, ".heading")
    assert f"{part}" in text_of(browser, "section[aria-labelledby=materials-h]")
    assert "8 pcs" in text_of(browser, "section[aria-labelledby=materials-h]")
    click_button(browser, "Confirm")
    assert "Blocked" in text_of(browser, ".heading")  # no parts in stock yet
    assert "Retry allocation" in text_of(browser, ".actions-box")
    office_server.api("POST", "/stock/receipts", json={"sku": part, "qty": "8"})
    click_button(browser, "Retry allocation")
    assert "Ready" in text_of(browser, ".heading")


def test_new_work_order_with_materials_planned_by_hand(
    browser: WebDriver, office_server: OfficeServer
) -> None:
    base, tag = office_server.url, _tag()
    part, _lamp = _kit(office_server, tag)
    repair = f"REPAIR-{tag}"
    _made(office_server.api("POST", "/products", json={"sku": repair, "name": f"Repair {tag}"}))
    sign_in(browser, office_server)
    browser.get(f"{base}/office/work-orders/new")
    assert not css(browser, "#mat-sku-1").is_displayed()  # folded away until wanted
    css(browser, "#by-hand summary").click()
    fill(browser, {"item-sku-1": repair, "item-qty-1": "2", "mat-sku-1": repair, "mat-qty-1": "1"})
    click_button(browser, "Save as draft")
    assert "itself" in text_of(browser, '[role="alert"]')
    assert css(browser, "#mat-sku-1").is_displayed()  # open again, with what was typed
    fill(browser, {"mat-sku-1": part, "mat-qty-1": "3"})
    click_button(browser, "Save as draft")
    materials = text_of(browser, "section[aria-labelledby=materials-h]")
    assert "Planned by hand" in materials
    assert part in materials
    assert "3 pcs" in materials
    office_server.api("POST", "/stock/receipts", json={"sku": part, "qty": "3"})
    click_button(browser, "Confirm")
    assert "Ready" in text_of(browser, ".heading")
    assert "3 pcs" in text_of(browser, "section[aria-labelledby=materials-h]")


def _delivery_status(driver: WebDriver, base: str, order_id: int, want: str) -> str:
    """Reload the deliveries of this order until its status reads ``want`` (the server's
    inbox applies deliveries in the background); the status last seen."""
    status = ""
    for _ in range(40):
        driver.get(f"{base}/office/shopify?order={order_id}")
        cells = driver.find_elements(By.CSS_SELECTOR, "#deliveries tbody .status")
        status = cells[0].text if cells else ""
        if status == want:
            break
        time.sleep(0.25)
    return status


def test_a_failed_shopify_delivery_is_replayed_after_the_fix(
    browser: WebDriver, office_server: OfficeServer
) -> None:
    base, tag = office_server.url, _tag()
    _part, lamp = _kit(office_server, tag)
    site, shop = f"S{tag}", f"shop-{tag}.myshopify.com"
    _made(office_server.api("POST", "/sites", json={"code": site, "name": f"Plant {tag}"}))
    _made(office_server.api("PUT", f"/shopify/shops/{shop}", json={"site": site}))
    _made(office_server.api("POST", f"/sites/{site}/deactivate"))
    order_id = 900_000 + int(tag)
    order = {
        "id": order_id,
        "updated_at": "2026-12-01T10:00:00Z",
        "line_items": [{"id": 1, "sku": lamp, "quantity": 2, "current_quantity": 2}],
    }
    sent = office_server.webhook("orders/create", json.dumps(order).encode(), f"ev-{tag}", shop)
    assert sent.json() == {"status": "accepted"}, sent.text

    sign_in(browser, office_server)
    assert _delivery_status(browser, base, order_id, "Failed") == "Failed"
    assert f"{site} is deactivated" in text_of(browser, "#deliveries")

    _made(office_server.api("POST", f"/sites/{site}/reactivate"))  # the fix
    click_button(browser, "Replay", within="#deliveries")
    assert "Replayed: applied" in text_of(browser, "#notice")
    assert _delivery_status(browser, base, order_id, "Applied") == "Applied"
    browser.get(f"{base}/office/sales-orders")
    assert text_of(browser).count(str(order_id)) == 1  # one sales order, made once


def test_a_changed_sales_order_is_accepted_on_the_unlinked_work_order(
    browser: WebDriver, office_server: OfficeServer, screenshots: Path
) -> None:
    base, tag = office_server.url, _tag()
    _, lamp = _kit(office_server, tag)  # no parts: its work order stays blocked
    posted = office_server.api(
        "POST",
        "/sales-orders",
        json={"external_id": f"SO-{tag}", "lines": [{"line_id": "1", "sku": lamp, "qty": "2"}]},
    )
    _made(posted)
    so_id = posted.json()["id"]
    sign_in(browser, office_server)
    browser.get(f"{base}/office/sales-orders/{so_id}")
    box = css(browser, "#q-1")
    box.clear()
    box.send_keys("5")
    click_button(browser, "Save changed quantities")
    browser.get(f"{base}/office/?unlinked=1&output_sku={lamp}")
    marker = css(browser, "#grid .unlinked")
    assert marker.text == "Unlinked"
    assert marker.get_attribute("title")  # the reason, on hover
    _shot(browser, screenshots, "work-orders")
    css(browser, "#grid tbody a").click()
    wait_for(
        browser, lambda d: "Accept the new quantity" in d.find_element(By.TAG_NAME, "main").text
    )
    click_button(browser, "Accept the new quantity")
    assert "Unlinked" not in text_of(browser, ".heading")
    items = text_of(browser, "section[aria-labelledby=items-h]")
    assert re.search(r"\b5 pcs\b", items), items


def test_a_form_without_its_token_and_an_office_user_on_admin_pages(
    browser: WebDriver, office_server: OfficeServer
) -> None:
    base, tag = office_server.url, _tag()
    sign_in(browser, office_server)
    browser.get(f"{base}/office/products")
    css(browser, "details.edit-box summary").click()
    fill(browser, {"p-sku": f"FORGED-{tag}", "p-name": "Forged"})
    browser.execute_script(
        "document.querySelectorAll('input[name=csrf_token]').forEach(e => e.value = 'forged')"
    )
    click_button(browser, "Create product")
    assert css(browser, "h1").text == "Form expired"
    assert office_server.api("GET", f"/products/FORGED-{tag}").status_code == 404
    # An office (not admin) person: made on the command line, refused on the floor page.
    made = subprocess.run(
        [*_command(), "admin", "create-user", f"clerk{tag}", "--role", "office"],
        env=_cli_env(office_server), input="a long passphrase\n", capture_output=True,
        text=True, timeout=60, check=False,
    )  # fmt: skip
    assert made.returncode == 0, made.stderr
    _sign_out(browser, base)
    sign_in(browser, office_server, f"clerk{tag}", "a long passphrase")
    browser.get(f"{base}/office/floor")
    assert css(browser, "h1").text == "Admins only"
    browser.get(f"{base}/office/products")
    assert not browser.find_elements(By.CSS_SELECTOR, "details.edit-box")  # no create form


def _sign_out(browser: WebDriver, base: str) -> None:
    """Sign out from whatever page is shown (the header's button)."""
    browser.get(f"{base}/office/")
    click_button(browser, "Sign out", within="header")


#: Text whose contrast with the background behind it is under WCAG's 4.5:1 (3:1 for
#: large text), as "ratio text" strings; the background is the first opaque one up.
CONTRAST = """
const lum = c => { const v = c.match(/[\\d.]+/g).slice(0, 3).map(Number).map(x => x / 255)
  .map(x => x <= 0.03928 ? x / 12.92 : Math.pow((x + 0.055) / 1.055, 2.4));
  return 0.2126 * v[0] + 0.7152 * v[1] + 0.0722 * v[2]; };
const opaque = c => { const m = c.match(/[\\d.]+/g); return m && (m.length < 4 || +m[3] > 0.5); };
const out = [];
for (const el of document.querySelectorAll('body *')) {
  const own = [...el.childNodes].some(n => n.nodeType === 3 && n.textContent.trim());
  if (!own || !el.offsetParent && el.tagName !== 'BODY') continue;
  const style = getComputedStyle(el);
  let bg = null;
  for (let up = el; up && !bg; up = up.parentElement) {
    const b = getComputedStyle(up).backgroundColor; if (opaque(b)) bg = b; }
  bg = bg || 'rgb(255, 255, 255)';
  const [a, b] = [lum(style.color), lum(bg)].sort((x, y) => y - x);
  const ratio = (a + 0.05) / (b + 0.05);
  const size = parseFloat(style.fontSize), bold = +style.fontWeight >= 700;
  const need = size >= 24 || (bold && size >= 18.66) ? 3 : 4.5;
  if (ratio < need) out.push(ratio.toFixed(2) + ' ' + el.textContent.trim().slice(0, 40));
}
return out;
"""


@pytest.mark.parametrize("browser", ["1280,800", "1920,1080"], indirect=True)
def test_keyboard_labels_contrast_and_pages_fit(
    browser: WebDriver, office_server: OfficeServer, screenshots: Path
) -> None:
    base = office_server.url
    width = browser.get_window_size()["width"]
    sign_in(browser, office_server)
    for path in ("/office/", "/office/materials", "/office/stock", "/office/sales-orders",
                 "/office/products", "/office/notifications", "/office/floor",
                 "/office/shopify"):  # fmt: skip
        browser.get(f"{base}{path}")
        low = browser.execute_script(CONTRAST)
        assert low == [], (path, low[:5])
        if width < 1500:
            name = path.strip("/").removeprefix("office").strip("/") or "grid"
            _shot(browser, screenshots, f"page-{name}")
        unlabelled = browser.execute_script(
            """return [...document.querySelectorAll('input:not([type=hidden]), select, textarea')]
                .filter(e => !(e.labels && e.labels.length) && !e.getAttribute('aria-label'))
                .map(e => e.name || e.id)"""
        )
        assert unlabelled == [], (path, unlabelled)
        wide = browser.execute_script(
            "return document.documentElement.scrollWidth > window.innerWidth + 1"
        )
        assert not wide, f"{path} scrolls sideways"
    # Tab from the top: the skip link first, then the navigation, in order.
    browser.get(f"{base}/office/")
    body = css(browser, "body")
    body.send_keys(Keys.TAB)
    assert browser.switch_to.active_element.text == "Skip to content"
    seen = []
    for _ in range(9):
        browser.switch_to.active_element.send_keys(Keys.TAB)
        seen.append(browser.switch_to.active_element.text)
    assert "Materials" in seen
    assert "Floor" in seen

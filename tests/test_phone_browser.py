"""The app on a phone (390 × 844, issue 28 item 7) in chromium: a tapped page link folds the sidebar away."""

import os
from pathlib import Path

from browser import needs_browser, wait_idle

ROOT = Path(__file__).resolve().parents[1]
SHOTS = Path(os.environ.get("KDVIZ_SCREENSHOTS", ROOT / "artifacts" / "screenshots"))
pytestmark = needs_browser()
PHONE = {"width": 390, "height": 844}
SIDEBAR = '[data-testid="stSidebar"]'


def collapsed(page) -> str | None:
    return page.get_attribute(SIDEBAR, "data-collapsed")


def test_a_page_link_folds_the_sidebar_on_a_phone(browser, server):
    page = browser.new_page(viewport=PHONE)
    page.goto(server.url + "/", wait_until="domcontentloaded")
    wait_idle(page)
    page.wait_for_selector("[data-kdviz-phone-nav]", state="attached", timeout=60_000)
    if collapsed(page) == "true":
        page.click('[data-testid="stExpandSidebarButton"]')
    page.wait_for_function(f"document.querySelector('{SIDEBAR}').getAttribute('data-collapsed') === 'false'")
    page.click(f'{SIDEBAR} a[href="Temperature"]')
    page.wait_for_url("**/Temperature**")
    page.wait_for_function(f"document.querySelector('{SIDEBAR}').getAttribute('data-collapsed') === 'true'", timeout=10_000)
    wait_idle(page)
    box = page.locator(SIDEBAR).bounding_box()
    assert box is None or box["x"] + box["width"] <= 1  # folded out of sight
    assert page.locator("h1").first.inner_text().startswith("Temperature")
    page.close()


def test_a_page_link_keeps_the_sidebar_on_a_wide_screen(browser, server):
    page = browser.new_page(viewport={"width": 1280, "height": 720})
    page.goto(server.url + "/", wait_until="domcontentloaded")
    wait_idle(page)
    page.click(f'{SIDEBAR} a[href="Losses"]')
    page.wait_for_url("**/Losses**")
    wait_idle(page)
    assert collapsed(page) == "false"
    page.close()


def test_temperatures_numbers_are_within_one_screen_of_the_slider(browser, server):
    page = browser.new_page(viewport=PHONE)
    page.goto(server.url + "/Temperature", wait_until="domcontentloaded")
    wait_idle(page)
    for view in ("slider", "temp_numbers"):
        page.wait_for_selector(f'[data-kdviz-view="{view}"][data-frames]', state="attached", timeout=60_000)
    slider = page.locator('[data-kdviz-view="slider"]').bounding_box()
    numbers = page.locator('[data-kdviz-view="temp_numbers"]').bounding_box()
    assert 0 < numbers["y"] - slider["y"] and numbers["y"] + min(numbers["height"], 200) - slider["y"] < PHONE["height"]
    page.close()

"""Drive the API explorer in headless Chromium: paste a token, run ListDevServerImages.

Needs Debian's chromium and chromium-driver. Without them the test is skipped,
unless LITEIMAGES_REQUIRE_BROWSER=1, which turns their absence into a failure.
The server uses SQLite only, because the page does not depend on the database.
A screenshot of the result is saved under test-artifacts/.
"""

from __future__ import annotations

import os
import secrets
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import NoReturn

import pytest
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support.ui import WebDriverWait

from support.databases import sqlite_url
from support.server import LiveServer, demo_token, start_server

BROWSER_CANDIDATES = ("/usr/bin/chromium", "chromium")
DRIVER_CANDIDATES = ("/usr/bin/chromedriver", "chromedriver")
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
SCREENSHOT = ARTIFACTS / "openapi-explorer.png"
WAIT_S = 30.0
LIST_IMAGES_PATH = "/v1/{project_id}/dev-servers/images"
# Public images of the demo catalog, visible to every project.
EXPECTED_IMAGES = (
    "ModelArts_Lite Server-Euler2.8_aarch64_CPU-20220913175531",
    "HCE2.0-Arm-64bit-for-Snt9C-SuperNode-with-CANN8.0.0-20250115",
)
CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--window-size=1280,1600",
)


def _find(candidates: tuple[str, ...]) -> str | None:
    for candidate in candidates:
        found = shutil.which(candidate)
        if found:
            return found
    return None


def _missing_browser(reason: str) -> NoReturn:
    if os.environ.get("LITEIMAGES_REQUIRE_BROWSER", "") not in ("", "0"):
        pytest.fail(f"a browser is required (LITEIMAGES_REQUIRE_BROWSER=1) but {reason}")
    pytest.skip(reason)


@pytest.fixture(scope="module")
def browser_binaries() -> tuple[str, str]:
    """Return the paths of chromium and chromedriver, or skip (or fail) without them."""
    chromium = _find(BROWSER_CANDIDATES)
    chromedriver = _find(DRIVER_CANDIDATES)
    if chromium is None or chromedriver is None:
        _missing_browser(
            "chromium or chromedriver is not installed (apt-get install chromium chromium-driver)"
        )
    return chromium, chromedriver


@pytest.fixture(scope="module")
def explorer_server(
    browser_binaries: tuple[str, str], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LiveServer]:
    """Yield a demo server on SQLite, started only when a browser is there to use it."""
    folder = tmp_path_factory.mktemp("explorer")
    server = start_server(sqlite_url(folder), folder / "data", secrets.token_hex(16))
    yield server
    server.stop()


@pytest.fixture
def browser(browser_binaries: tuple[str, str], tmp_path: Path) -> Iterator[WebDriver]:
    """Yield a Selenium driver of headless Chromium with a fresh profile."""
    chromium, chromedriver = browser_binaries
    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for flag in CHROMIUM_FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={tmp_path / 'profile'}")
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    # An explicit driver path keeps Selenium Manager from looking for a driver online.
    driver = webdriver.Chrome(options=options, service=Service(executable_path=chromedriver))
    driver.set_page_load_timeout(WAIT_S)
    try:
        yield driver
    finally:
        driver.quit()


def test_explorer_lists_images(browser: WebDriver, explorer_server: LiveServer) -> None:
    token = demo_token(explorer_server)
    wait = WebDriverWait(browser, WAIT_S)
    browser.get(f"{explorer_server.endpoint}/docs")

    # Paste the token into the X-Auth-Token scheme of the Authorize dialog.
    wait.until(ec.element_to_be_clickable((By.CSS_SELECTOR, "button.authorize"))).click()
    scheme = wait.until(
        ec.presence_of_element_located(
            (By.XPATH, "//div[contains(@class,'auth-container')][.//h4[contains(., 'token')]]")
        )
    )
    scheme.find_element(By.CSS_SELECTOR, "input").send_keys(token)
    scheme.find_element(By.CSS_SELECTOR, "button.authorize").click()
    browser.find_element(By.CSS_SELECTOR, "button.btn-done").click()

    # Open ListDevServerImages, switch to "Try it out", fill in the project and execute.
    summary = (
        f"//span[@data-path='{LIST_IMAGES_PATH}']/ancestor::div[contains(@class,'opblock-summary')]"
    )
    wait.until(ec.element_to_be_clickable((By.XPATH, summary))).click()
    block = browser.find_element(By.XPATH, f"{summary}/ancestor::div[contains(@class,'opblock ')]")
    wait.until(ec.element_to_be_clickable(block.find_element(By.CSS_SELECTOR, ".try-out__btn")))
    block.find_element(By.CSS_SELECTOR, ".try-out__btn").click()
    project = block.find_element(By.CSS_SELECTOR, "tr[data-param-name='project_id'] input")
    project.send_keys(explorer_server.project_id)
    block.find_element(By.CSS_SELECTOR, "button.execute").click()

    body_selector = (
        By.CSS_SELECTOR,
        ".live-responses-table tr.response .response-col_description pre",
    )
    wait.until(ec.text_to_be_present_in_element(body_selector, EXPECTED_IMAGES[0]))
    status = block.find_element(
        By.CSS_SELECTOR, ".live-responses-table tr.response .response-col_status"
    )
    response_body = block.find_element(*body_selector).text
    # Show the request as curl, its URL and the response in the screenshot.
    curl = block.find_element(By.CSS_SELECTOR, ".curl-command")
    browser.execute_script("arguments[0].scrollIntoView(true);", curl)
    ARTIFACTS.mkdir(exist_ok=True)
    browser.save_screenshot(str(SCREENSHOT))

    assert status.text.strip() == "200"
    for name in EXPECTED_IMAGES:
        assert name in response_body
    assert SCREENSHOT.stat().st_size > 0
    # The page's Content-Security-Policy would show up here as violations.
    assert [entry for entry in browser.get_log("browser") if entry["level"] == "SEVERE"] == []

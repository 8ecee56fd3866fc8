"""The explorer in a real browser: headless Debian Chromium driven by Selenium (no driver or browser download).

Skipped with a reason when /usr/bin/chromium or /usr/bin/chromedriver is missing (`.ci/run` installs them with
apt). Every page visited is saved as a PNG under the test's tmp dir, and the browser's console must hold no
SEVERE entry (a JS error, a failed resource).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from explorer_stores import cu13_store
from nanocat.report.explorer import build_explorer

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMEDRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not (os.path.isfile(CHROMIUM) and os.path.isfile(CHROMEDRIVER)),
                       reason="browser tests need Debian's chromium and chromium-driver "
                              "(apt-get install -y chromium chromium-driver)"),
]


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[object]:
    """One headless Chromium for the module, console log captured."""
    webdriver = pytest.importorskip("selenium.webdriver", reason="selenium is in the [test] extra")
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--disable-dev-shm-usage", "--window-size=1280,1000",
                 f"--user-data-dir={tmp_path_factory.mktemp('chromium-profile')}"):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER), options=options)
    driver.set_page_load_timeout(60)
    try:
        yield driver
    finally:
        driver.quit()


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The explorer built with a real (EMT) screen of Cu13 from its store."""
    folder = tmp_path_factory.mktemp("explorer-site")
    _, db = cu13_store(folder)
    data = Path(__file__).parent / "data" / "thermo_synthetic.csv"
    run = subprocess.run([sys.executable, "-m", "nanocat", "kinetics", str(data), "--mechanism", "CO,HCOOH",
                          "--points", "21", "--json"], capture_output=True, text=True, check=True)
    (folder / "kinetics.json").write_text(run.stdout, encoding="utf-8")
    build_explorer(folder / "site", stores=[db], results=[folder / "kinetics.json"])
    return folder / "site"


def _severe(driver: object) -> list[str]:
    """SEVERE console entries since the last call (reading the log empties it)."""
    return [e["message"] for e in driver.get_log("browser") if e["level"] == "SEVERE"]


def _wait(driver: object, condition: object, timeout_s: float = 30.0) -> None:
    """Wait until ``condition(driver)`` is truthy."""
    from selenium.webdriver.support.ui import WebDriverWait

    WebDriverWait(driver, timeout_s).until(condition)


def _shot(driver: object, path: Path) -> None:
    """A screenshot of the whole page (the window grown to the page's height, then restored)."""
    height = int(driver.execute_script("return document.documentElement.scrollHeight"))
    driver.set_window_size(1280, min(max(height, 800), 8000))
    driver.save_screenshot(str(path))
    driver.set_window_size(1280, 1000)
    assert path.stat().st_size > 10_000


def _rows(driver: object) -> list[str]:
    """Catalyst ids of the table's visible rows, in order."""
    return [tr.get_attribute("data-id") for tr in driver.find_elements("css selector", "#catalysts tbody tr")]


def _check_index(driver: object, url: str, shot: Path) -> None:
    """Load the index, see 64 rows, filter Cu + HCOOH + FE >= 80, sort, and screenshot."""
    from selenium.webdriver.support.ui import Select

    _severe(driver)
    driver.get(url)
    _wait(driver, lambda d: len(_rows(d)) == 64)
    assert driver.find_element("id", "count").text == "64 of 64 catalysts"
    Select(driver.find_element("id", "f-metal")).select_by_value("Cu")
    Select(driver.find_element("id", "f-product")).select_by_value("HCOOH")
    driver.find_element("id", "f-minfe").send_keys("80")
    _wait(driver, lambda d: _rows(d) == ["Cu8-II", "Cu8-III", "Cu32"])  # natural order: 8 before 32
    _shot(driver, shot)
    driver.find_element("css selector", 'th[data-key="id"]').click()  # sorted by id already: this reverses it
    assert _rows(driver) == ["Cu32", "Cu8-III", "Cu8-II"]
    driver.find_element("id", "f-reset").click()
    driver.find_element("id", "f-text").send_keys("tang")
    _wait(driver, lambda d: "Cu32" in _rows(d) and len(_rows(d)) < 64)
    assert _severe(driver) == []


def test_browser_index_from_file_url(browser: object, site: Path, tmp_path: Path) -> None:
    _check_index(browser, (site / "index.html").as_uri(), tmp_path / "index_file.png")


def test_browser_catalyst_page(browser: object, site: Path, tmp_path: Path) -> None:
    _severe(browser)
    browser.get((site / "index.html").as_uri())
    _wait(browser, lambda d: len(_rows(d)) == 64)
    browser.find_element("id", "f-text").send_keys("Cu32")
    _wait(browser, lambda d: _rows(d)[:1] == ["Cu32"])
    browser.find_element("css selector", 'tr[data-id="Cu32"] a.catalyst-link').click()
    _wait(browser, lambda d: d.find_elements("css selector", "#fe-bars .main-svg"))  # Plotly drew the bars
    assert browser.find_element("tag name", "h1").text == "Cu32"
    text = browser.find_element("tag name", "main").text
    assert "superatom electrons" in text and "HCOOH" in text and ">80" in text
    _shot(browser, tmp_path / "catalyst_Cu32.png")
    assert _severe(browser) == []


def test_browser_screen_page(browser: object, site: Path, tmp_path: Path) -> None:
    _severe(browser)
    browser.get((site / "index.html").as_uri())
    browser.find_element("css selector", "a.screen-link").click()
    _wait(browser, lambda d: d.find_elements("css selector", "#fed .main-svg") and
          d.find_elements("css selector", "#view3d .gl-container, #view3d canvas"))
    assert browser.find_element("id", "predicted").text in {"CO", "HCOOH", "CH4", "CH3OH", "H2"}
    text = browser.find_element("tag name", "main").text
    assert "Measured vs computed" in text and "Cu13" in text
    _shot(browser, tmp_path / "screen_Cu13.png")
    assert _severe(browser) == []


def test_browser_kinetics_page(browser: object, site: Path, tmp_path: Path) -> None:
    _severe(browser)
    page = next((site / "kinetics").glob("*.html"))
    browser.get(page.as_uri())
    _wait(browser, lambda d: d.find_elements("css selector", "#kinetics .main-svg"))
    assert "converged 21/21" in browser.find_element("tag name", "main").text
    _shot(browser, tmp_path / "kinetics.png")
    assert _severe(browser) == []


def test_browser_index_from_serve(browser: object, site: Path, tmp_path: Path) -> None:
    proc = subprocess.Popen([sys.executable, "-m", "nanocat", "explore", "--serve", "--port", "0"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=tmp_path)
    try:
        line = proc.stdout.readline()
        match = re.search(r"(http://127\.0\.0\.1:\d+/index\.html)", line)
        assert match, f"no URL printed: {line!r} {proc.stderr.read() if proc.poll() is not None else ''}"
        _check_index(browser, match.group(1), tmp_path / "index_served.png")
    finally:
        proc.send_signal(__import__("signal").SIGINT)  # Ctrl-C: the server stops cleanly
        try:
            assert proc.wait(timeout=20) == 0
        finally:
            if proc.poll() is None:
                proc.kill()
    assert "Traceback" not in proc.stderr.read()

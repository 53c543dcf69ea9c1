"""The site in a real headless Chromium: numbers, sorting, links, no console errors, hostile names as text."""

import shutil
from pathlib import Path

import pytest

from unibench.leaderboard.site import build_site

from .conftest import HOSTILE

REPO = Path(__file__).resolve().parents[2]
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync"]


@pytest.fixture()
def site(tmp_path, run_results):
    out = tmp_path / "site"
    build_site([REPO / "results", run_results], out)
    return out


@pytest.fixture()
def page():
    playwright = pytest.importorskip("playwright.sync_api")
    if not CHROMIUM:
        pytest.skip("no chromium on PATH (Debian: apt-get install chromium)")
    with playwright.sync_playwright() as p:
        try:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        except Exception as exc:  # noqa: BLE001
            pytest.skip(f"chromium could not be launched: {exc}")
        pg = browser.new_page()
        errors = []
        pg.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        pg.on("pageerror", lambda e: errors.append(str(e)))
        pg.errors = errors
        yield pg
        browser.close()


def test_main_table_sorting_links_and_escaping(site, page):
    page.goto((site / "index.html").as_uri())
    text = page.inner_text("body")
    for number in ("33.9", "40.7", "78.8"):  # the paper's averages recomputed over the 49 Fig. 9 rows
        assert number in text
    rows = page.locator("#main tbody tr")
    assert rows.count() >= 8
    first = lambda: rows.nth(0).inner_text()  # noqa: E731
    assert "UniNER-7B w/ sup" in first()  # sorted by overall, best first
    overall_header = page.locator("#main thead th").nth(1)
    overall_header.click()
    assert "UniNER-7B w/ sup" not in first()  # ascending now
    overall_header.click()
    assert "UniNER-7B w/ sup" in first()
    # hostile names are text, never markup
    assert HOSTILE in text
    assert page.evaluate("window.__pwned === undefined")
    # every relative link resolves to a file of the site
    hrefs = page.eval_on_selector_all("a[href]", "els => els.map(e => e.getAttribute('href'))")
    for h in hrefs:
        assert (site / h.split("#")[0]).exists(), h
    artifacts = REPO / "test-artifacts"
    artifacts.mkdir(exist_ok=True)
    page.screenshot(path=str(artifacts / "leaderboard.png"), full_page=True)
    assert not page.errors, page.errors


def test_crossner_mit_table_equals_table3(site, page):
    page.goto((site / "crossner-mit.html").as_uri())
    body = page.inner_text("#t3")
    for line in ("42.4", "31.7", "53.5", "59.4", "65.0", "60.8", "61.1", "53.4"):  # UniNER-7B, v2 Table 3
        assert line in body
    page.goto((site / "models").as_uri() + "/" + next(p.name for p in (site / "models").iterdir()
                                                       if p.name.startswith("evil")))
    assert HOSTILE in page.inner_text("h1")
    assert not page.errors, page.errors

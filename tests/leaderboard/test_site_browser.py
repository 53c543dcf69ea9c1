"""The site in a real headless Chromium (Debian's `chromium`, driven by playwright): the right numbers,
sorting and the zero-shot filter work, every internal link of every page resolves, no console
error and no request leaves file://, hostile model names render as text. Screenshots are kept in
test-artifacts/."""

import shutil
from pathlib import Path

import pytest

from unibench.leaderboard.site import build_site

from unibench.scorer import SCORER_VERSION

from .conftest import HOSTILE, REPO, full_runs, write_samples

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync"]
ARTIFACTS = REPO / "test-artifacts"
pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    from .conftest import make_run, write

    root = tmp_path_factory.mktemp("runs")
    full_runs(root, "org/big-model", "Big model", 0.62, n_parameters=7_000_000_000)
    full_runs(root, "org/twin", "Twin of big", 0.62, n_parameters=1_500_000_000)
    full_runs(root, "evil/model", HOSTILE, 0.40, n_parameters=350_000_000)
    write_samples(next((root / "evil__model").rglob("crossner_ai.json")), 45)
    write(root, make_run("org/partial", "Partial run", "crossner_ai", 10, 5, 5))
    out = tmp_path_factory.mktemp("site") / "site"
    build_site([REPO / "results", root], out)
    return out


@pytest.fixture(scope="module")
def browser():
    playwright = pytest.importorskip("playwright.sync_api")
    if not CHROMIUM:
        pytest.skip("no chromium on PATH (Debian: apt-get install chromium)")
    with playwright.sync_playwright() as p:
        try:
            b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        except Exception as exc:  # noqa: BLE001
            pytest.skip(f"chromium could not be launched: {exc}")
        yield b
        b.close()


@pytest.fixture()
def page(browser):
    pg = browser.new_page(viewport={"width": 1400, "height": 1000})
    pg.errors, pg.requests = [], []
    pg.on("console", lambda m: pg.errors.append(m.text) if m.type in ("error", "warning") else None)
    pg.on("pageerror", lambda e: pg.errors.append(str(e)))
    pg.on("request", lambda r: pg.requests.append(r.url))
    yield pg
    pg.close()


def _column(page, table: str, col: int) -> list[str]:
    return page.eval_on_selector_all(f'{table} tbody tr', f"rs => rs.filter(r => !r.hidden).map(r => "
                                                          f"r.cells[{col}].getAttribute('data-v'))")


def test_main_table_numbers_sorting_filter(site, page):
    page.goto((site / "index.html").as_uri())
    reported = 'table[data-group="reported"]'
    text = page.inner_text(reported)
    for number in ("33.9", "40.7", "78.8"):  # the paper's averages recomputed over the 49 Fig. 9 rows
        assert number in text
    runs = f'table[data-group="runs, scorer {SCORER_VERSION}, data paper"]'
    first_rows = page.locator(f"{runs} tbody tr")
    assert "Big model" in first_rows.nth(0).inner_text() and "≈" in first_rows.nth(1).inner_text()  # twin: tie
    partial = first_rows.nth(3).inner_text()
    assert "Partial run" in partial and "1/49 rows" in partial and partial.startswith("–")  # listed, unranked
    header = page.locator(f"{reported} thead th").nth(2)  # overall
    values = lambda: [float(v) for v in _column(page, reported, 2) if v]  # noqa: E731
    assert values() == sorted(values(), reverse=True)  # ranked best first
    header.click()
    assert values() == sorted(values()) and header.get_attribute("aria-sort") == "ascending"
    header.click()
    assert values() == sorted(values(), reverse=True)
    page.locator(f"{reported} thead th").nth(1).click()  # by model name
    names = page.eval_on_selector_all(f"{reported} tbody tr td.name a", "as => as.map(a => a.textContent)")
    assert names == sorted(names, key=str.lower) or names == sorted(names)
    page.select_option("#setting", "zero-shot")
    visible = page.inner_text(reported)
    assert "UniNER-7B w/ sup" not in visible and "UniNER-7B" in visible
    page.select_option("#setting", "supervised")
    assert "Vicuna" not in page.inner_text(reported) and "UniNER-7B w/ sup" in page.inner_text(reported)
    page.select_option("#setting", "all")
    assert HOSTILE in page.inner_text("body")  # hostile names are text, never markup
    assert page.evaluate("window.__pwned === undefined")
    assert page.locator("svg[aria-label='F1 against model size'] circle").count() >= 6
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "leaderboard.png"), full_page=True)
    assert not page.errors, page.errors


def test_every_page_loads_clean_and_every_link_resolves(site, page):
    pages = sorted(site.rglob("*.html"))
    assert len(pages) > 49 + 9 + 20
    for path in pages:
        page.goto(path.as_uri())
        hrefs = page.eval_on_selector_all("a[href]", "as => as.map(a => a.href)")
        for h in hrefs:
            assert h.startswith("file://"), (path, h)
            target = Path(h.split("#")[0][len("file://"):])
            assert target.exists(), (path, h)
        assert page.evaluate("window.__pwned === undefined"), path
    assert not page.errors, page.errors
    outside = [u for u in page.requests if not u.startswith("file://")]
    assert not outside, outside  # no CDN, no fetch, nothing leaves the folder


def test_dataset_domain_model_and_samples_pages(site, page):
    page.goto((site / "datasets" / "crossner_ai.html").as_uri())
    body = page.inner_text("body")
    assert "Big model" in body and "hallucination rate" in body and HOSTILE in body
    page.locator("details summary", has_text="Per-type scores: Big model").click()
    assert "organization" in page.inner_text("details[open]")
    page.screenshot(path=str(ARTIFACTS / "dataset-crossner_ai.png"), full_page=True)
    page.locator("a", has_text="browse").first.click()
    assert "Predictions against gold" in page.inner_text("h1") and HOSTILE in page.inner_text("h1")
    assert "Showing the first 40 sentences" in page.inner_text("body")
    assert page.locator("span.miss", has_text=HOSTILE).count() == 1  # a hostile gold string, as text
    page.screenshot(path=str(ARTIFACTS / "samples.png"))
    page.goto((site / "domains" / "biomed.html").as_uri())
    assert page.locator("table").first.locator("tbody tr").count() == 3
    page.goto((site / "crossner-mit.html").as_uri())
    body = page.inner_text('table[id="t3-2"]') if page.locator("#t3-2").count() else page.inner_text("body")
    for v in ("42.4", "31.7", "53.5", "59.4", "65.0", "60.8", "61.1", "53.4", "47.5", "61.8"):  # v2 Table 3
        assert v in body
    model = next(p for p in (site / "models").iterdir() if p.name.startswith("evil"))
    page.goto(model.as_uri())
    assert HOSTILE in page.inner_text("h1") and page.locator("svg[aria-label='F1 by domain'] rect").count() == 9
    assert not page.errors, page.errors

"""The ten Hub-only rows, end to end through a Hub on 127.0.0.1 (tests/helpers/hub_datasets.py) serving each
repo in its published layout (tests/helpers/hub_layouts.py), through the real `datasets` / `huggingface_hub`
calls: `data prepare` straight from the Hub at a resolved commit, `data download` pinning a commit into the
data dir, reading the pinned copy offline, and failing at once (no request, no retries) without one.

The CLI runs in a subprocess: huggingface_hub and datasets read HF_ENDPOINT / HF_HUB_OFFLINE when imported.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("datasets")

from tests.helpers.hub_datasets import DatasetHub, DatasetRepo  # noqa: E402
from tests.helpers.hub_layouts import all_repos, sentences  # noqa: E402
from unibench.cards import get_card  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
HUB_ONLY = ["fewnerd_coarse", "fewnerd_fine", "multinerd", "polyglotner", "tweetner7", "fabner", "deal",
            "mapa_coarse", "mapa_fine", "ontonotes"]


def _empty_dir(tmp_path: Path) -> Path:
    """An existing data dir without the row: the Hub is where the row comes from (a missing dir is an error)."""
    d = tmp_path / "empty"
    d.mkdir(exist_ok=True)
    return d


@pytest.fixture(scope="module")
def hub():
    with DatasetHub() as h:
        for repo, branches in all_repos().items():
            h.repos[repo] = DatasetRepo(branches)
        yield h


def _env(tmp_path: Path, hub: DatasetHub, **extra) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HF_", "HUGGING", "TRANSFORMERS_"))}
    env.update(HF_ENDPOINT=hub.url, HF_HOME=str(tmp_path / "hf-home"), PYTHONPATH=str(ROOT), NO_COLOR="1",
               HF_HUB_DISABLE_TELEMETRY="1", HF_HUB_DISABLE_PROGRESS_BARS="1", COLUMNS="200", **extra)
    return env


def _cli(args: list[str], env: dict) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "unibench", *args], capture_output=True, text=True, env=env,
                          timeout=600, cwd=ROOT)


def _expected_test(row: str) -> list[tuple[str, str]]:
    """(mention, type) of every test sentence the synthetic repo holds for the row's test split."""
    card = get_card(row)
    hf_split = card.sources.hf.splits["test"]
    rows = sentences(card, hf_split + ("en" if row == "multinerd" else ""), 4)
    if row == "fewnerd_coarse":  # the coarse column is the prefix of the fine tags of the same sentences
        fine = sentences(get_card("fewnerd_fine"), hf_split, 4)
        return [("alpha beta", card.label_map[r["raw_type"].split("-")[0]].name) for r in fine
                if r["raw_type"].split("-")[0] in card.label_map]
    return [("alpha beta", r["name"]) for r in rows]


def _prepared(cache: Path, row: str, split: str = "test") -> list[dict]:
    path = cache / "prepared" / row / "paper" / f"{split}.jsonl"
    return [json.loads(x) for x in path.read_text().splitlines()]


def test_every_hub_only_row_prepares_from_the_hub_at_a_resolved_commit(tmp_path, hub):
    cache = tmp_path / "cache"
    p = _cli(["data", "prepare", *HUB_ONLY, "--data-dir", str(_empty_dir(tmp_path)), "--cache-dir", str(cache),
              "--json"], _env(tmp_path, hub))
    assert p.returncode == 0, p.stderr[-3000:]
    manifests = {m["row"]: m for m in json.loads(p.stdout)}
    assert sorted(manifests) == sorted(HUB_ONLY)
    for row in HUB_ONLY:
        card = get_card(row)
        src = manifests[row]["splits"]["test"]["source"]
        branch = card.sources.hf.revision
        assert src["kind"] == "hf" and src["repo"] == card.sources.hf.repo
        assert src["revision"] == hub.repos[card.sources.hf.repo].sha(branch), row  # the commit, not the branch
        assert src["requested_revision"] == branch
        got = [(" ".join(s["tokens"][sp["start"]:sp["end"]]), sp["type"]) for s in _prepared(cache, row)
               for sp in s["spans"]]
        if row == "polyglotner":  # seeded cut of the one published split: every sentence has its one mention
            names = {card.label_map[t].name for t in card.label_map}
            assert got and all(m == "alpha beta" and t in names for m, t in got)
            assert sum(manifests[row]["splits"][s]["n_sentences"] for s in ("train", "dev", "test")) == 60
            continue
        assert got == _expected_test(row), row
        assert {s: v["n_sentences"] for s, v in manifests[row]["splits"].items()} == {
            "train": 4, "dev": 4, "test": 4}, row
    # the German MAPA rows and MultiNERD's other languages are not read
    assert all(not s["tokens"][0].startswith("Nicht") for s in _prepared(cache, "mapa_fine"))
    # and a model runs on them end to end: result files stamp the commit each row was read at
    out = tmp_path / "results"
    p = _cli(["run", "--model", "gazetteer", *[a for r in HUB_ONLY for a in ("--datasets", r)], "--data-dir", str(_empty_dir(tmp_path)),
              "--cache-dir", str(cache), "--output-dir", str(out), "--json"], _env(tmp_path, hub))
    assert p.returncode == 0, p.stderr[-3000:]
    from unibench.results import iter_result_files, read_result

    results = {r.dataset.row: r for r in map(read_result, iter_result_files(out))}
    assert sorted(results) == sorted(HUB_ONLY)
    for row, r in results.items():
        card = get_card(row)
        assert r.dataset.revision == hub.repos[card.sources.hf.repo].sha(card.sources.hf.revision)
        assert r.dataset.content_hash == manifests[row]["splits"]["test"]["sha256"]
    # the cards name a branch, not that commit: validate refuses these runs until the card is pinned
    p = _cli(["validate", str(out)], _env(tmp_path, hub))
    said = " ".join(p.stdout.split() + p.stderr.split())
    assert p.returncode != 0 and "is not the source revision pinned" in said and "--update-card" in said
    # script repos were read only at their parquet export's commit, never at `main` (which holds the script)
    for repo in ("DFKI-SLT/few-nerd", "DFKI-SLT/fabner", "rmyeid/polyglot_ner", "tner/tweetner7", "tner/ontonotes5"):
        asked = [r["path"] for r in hub.requests if f"/{repo}/" in r["path"]]
        assert asked and not [x for x in asked if "/main" in x or hub.repos[repo].sha("main") in x], asked


def test_download_pins_a_commit_and_the_pinned_copy_reads_offline(tmp_path, hub):
    data = tmp_path / "data"
    env = _env(tmp_path, hub)
    p = _cli(["data", "download", "fewnerd_fine", "multinerd", "--data-dir", str(data)], env)
    assert p.returncode == 0, p.stderr[-3000:]
    sha_parquet = hub.repos["DFKI-SLT/few-nerd"].sha("refs/convert/parquet")
    sha_multi = hub.repos["Babelscape/multinerd"].sha("main")
    assert f"fewnerd_fine: DFKI-SLT/few-nerd refs/convert/parquet -> {sha_parquet}" in p.stdout
    assert f"multinerd: Babelscape/multinerd main -> {sha_multi}" in p.stdout
    pin = json.loads((data / "multinerd" / "unibench_hub.json").read_text())
    assert pin["commit"] == sha_multi and sorted(pin["files"]) == [
        "README.md", "test/test_en.jsonl", "train/train_en.jsonl", "val/val_en.jsonl"]  # English only
    # offline, with no Hub at all: the pinned rows load, and stamp the pinned commit
    offline = _env(tmp_path, hub, HF_HUB_OFFLINE="1", HF_DATASETS_OFFLINE="1") | {"HF_ENDPOINT": "http://127.0.0.1:9"}
    cache = tmp_path / "cache"
    p = _cli(["data", "prepare", "fewnerd_fine", "multinerd", "--data-dir", str(data), "--cache-dir", str(cache),
              "--json"], offline)
    assert p.returncode == 0, p.stderr[-3000:]
    by_row = {m["row"]: m for m in json.loads(p.stdout)}
    assert by_row["fewnerd_fine"]["splits"]["test"]["source"]["revision"] == sha_parquet
    assert by_row["multinerd"]["splits"]["test"]["source"]["pinned"] is True
    got = [(" ".join(s["tokens"][sp["start"]:sp["end"]]), sp["type"]) for s in _prepared(cache, "multinerd")
           for sp in s["spans"]]
    assert got == _expected_test("multinerd")


def test_download_an_explicit_revision_and_a_wrong_one(tmp_path, hub):
    data = tmp_path / "data"
    sha = hub.repos["joelniklaus/mapa"].sha("main")
    p = _cli(["data", "download", "mapa_coarse", "--revision", sha, "--data-dir", str(data), "--json"],
             _env(tmp_path, hub))
    assert p.returncode == 0, p.stderr[-3000:]
    (pin,) = json.loads(p.stdout)
    assert pin["commit"] == sha and pin["requested_revision"] == sha
    p = _cli(["data", "download", "mapa_coarse", "--revision", "0" * 40, "--data-dir", str(data)], _env(tmp_path, hub))
    assert p.returncode == 2 and "cannot resolve revision" in p.stderr and "Traceback" not in p.stderr
    p = _cli(["data", "download", "ace04", "--data-dir", str(data)], _env(tmp_path, hub))
    assert p.returncode == 2 and "no Hugging Face source" in p.stderr


@pytest.mark.parametrize("how", ["offline-env", "unreachable"])
def test_missing_hub_row_fails_at_once_with_where_to_get_it(tmp_path, hub, how):
    extra = {"HF_HUB_OFFLINE": "1"} if how == "offline-env" else {}
    env = _env(tmp_path, hub, **extra)
    if how == "unreachable":
        env["HF_ENDPOINT"] = "http://127.0.0.1:9"  # nothing listens on the discard port
    before = len(hub.requests)
    p = _cli(["data", "prepare", "tweetner7", "--data-dir", str(_empty_dir(tmp_path)), "--cache-dir",
              str(tmp_path / "cache")], env)
    assert p.returncode == 2 and "Traceback" not in p.stderr
    text = " ".join(p.stderr.split())
    assert "tweetner7" in text and "unibench data download tweetner7" in text and "tner/tweetner7" in text
    assert ("offline mode is on" if how == "offline-env" else "is not reachable") in text
    assert len(hub.requests) == before  # nothing was asked of the Hub


FALLBACK = ["crossner_ai", "crossner_literature", "crossner_music", "crossner_politics", "crossner_science",
            "conllpp", "wikiann_en", "wikineural", "ncbi", "bc2gm", "jnlpba", "btc", "mit_restaurant", "finer_ord"]


def test_the_hub_fallback_of_locally_staged_rows(tmp_path):
    """Rows normally read from local files, read from their Hub copy when the data dir lacks them."""
    from tests.helpers.hub_layouts import fallback_repos

    assert sorted(FALLBACK) == sorted(c.id for c in map(get_card, FALLBACK) if c.sources.hf is not None)
    with DatasetHub() as hub:
        for repo, branches in fallback_repos().items():
            hub.repos[repo] = DatasetRepo(branches)
        cache = tmp_path / "cache"
        p = _cli(["data", "prepare", *FALLBACK, "--data-dir", str(_empty_dir(tmp_path)), "--cache-dir", str(cache),
                  "--json"], _env(tmp_path, hub))
        assert p.returncode == 0, p.stderr[-3000:]
        manifests = {m["row"]: m for m in json.loads(p.stdout)}
        for row in FALLBACK:
            card = get_card(row)
            src = manifests[row]["splits"]["test"]["source"]
            assert src["kind"] == "hf" and src["revision"] == hub.repos[card.sources.hf.repo].sha(
                card.sources.hf.revision), row
            got = [(" ".join(s["tokens"][sp["start"]:sp["end"]]), sp["type"]) for s in _prepared(cache, row)
                   for sp in s["spans"]]
            want = [("alpha beta", r["name"]) for r in sentences(card, card.sources.hf.splits["test"], 4)]
            if "drop_last_sentence" in card.paper_quirks:  # the paper version's quirk applies to any source
                want = want[:-1]
            assert got == want, row


def test_pin_card_writes_the_commit_into_a_copy_of_the_card(tmp_path):
    import shutil

    from unibench.cards import parse_card
    from unibench.hub_data import pin_card
    from unibench.resources import resource_dir

    for row in ("fewnerd_fine", "conllpp"):  # flow-style and block-style hf sections
        shutil.copy(resource_dir("dataset_cards") / f"{row}.yaml", tmp_path / f"{row}.yaml")
        before = (tmp_path / f"{row}.yaml").read_text()
        pin = {"commit": "a" * 40, "requested_revision": get_card(row).sources.hf.revision,
               "downloaded": "2026-01-02T00:00:00+00:00"}
        pin_card(get_card(row), pin, tmp_path)
        card = parse_card(tmp_path / f"{row}.yaml")
        assert card.sources.hf.revision == "a" * 40 and card.sources.hf.revision_verified is True
        after = (tmp_path / f"{row}.yaml").read_text()
        import difflib

        diff = [x for x in difflib.unified_diff(before.splitlines(), after.splitlines(), lineterm="", n=0)
                if x[:1] in "+-" and not x.startswith(("+++", "---"))]
        assert len(diff) <= 4 and all("revision" in x for x in diff), diff  # only the revision lines change
        assert f"# {pin['requested_revision']}, pinned 2026-01-02" in after

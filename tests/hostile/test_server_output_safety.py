"""Output that other tools read stays inert: CSV downloads cannot smuggle a formula or a row into a
spreadsheet, and strings from result files reach the terminal of whoever runs `validate`,
`leaderboard build` or `score` with their control characters escaped."""

from __future__ import annotations

import csv
import io
import json

from tests.leaderboard.conftest import make_run, write
from tests.submit.conftest import run_cli
from unibench.leaderboard.downloads import safe_cell
from unibench.printable import error_text, json_safe, one_paragraph, printable

from .server_checks import assert_inert

FORMULAS = ["=HYPERLINK(\"http://evil\")", "x\r=cmd|' /C calc'!A0", "a\r\n+1+1", "ok\n@SUM(1)", "-2+3", "\t=1",
            "fine\n\n-x"]
TERMINAL = "\x1b]0;pwned\x07\x1b[2J\rerror: forged\n\x9b31mred\u202egnp.exe"


def _env(tmp_path):
    import os

    env = {k: v for k, v in os.environ.items() if not k.startswith(("HF_", "HUGGING"))}
    env.update(HF_HUB_OFFLINE="1", HF_HOME=str(tmp_path / "hf-home"), NO_COLOR="1", COLUMNS="200")
    env["PYTHONPATH"] = str(__import__("pathlib").Path(__file__).resolve().parents[2])
    return env


def test_safe_cell_guards_every_line_and_normalises_breaks():
    assert safe_cell("x\r=cmd") == "x\n'=cmd"
    assert safe_cell("a\r\n+1\n@b\n\tc\nplain") == "a\n'+1\n'@b\n'\tc\nplain"
    assert safe_cell("-2") == "'-2" and safe_cell("model") == "model" and safe_cell(-2.5) == -2.5


def test_leaderboard_csv_files_are_fully_quoted_and_formula_free(tmp_path):
    for i, name in enumerate(FORMULAS):
        write(tmp_path / "r", make_run(f"org/m{i}", name, "crossner_ai", 5 + i, 5, 5))
    out = tmp_path / "site"
    res = run_cli(["leaderboard", "build", "--results", str(tmp_path / "r"), "--out", str(out)], _env(tmp_path))
    assert res.returncode == 0, res.stderr
    for name in ("leaderboard.csv", "results-long.csv"):
        text = (out / name).read_text(encoding="utf-8")
        assert "\r" not in text
        for line in text.split("\n"):  # what a tool that splits on line breaks sees
            assert not line.startswith(("=", "+", "-", "@", "\t")), (name, line)
        records = list(csv.reader(io.StringIO(text)))
        assert all(text_line.startswith('"') for text_line in text.splitlines() if text_line[:1] not in ("'", ""))
        displays = {r[4] for r in records[1:]} if name == "leaderboard.csv" else {r[3] for r in records[1:]}
        assert "'=HYPERLINK(\"http://evil\")" in displays and "x\n'=cmd|' /C calc'!A0" in displays
        assert "'-2+3" in displays and "fine\n\n'-x" in displays


def test_printable_escapes_terminal_controls():
    shown = printable(TERMINAL)
    assert_inert(shown)
    assert "\\x1b]0;pwned\\x07" in shown and "\\r" in shown and "\\n" in shown and "\\x9b" in shown
    assert "\\u202e" in shown and printable("модель ☃ ok") == "модель ☃ ok"
    assert "\n" not in one_paragraph("a\n  b\r\nc") and one_paragraph("a\n  b\r\nc") == "a b c"
    assert json.loads(json_safe(json.dumps({"k": TERMINAL}, ensure_ascii=False)))["k"] == TERMINAL
    assert_inert(json_safe(json.dumps({"k": TERMINAL}, ensure_ascii=False)))


def test_error_text_is_one_paragraph_whatever_the_message_holds():
    from unibench.errors import UnibenchError

    text = error_text(UnibenchError(TERMINAL, path="dir/\x1b[2Jx.json", line=3, hint="try\nagain"))
    assert_inert(text)
    assert text.count("\n") == 1 and text.split("\n")[1].startswith("  hint: ")
    assert text.startswith("dir/\\x1b[2Jx.json:3: ")


def _hostile_results(tmp_path):
    r = make_run("org/m", "Model " + TERMINAL, "crossner_ai", 5, 5, 5)
    path = write(tmp_path / "r", r)
    raw = json.loads(path.read_text(encoding="utf-8"))
    raw["dataset"]["dataset"] = "CrossNER " + TERMINAL  # echoed by the dataset/domain check
    raw["stamps"]["scorer_version"] = "v" + TERMINAL  # echoed by the scorer-version check
    path.write_text(json.dumps(raw, ensure_ascii=False), encoding="utf-8")
    return tmp_path / "r"


def test_validate_shows_result_fields_inert(tmp_path):
    folder = _hostile_results(tmp_path)
    res = run_cli(["validate", str(folder)], _env(tmp_path))
    assert res.returncode == 1 and "Traceback" not in res.stderr
    assert_inert(res.stdout + res.stderr)
    assert "CrossNER \\x1b]0;pwned\\x07" in res.stderr
    assert not any(line.startswith("error: forged") for line in res.stderr.splitlines())
    js = run_cli(["validate", str(folder), "--json"], _env(tmp_path))
    assert js.returncode == 1
    assert_inert(js.stdout)
    assert any("CrossNER " + TERMINAL in p for p in json.loads(js.stdout)["problems"])  # JSON keeps the value


def test_leaderboard_build_shows_result_fields_inert(tmp_path):
    folder = _hostile_results(tmp_path)
    res = run_cli(["leaderboard", "build", "--results", str(folder), "--out", str(tmp_path / "site")], _env(tmp_path))
    assert res.returncode == 0, res.stderr
    assert_inert(res.stdout + res.stderr)


def test_score_shows_dataset_names_from_the_file_inert(tmp_path):
    preds = tmp_path / "preds.jsonl"
    lines = [{"dataset": "mine" + TERMINAL, "sentence_id": f"s{i}", "output": '["Ada"]', "gold": ["Ada"]}
             for i in range(3)]
    preds.write_text("".join(json.dumps(x) + "\n" for x in lines), encoding="utf-8")
    res = run_cli(["score", "--predictions", str(preds)], _env(tmp_path))
    assert res.returncode == 0 and "Traceback" not in res.stderr, res.stderr
    assert_inert(res.stdout + res.stderr)
    assert "mine\\x1b]0;pwned" in res.stdout + res.stderr

"""Bad cards and bad requests fail loudly: file, line, what was expected, non-zero exit."""

from __future__ import annotations

import shutil

import pytest

from unibench.cards import get_card, load_registry, parse_card
from unibench.cli.main import main
from unibench.errors import CardError, MissingDataError
from unibench.prepare import load_sentences
from unibench.resources import resource_dir

GOOD = resource_dir("dataset_cards") / "ace04.yaml"


def _copy(tmp_path, name="ace04", text=None):
    path = tmp_path / f"{name}.yaml"
    path.write_text(text if text is not None else GOOD.read_text(encoding="utf-8"), encoding="utf-8")
    return path


def _line_of(text: str, prefix: str) -> int:
    return next(i for i, line in enumerate(text.splitlines(), 1) if line.startswith(prefix))


def test_unknown_top_level_key_names_file_and_line(tmp_path):
    text = GOOD.read_text(encoding="utf-8").replace("tag_scheme: spans\n", "tag_scheme: spans\ncolour: red\n")
    path = _copy(tmp_path, text=text)
    with pytest.raises(CardError) as exc:
        parse_card(path)
    err = exc.value
    assert err.path == str(path) and err.line == _line_of(text, "colour:")
    assert "colour" in err.message and "unknown key" in err.message
    assert f"{path}:{err.line}" in str(err)


def test_unknown_nested_key_names_its_own_line(tmp_path):
    text = GOOD.read_text(encoding="utf-8").replace("  n_types: 7\n", "  n_types: 7\n  n_typos: 8\n")
    path = _copy(tmp_path, text=text)
    with pytest.raises(CardError) as exc:
        parse_card(path)
    assert exc.value.line == _line_of(text, "  n_typos:") and "paper.n_typos" in exc.value.message


def test_invalid_yaml_names_the_line(tmp_path):
    text = GOOD.read_text(encoding="utf-8").replace("domain: General\n", "domain: [General\n")
    path = _copy(tmp_path, text=text)
    with pytest.raises(CardError) as exc:
        parse_card(path)
    assert exc.value.path == str(path) and "invalid YAML" in exc.value.message
    assert exc.value.line is not None and exc.value.line >= _line_of(text, "domain:")


def test_id_must_equal_file_name(tmp_path):
    path = _copy(tmp_path, name="ace_2004")
    with pytest.raises(CardError) as exc:
        parse_card(path)
    assert "ace_2004" in exc.value.message and exc.value.line == 1


def test_a_bad_card_breaks_the_registry_load(tmp_path):
    shutil.copy(GOOD, tmp_path / "ace04.yaml")
    _copy(tmp_path, name="ace05", text=(resource_dir("dataset_cards") / "ace05.yaml").read_text(
        encoding="utf-8").replace("domain: General", "domain: Generall"))
    with pytest.raises(CardError) as exc:
        load_registry(str(tmp_path))
    assert exc.value.path.endswith("ace05.yaml") and "domain" in exc.value.message


def test_cli_show_unknown_id_exits_nonzero(capsys):
    rc = main(["data", "show", "nosuchid"])
    err = capsys.readouterr().err
    assert rc != 0 and "unknown dataset 'nosuchid'" in err and "ace04" in err  # lists the known ids


def test_cli_show_near_miss_suggests(capsys):
    rc = main(["data", "show", "i2b2_201"])
    err = capsys.readouterr().err
    assert rc != 0 and "did you mean" in err and "i2b2_2010" in err


def test_cli_show_known_id(capsys):
    assert main(["data", "show", "i2b2_2014", "--json"]) == 0
    out = capsys.readouterr().out
    assert '"id": "i2b2_2014"' in out and "testing-PHI-Gold-fixed.tar.gz" in out


def test_missing_clinical_data_says_how_to_get_it(tmp_path):
    card = get_card("i2b2_2010")
    with pytest.raises(MissingDataError) as exc:
        load_sentences(card, "test", tmp_path / "nowhere", tmp_path / "cache")
    msg = str(exc.value)
    assert "i2b2_2010" in msg and "DUA" in msg and "<data-dir>/i2b2_2010/test.jsonl" in msg
    assert "--data-dir" in msg


def test_missing_file_in_existing_folder_names_it(tmp_path):
    (tmp_path / "ace05").mkdir()
    (tmp_path / "ace05" / "mrc-ner.train").write_text("[]", encoding="utf-8")
    with pytest.raises(MissingDataError) as exc:
        load_sentences(get_card("ace05"), "test", tmp_path, tmp_path / "cache")
    assert "mrc-ner.test" in str(exc.value) and "LDC2006T06" in str(exc.value)


def test_cli_missing_data_exits_nonzero(tmp_path, capsys):
    rc = main(["data", "stats", "shareclef", "--data-dir", str(tmp_path / "none"), "--cache-dir", str(tmp_path)])
    err = capsys.readouterr().err
    assert rc != 0 and "PhysioNet" in err and "<data-dir>/shareclef/train/" in err

"""Training type counts: from conversation data, from training_types.json, and their errors."""

from __future__ import annotations

import json

import pytest

from tests.familiarity.conftest import conversation_file
from unibench.errors import UnibenchError
from unibench.familiarity.training_types import FILE_NAME, load_training_types


def test_counts_are_mentions_per_normalised_type(tmp_path):
    path = conversation_file(tmp_path / "conv.json", [
        {"person": ["A", "B"], "Location": ["Paris"]},
        {"location ": ["Rome", "Oslo"], "person": []},  # a negative query adds no mention
        {"award": []}])
    tt = load_training_types(path)
    assert tt.counts == {"location": 3, "person": 2}  # "Location", "location " are one type; award never answered
    assert tt.records == 3 and tt.n_mentions == 5 and tt.source == "conv.json"


def test_types_file_round_trip_and_folder(tmp_path):
    tt = load_training_types(conversation_file(tmp_path / "conv.json", [{"person": ["A"], "city": ["B", "C"]}]))
    folder = tmp_path / "ckpt"
    folder.mkdir()
    (folder / FILE_NAME).write_text(json.dumps(tt.to_json()), encoding="utf-8")
    back = load_training_types(folder)
    assert back.counts == tt.counts and back.sha256 == tt.sha256 and back.source == "conv.json"


@pytest.mark.parametrize("content, message", [
    ('{"format": "unibench-training-types/1", "types": {"person": -1}}', "not a non-negative integer"),
    ('{"format": "unibench-training-types/1", "types": {}}', "not a training_types.json"),
    ('[{"id": "a", "conversations": []}]', "at least 2 turns"),
])
def test_bad_files_name_the_file(tmp_path, content, message):
    path = tmp_path / "t.json"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(UnibenchError) as exc:
        load_training_types(path)
    assert message in exc.value.render() and "t.json" in exc.value.render()


def test_no_positive_answer_is_an_error(tmp_path):
    with pytest.raises(UnibenchError, match="no entity mention"):
        load_training_types(conversation_file(tmp_path / "neg.json", [{"person": []}]))
    with pytest.raises(UnibenchError, match="without training_types.json"):
        load_training_types(tmp_path)


def test_pile_ner_hub_id_offline_without_the_file_is_a_clear_error(tmp_path):
    import os
    import subprocess
    import sys
    from pathlib import Path

    env = {**os.environ, "HF_HUB_OFFLINE": "1", "HF_HOME": str(tmp_path / "hf")}
    code = ("from unibench.familiarity.training_types import load_training_types\n"
            "from unibench.errors import UnibenchError\n"
            "try:\n    load_training_types('Universal-NER/Pile-NER-type')\n"
            "except UnibenchError as e:\n    print(e.render())\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, env=env,
                         cwd=Path(__file__).resolve().parents[2])
    assert "Universal-NER/Pile-NER-type" in out.stdout and "offline mode is on" in out.stdout, out.stderr[-1000:]

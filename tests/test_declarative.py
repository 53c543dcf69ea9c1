"""The one loader of named declarative YAML files (adapters, annotation prompts, training templates)."""

from __future__ import annotations

import pytest

from unibench.adapters import AdapterSpec
from unibench.declarative import load_named_yaml
from unibench.errors import CardError

GOOD = """name: mine
family: uniner
kind: per_query
reconstruction: false
source: test
suffix: "USER: What describes {{ label }} in the text? ASSISTANT:"
parser: uniner_json
"""


def test_a_valid_file_loads(tmp_path):
    (tmp_path / "mine.yaml").write_text(GOOD)
    assert load_named_yaml(tmp_path / "mine.yaml", AdapterSpec, "adapter").name == "mine"


@pytest.mark.parametrize("text, stem, says, line", [
    (GOOD + "bogus: 1\n", "mine", "invalid adapter file: bogus: Extra inputs are not permitted", None),
    (GOOD.replace("kind: per_query", "kind: [per_query"), "mine", "invalid YAML", 3),
    (GOOD, "other", "adapter name 'mine' must equal the file name 'other'", None),
])
def test_errors_name_the_file_and_what_was_expected(tmp_path, text, stem, says, line):
    path = tmp_path / f"{stem}.yaml"
    path.write_text(text)
    with pytest.raises(CardError) as exc:
        load_named_yaml(path, AdapterSpec, "adapter")
    assert exc.value.path == str(path) and says in exc.value.message
    if line is not None:
        assert exc.value.line is not None and exc.value.line >= line

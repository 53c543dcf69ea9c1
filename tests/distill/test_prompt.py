"""The annotation prompt file: the paper's words, its schema, and the request it makes."""

import pytest

from unibench.distill.prompt import get_prompt, load_prompt_file
from unibench.errors import CardError, UnknownNameError

USER = ('Given a passage, your task is to extract all entities and identify their entity types. The output should '
        'be in a list of tuples of the following format: [("entity 1", "type of entity 1"), ... ].\n'
        'Passage: Barack Obama visited Paris .')


def test_request_is_the_papers_prompt_at_temperature_zero():
    p = get_prompt()
    req = p.request("Barack Obama visited Paris .")
    assert req.prompt == ({"role": "system", "content": "You are a helpful information extraction system."},
                          {"role": "user", "content": USER})
    assert req.temperature == 0.0 and req.max_new_tokens == 1024
    assert p.request("x", max_new_tokens=64).max_new_tokens == 64
    # a passage with template syntax is data, not template
    assert p.request("{{ 1 + 1 }} {% x %}").prompt[1]["content"].endswith("Passage: {{ 1 + 1 }} {% x %}")
    assert len(p.prompt_hash) == 64 and p.reconstruction


@pytest.mark.parametrize("body,what", [
    ("name: bad\nsource: s\nreconstruction: false\nsystem: s\nuser: 'no passage here'\n", "passage"),
    ("name: bad\nsource: s\nreconstruction: false\nsystem: s\nuser: '{{ passage }}'\ncolour: red\n", "colour"),
    ("name: bad\nsource: s\nreconstruction: false\nsystem: s\nuser: '{{ passage }}'\n"
     "template_echo_types: ['(unclosed']\n", "regular expression"),
    ("name: other\nsource: s\nreconstruction: false\nsystem: s\nuser: '{{ passage }}'\n", "file name"),
    ("name: [unclosed\n", "YAML"),
])
def test_bad_prompt_files_name_the_file(tmp_path, body, what):
    path = tmp_path / "bad.yaml"
    path.write_text(body)
    with pytest.raises(CardError) as exc:
        load_prompt_file(path)
    assert str(path) in str(exc.value) and what in str(exc.value)


def test_unknown_prompt_name():
    with pytest.raises(UnknownNameError):
        get_prompt("pile-ner-typo")

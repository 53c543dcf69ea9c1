"""The teacher-output parser on a table of well-formed and malformed outputs; never raises."""

import pytest

from unibench.distill.prompt import get_prompt
from unibench.distill.teacher_parse import TeacherParser, extract_list

PASSAGE = "Barack Obama met Angela Merkel in Berlin on Monday ; the eiffel tower stayed in Paris ."

CASES = [
    # (output, status, kept entities, dropped reasons, notes)
    ('[("Barack Obama", "person"), ("Berlin", "city")]', "ok",
     [("Barack Obama", "person"), ("Berlin", "city")], {}, {}),
    ('[("Barack Obama", "person")] I hope this helps! [("x", "y")]', "ok", [("Barack Obama", "person")], {}, {}),
    ('  \n[["Berlin", "location"]]\n', "ok", [("Berlin", "location")], {}, {}),
    ('```python\n[("Paris", "city")]\n```', "ok", [("Paris", "city")], {}, {}),
    ('[("Berlin ] x", "city"), ("Berlin", "city")]', "ok", [("Berlin", "city")], {"not_in_passage": 1}, {}),
    ("[]", "ok", [], {}, {}),
    ("", "empty_output", [], {}, {}),
    ("   ", "empty_output", [], {}, {}),
    ('Here are the entities: [("Berlin", "city")]', "no_list_at_start", [], {}, {}),
    ('{"Berlin": "city"}', "no_list_at_start", [], {}, {}),
    ("None", "no_list_at_start", [], {}, {}),
    ('[("Berlin", "city"), ("Paris", "ci', "syntax_error", [], {}, {}),  # truncated at max tokens
    ("[__import__('os').system('echo hacked')]", "syntax_error", [], {}, {}),  # never evaluated
    ("[" * 5000 + "]" * 5000, "syntax_error", [], {}, {}),  # deep nesting: no crash
    ('[("Berlin", "city"), "Paris", ("Paris",), (1, 2), ("a", "b", "c"), {"x": 1}]', "ok", [("Berlin", "city")],
     {"malformed_item": 5}, {}),
    ('[("Berlin", "None"), ("Paris", "N/A"), ("Monday", "MISC"), ("Obama", "else"), ("Merkel", "Other"),'
     ' ("Berlin", "unknown"), ("Paris", "na.")]', "ok", [], {"else_like_type": 7}, {}),
    ('[("Berlin", "城市"), ("Paris", "Stadt"), ("Monday", "día"), ("Obama", "123")]', "ok",
     [("Paris", "Stadt")], {"non_english_type": 2, "invalid_type": 1}, {}),
    ('[("entity 1", "type of entity 1"), ("Berlin", "type of entity 2"), ("  ", "city")]', "ok", [],
     {"template_echo": 2, "empty_mention": 1}, {}),
    ('[("Berlin", "city"), ("Berlin", "City"), ("Berlin", "country")]', "ok",
     [("Berlin", "city"), ("Berlin", "country")], {"duplicate": 1}, {}),
    ('[("Eiffel Tower", "landmark"), ("Angela  Merkel", "person"), ("Steve Jobs", "person")]', "ok",
     [("eiffel tower", "landmark"), ("Angela Merkel", "person")], {"not_in_passage": 1}, {"case_repaired": 1}),
]


@pytest.mark.parametrize("output,status,kept,dropped,notes", CASES)
def test_parser_table(output, status, kept, dropped, notes):
    res = TeacherParser(get_prompt()).parse(output, PASSAGE)
    assert res.status == status
    assert res.entities == kept
    assert dict(res.dropped) == dropped
    assert dict(res.notes) == notes


def test_keep_unfound_keeps_and_counts():
    res = TeacherParser(get_prompt(), keep_unfound=True).parse('[("Steve Jobs", "person")]', PASSAGE)
    assert res.entities == [("Steve Jobs", "person")] and dict(res.notes) == {"kept_unfound": 1}


def test_non_string_outputs_and_garbage_never_raise():
    p = TeacherParser(get_prompt())
    for junk in (None, 42, "]]]]", "[" + '("a", "b"),' * 2000, "\x00[\x00]", "[(" * 300):
        assert p.parse(junk, PASSAGE).entities == []
    assert extract_list("[1, 2] trailing")[0] == [1, 2]


def test_find_list_accepts_a_preamble_only_when_asked():
    out = 'Here are the entities:\n[("Berlin", "city"), ("Paris", "city")] Hope this helps.'
    strict = TeacherParser(get_prompt()).parse(out, PASSAGE)
    assert strict.status == "no_list_at_start" and not strict.entities
    lenient = TeacherParser(get_prompt(), find_list=True).parse(out, PASSAGE)
    assert lenient.status == "ok" and lenient.after_preamble
    assert lenient.entities == [("Berlin", "city"), ("Paris", "city")]
    # a bracket that does not open a list of tuples is not taken for one
    assert TeacherParser(get_prompt(), find_list=True).parse("See [1] for details.", PASSAGE).status == \
        "no_list_at_start"
    assert TeacherParser(get_prompt(), find_list=True).parse("The list: [(\"Berlin\", ", PASSAGE).status == \
        "syntax_error"
    assert not TeacherParser(get_prompt()).parse('[("Berlin", "city")]', PASSAGE).after_preamble


def test_find_list_does_not_take_an_empty_list_inside_code():
    out = "Here is a Python function:\n```python\ndef f(text):\n    entities = []\n    return entities\n```"
    assert TeacherParser(get_prompt(), find_list=True).parse(out, PASSAGE).status == "no_list_at_start"

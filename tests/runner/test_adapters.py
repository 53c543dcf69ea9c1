"""Adapters: every file validates; the UniNER prompt is byte for byte the original; parsers."""

from unibench.adapters import get_adapter, load_adapters
from unibench.adapters.parsers import parse_instructuie, parse_ye
from unibench.adapters.render import query_request, sentence_request
from unibench.cards import get_card
from unibench.queries import Query


def load_benchmark(name: str) -> list[str]:
    import yaml

    from unibench.resources import package_data

    return yaml.safe_load(package_data("benchmark_sets.yaml").read_text())[name]["rows"]

REFERENCE = ("A virtual assistant answers questions from a user based on the provided text. USER: Text: Barack Obama "
             "visited Paris . ASSISTANT: I've read this text.</s>USER: What describes person in the text? ASSISTANT:")


def test_all_adapter_files_validate():
    specs = load_adapters()
    assert {"uniner", "uniner-sup", "vicuna", "chatgpt", "instructuie", "gazetteer", "dummy"} <= set(specs)
    assert len({s.template_hash for s in specs.values()}) == len(specs)
    assert not specs["uniner"].reconstruction and specs["vicuna"].reconstruction and specs["chatgpt"].reconstruction


def test_uniner_prompt_is_byte_for_byte_the_reference():
    req = query_request(get_adapter("uniner"), get_card("crossner_ai"),
                        Query("crossner_ai", "s0", "Barack Obama visited Paris .", "person", ()))
    assert req.prompt == REFERENCE
    assert req.prefix == REFERENCE[:REFERENCE.index("USER: What")]
    assert req.max_new_tokens == 256 and req.stop == ("</s>",) and req.temperature == 0.0


def test_supervised_variant_has_the_dataset_field():
    req = query_request(get_adapter("uniner-sup"), get_card("conllpp"), Query("conllpp", "s", "EU rejects .", "person", ()))
    assert "USER: Dataset: conllpp\nText: EU rejects . ASSISTANT:" in req.prompt


def test_supervised_variant_omits_the_dataset_field_on_zero_shot_rows():
    """The paper leaves `Dataset:` out on CrossNER and MIT: there the -sup prompt is the plain uniner prompt."""
    from unibench.cards import load_registry

    for row in load_benchmark("crossner-mit"):
        q = Query(row, "s", "Barack Obama visited Paris .", "person", ())
        card = get_card(row)
        sup, plain = query_request(get_adapter("uniner-sup"), card, q), query_request(get_adapter("uniner"), card, q)
        assert "Dataset:" not in sup.prompt and sup.prompt == plain.prompt and sup.prefix == plain.prefix
    # every other benchmark row is in the -sup checkpoints' training mix and gets the field
    spec = get_adapter("uniner-sup")
    assert set(spec.supervised_rows) == set(load_benchmark("uniner-zeroshot")) - set(load_benchmark("crossner-mit"))
    reg = load_registry()
    for row in spec.supervised_rows:
        req = query_request(spec, reg[row], Query(row, "s", "x .", reg[row].types[0], ()))
        assert f"USER: Dataset: {reg[row].paper.name}\nText: x . ASSISTANT:" in req.prompt


def test_instructuie_source_exact():
    req = sentence_request(get_adapter("instructuie"), get_card("conllpp"), "EU rejects German call .")
    assert req.prompt == ('Please list all entity words in the text that fit the category.Output format is "type1: '
                          'word1; type2: word2". \nOption: person, organization, location \nText: EU rejects German '
                          'call . \nAnswer:')
    assert req.max_new_tokens == 50


def test_chatgpt_messages_ye_template():
    req = sentence_request(get_adapter("chatgpt"), get_card("conllpp"), "EU rejects .")
    (msg,) = req.prompt
    assert msg["role"] == "user"
    assert msg["content"] == ("Please identify person, organization, and location Entity from the given text, output "
                              "using the format as:\nEntity: person: None | organization: None | location: Word1, "
                              "Word2\nText: EU rejects .\nEntity:")


def test_ye_parser():
    out, unknown = parse_ye("Entity: Person: Obama, Biden | Location: None | Food: pizza\norganization: EU",
                            ["person", "organization", "location"])
    assert out == {"person": ["Obama", "Biden"], "organization": ["EU"], "location": []} and unknown == 1


def test_instructuie_parser():
    out, unknown = parse_instructuie("person: Barack Obama; location: Paris; None; junk; animal: cat;",
                                     ["person", "location"])
    assert out == {"person": ["Barack Obama"], "location": ["Paris"]} and unknown == 1


def test_a_checkpoint_that_declares_its_training_rows_gets_the_field_exactly_there():
    spec = get_adapter("uniner-sup")
    q = Query("crossner_ai", "s", "x .", "person", ())
    assert "Dataset: CrossNER_AI\n" in query_request(spec, get_card("crossner_ai"), q, ["crossner_ai"]).prompt
    q = Query("bc2gm", "s", "x .", "gene", ())
    assert "Dataset:" not in query_request(spec, get_card("bc2gm"), q, ["conllpp"]).prompt


def test_instructuie_options_follow_the_ie_instructions_labels_json():
    """`Option:` lists the labels in the dataset's labels.json order where the row has one (MIT here)."""
    import json

    from tests.conftest import SHARED_DATA

    spec = get_adapter("instructuie")
    assert set(spec.label_order) == {"mit_movie", "mit_restaurant"}
    for row, order in spec.label_order.items():
        card = get_card(row)
        assert sorted(order) == sorted(card.types) and list(order) != card.types  # a permutation, not the card's
        req = sentence_request(spec, card, "x")
        assert f"\nOption: {', '.join(order)} \nText: x \nAnswer:" in req.prompt
        labels_json = SHARED_DATA / row / "labels.json"
        if labels_json.exists():
            assert list(order) == json.loads(labels_json.read_text(encoding="utf-8"))
    # other adapters and other rows keep the card's order
    assert "Option: person, organization, location \n" in sentence_request(spec, get_card("conllpp"), "x").prompt
    assert "Please identify Amenity, Location" in sentence_request(get_adapter("chatgpt"), get_card("mit_restaurant"),
                                                                   "x").prompt[0]["content"]

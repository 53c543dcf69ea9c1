"""The ie_as_qa rendering, the question shuffle and the loss mask, token by token."""

from __future__ import annotations

import json

import pytest

from unibench.train.conversations import Conversation, read_conversations
from unibench.train.encode import IGNORE, encode, pad_batch
from unibench.train.template import ConversationTemplate, load_template, render, shuffled_pairs

SYSTEM = "A virtual assistant answers questions from a user based on the provided text."


def independent_ie_as_qa(turns: list[tuple[str, str]]) -> str:
    """FastChat ADD_COLON_TWO with ie_as_qa's strings, written out from the original `src/conversation.py`."""
    return SYSTEM + " " + "".join(f"USER: {u} ASSISTANT: {a}</s>" for u, a in turns)


def _conv(pairs, first="Text: Barack Obama visited Paris .", index=0):
    return Conversation(id=f"c{index}", index=index, line=1, passage=first, first_answer="I've read this text.",
                        pairs=tuple(pairs))


PAIRS = [(f"What describes {t} in the text?", json.dumps(a)) for t, a in
         [("person", ["Barack Obama"]), ("location", ["Paris"]), ("organization", []), ("award", []),
          ("country", []), ("event", [])]]


def test_template_file_is_schema_checked():
    tpl = load_template()
    assert tpl.system == SYSTEM and (tpl.user, tpl.assistant, tpl.sep, tpl.sep2) == ("USER", "ASSISTANT", " ", "</s>")
    with pytest.raises(Exception):
        ConversationTemplate.model_validate({**tpl.model_dump(), "extra": 1})


def test_render_equals_the_independent_template_and_targets_are_the_assistant_turns():
    conv = _conv(PAIRS)
    r = render(conv)
    turns = [(conv.passage, conv.first_answer)] + PAIRS
    assert r.text == independent_ie_as_qa(turns)
    assert r.target_texts() == [f" {a}</s>" for _, a in turns]
    # everything outside the targets is system + user turns + role names
    outside = "".join(r.text[b:a] for (_, b), (a, _) in zip([(0, 0)] + list(r.targets), list(r.targets)))
    assert outside == SYSTEM + " " + "".join(f"USER: {u} ASSISTANT:" for u, _ in turns)


def test_first_question_prompt_is_the_uniner_adapters_prompt_byte_for_byte():
    from unibench.adapters import get_adapter
    from unibench.adapters.render import query_request
    from unibench.cards import get_card
    from unibench.queries import Query

    card = get_card("crossner_ai")
    for adapter, first in (("uniner", "Text: Barack Obama visited Paris ."),
                           ("uniner-sup", f"Dataset: {card.paper.name}\nText: Barack Obama visited Paris .")):
        r = render(_conv(PAIRS, first=first))
        q = Query("crossner_ai", "s0", "Barack Obama visited Paris .", "person", ("Barack Obama",))
        # a student trained supervised on crossner_ai declares it (unibench_model.json); `run` passes that on
        prompt = query_request(get_adapter(adapter), card, q, ["crossner_ai"]).prompt
        assert r.text[:r.targets[1][0]] == prompt  # the training context where the answer starts = eval prompt


def test_shuffle_keeps_pairs_is_seeded_per_example_and_passage_turn_stays_first():
    conv = _conv(PAIRS)
    a, b = shuffled_pairs(conv, 42), shuffled_pairs(conv, 42)
    assert a == b and sorted(a) == sorted(PAIRS)
    assert len({tuple(shuffled_pairs(conv, s)) for s in range(10)}) > 1  # the seed matters
    other = _conv(PAIRS, index=1)
    assert len({tuple(shuffled_pairs(_conv(PAIRS, index=i), 42)) for i in range(10)}) > 1  # per example
    assert shuffled_pairs(other, 42) == shuffled_pairs(_conv(PAIRS, index=1), 42)
    assert shuffled_pairs(conv, 42, epoch=0) == a and len({tuple(shuffled_pairs(conv, 42, e)) for e in range(8)}) > 1
    r = render(conv, a)
    assert r.text.startswith(f"{SYSTEM} USER: {conv.passage} ASSISTANT: I've read this text.</s>USER: {a[0][0]}")


def _runs(ids, labels):
    """Maximal runs of consecutive target / context tokens: [(is_target, [ids])]."""
    out = []
    for i, lab in zip(ids, labels):
        t = lab != IGNORE
        if out and out[-1][0] == t:
            out[-1][1].append(i)
        else:
            out.append((t, [i]))
    return out


def _check_mask(tok, conv: Conversation):
    r = render(conv)
    enc = encode(tok, r, 4096)
    full = tok(r.text)["input_ids"]
    assert enc.input_ids == full and not enc.truncated and enc.straddling == 0
    for i, lab in zip(enc.input_ids, enc.labels):
        assert lab in (i, IGNORE)
    runs = _runs(enc.input_ids, enc.labels)
    targets = [tok.decode(ids) for t, ids in runs if t]
    context = [tok.decode(ids) for t, ids in runs if not t]
    assert targets == r.target_texts()  # " I've read this text.</s>", ' ["Barack Obama"]</s>', ...
    assert len(context) == len(targets) and context[0].endswith(f"USER: {conv.passage} ASSISTANT:")
    assert all(c.startswith("USER: ") and c.endswith(" ASSISTANT:") for c in context[1:])
    if tok.bos_token_id is not None and full[0] == tok.bos_token_id:
        assert enc.labels[0] == IGNORE
    # the tokens before each answer are exactly what the evaluation tokenizes for the first question
    first_answer_at = [k for k, lab in enumerate(enc.labels) if lab != IGNORE]
    second = next(k for k in first_answer_at if k > first_answer_at[0] and enc.labels[k - 1] == IGNORE)
    prompt = r.text[:r.targets[1][0]]
    assert enc.input_ids[:second] == tok(prompt)["input_ids"]
    return enc


def test_loss_mask_token_by_token_tiny_tokenizer(tiny_llama_dir, small_conv_file):
    from transformers import AutoTokenizer

    tok = AutoTokenizer.from_pretrained(tiny_llama_dir)
    for conv in read_conversations(small_conv_file).records:
        enc = _check_mask(tok, conv)
        assert tok.convert_ids_to_tokens(enc.input_ids[0]) == "<s>"
        eos_targets = [i for i, lab in zip(enc.input_ids, enc.labels) if lab == tok.eos_token_id]
        assert len(eos_targets) == len(conv.pairs) + 1  # "</s>" is the EOS token, trained after every answer


def test_truncation_and_padding(tiny_llama_dir):
    from transformers import AutoTokenizer

    tok = AutoTokenizer.from_pretrained(tiny_llama_dir)
    r = render(_conv(PAIRS))
    long, short = encode(tok, r, 4096), encode(tok, r, 40)
    assert short.truncated and len(short.input_ids) == 40 and short.labels == long.labels[:40]
    batch = pad_batch([long, short], tok.pad_token_id)
    assert [len(x) for x in batch["input_ids"]] == [len(long.input_ids)] * 2
    assert batch["labels"][1][40:] == [IGNORE] * (len(long.input_ids) - 40)
    assert batch["attention_mask"][1] == [1] * 40 + [0] * (len(long.input_ids) - 40)
    assert set(batch["input_ids"][1][40:]) == {tok.pad_token_id}


def test_slow_tokenizers_are_refused(tiny_llama_dir):
    from unibench.errors import UnibenchError

    class Slow:
        is_fast = False

    with pytest.raises(UnibenchError, match="fast"):
        encode(Slow(), render(_conv(PAIRS)), 10)


@pytest.mark.slow
def test_loss_mask_smollm2_tokenizer(smollm2_gguf, small_conv_file):
    """Byte-level BPE without a BOS and with '</s>' as plain text: the mask still covers exactly the
    assistant turns and the training tokens equal the evaluation prompt's tokens."""
    from transformers import AutoTokenizer

    folder, name = smollm2_gguf
    tok = AutoTokenizer.from_pretrained(folder, gguf_file=name)
    for conv in read_conversations(small_conv_file).records:
        _check_mask(tok, conv)

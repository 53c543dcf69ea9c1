"""A cached re-run renders each prompt part once per distinct input and hashes keys without re-encoding the
namespace, and finds exactly the entries the straightforward path wrote: prompts, requests and cache keys equal
to rendering every template for every query and hashing the whole request with `sha256_json`."""

from __future__ import annotations

import pytest

from unibench.adapters import load_adapters
from unibench.adapters.render import query_request, render
from unibench.backends.base import GenRequest
from unibench.cache import CachedBackend, RequestKeys, ResponseCache, request_key
from unibench.cards import load_registry
from unibench.io import sha256_json
from unibench.queries import Query

PER_QUERY = sorted(name for name, spec in load_adapters().items() if spec.kind == "per_query")
TEXTS = ["Geoffrey Hinton joined Google in Toronto .", "Yann LeCun works at Meta .", 'Quotes " and \\ and ü é 中文']


def _straightforward(spec, card, q, training_rows=None) -> GenRequest:
    """query_request as it was before the render memo: every template rendered for every query."""
    values = {"text": q.text, "label": q.label, "labels": list(spec.label_order.get(card.id, card.types)),
              "dataset_name": card.paper.name,
              "supervised_row": card.id in (spec.supervised_rows if training_rows is None else training_rows)}
    prefix = render(spec.prefix, **values)
    d = spec.decoding
    if spec.chat:
        turns = tuple({"role": t.role, "content": render(t.content, **values)} for t in spec.chat)
        want = query_request(spec, card, q, training_rows)  # prefix group key: same function of the turns
        return GenRequest(prompt=turns, prefix=want.prefix, max_new_tokens=d.max_new_tokens, stop=tuple(d.stop),
                          temperature=d.temperature)
    return GenRequest(prompt=prefix + render(spec.suffix, **values), prefix=prefix, max_new_tokens=d.max_new_tokens,
                      stop=tuple(d.stop), temperature=d.temperature)


def _queries(card):
    return [Query(card.id, f"s{i}", text, label, ()) for i, text in enumerate(TEXTS) for label in card.types]


@pytest.mark.parametrize("adapter", PER_QUERY)
@pytest.mark.parametrize("row", ["crossner_ai", "ncbi", "mit_restaurant"])
def test_requests_and_keys_equal_the_straightforward_path(adapter, row):
    spec, card = load_adapters()[adapter], load_registry()[row]
    ns = {"model": "m", "revision": "r", "adapter": adapter, "template": spec.template_hash, "ü": [1, 2.5, None]}
    keys = RequestKeys(ns)
    for training_rows in (None, [row]):
        for q in _queries(card) * 2:  # twice: the second pass is served from the memo
            want = _straightforward(spec, card, q, training_rows)
            got = query_request(spec, card, q, training_rows)
            assert got == want
            reference = sha256_json({"ns": ns, "prompt": list(want.prompt) if not isinstance(want.prompt, str)
                                     else want.prompt, "max_new_tokens": want.max_new_tokens,
                                     "stop": list(want.stop), "temperature": want.temperature})
            assert keys(got) == request_key(ns, got) == reference


def test_a_cache_written_by_the_straightforward_path_is_all_hits(tmp_path):
    """Entries keyed the old way (request_key per request) are found by CachedBackend's fast keys."""
    spec, card = load_adapters()["uniner"], load_registry()["crossner_ai"]
    ns = {"model": "m", "adapter": "uniner"}
    reqs = [_straightforward(spec, card, q) for q in _queries(card)]
    cache = ResponseCache(tmp_path / "c.sqlite")
    cache.put_many((request_key(ns, r), f"out{i}") for i, r in enumerate(reqs))

    class Refuses:
        name = "refuses"

        def generate(self, requests, progress=None):
            raise AssertionError(f"{len(requests)} cache misses")

    backend = CachedBackend(Refuses(), cache, ns)
    assert backend.generate([query_request(spec, card, q) for q in _queries(card)]) == \
        [f"out{i}" for i in range(len(reqs))]
    assert backend.hits == len(reqs) and backend.misses == 0

"""unibench.privacy: what is stamped is scrubbed, what is printed is masked, what slipped is found."""

import pytest

from unibench.privacy import find_private, mask_secrets, private_reason, register_secret, scrub_command, scrub_url


@pytest.mark.parametrize("url, want", [
    ("http://user:secret@host:8000/v1?api_key=k#frag", "http://host:8000/v1"),
    ("https://tok@api.example.com/v1", "https://api.example.com/v1"),
    ("http://127.0.0.1:9/v1", "http://127.0.0.1:9/v1"),
    ("http://a:pw@h1/v1,http://h2/v1?t=1", "http://h1/v1,http://h2/v1"),
])
def test_scrub_url(url, want):
    assert scrub_url(url) == want


def test_scrub_command_removes_paths_urls_and_secrets(monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", "sk-abcdefghijklmnopqrstuvwxyz")
    cmd = scrub_command(["run", "--model", "hf:/home/alice/ckpts/my-student", "--base-url",
                         "http://alice:hunter22@gpu-box:8000/v1?token=xyz", "--output-dir=/tmp/alice/res",
                         "--data-dir", "~/data", "--datasets", "crossner_ai", "--note",
                         "sk-abcdefghijklmnopqrstuvwxyz", "--cache-dir", "C:\\Users\\alice\\cache", "--vllm-arg",
                         "download_dir=/home/alice/models"])
    assert cmd == ("unibench run --model hf:my-student --base-url http://gpu-box:8000/v1 --output-dir=res "
                   "--data-dir data --datasets crossner_ai --note *** --cache-dir cache --vllm-arg download_dir=models")
    assert not find_private(cmd)


def test_mask_secrets_in_messages(monkeypatch):
    monkeypatch.setenv("HF_TOKEN", "hf_" + "A" * 30)
    monkeypatch.setenv("MY_SERVICE_API_KEY", "custom-key-123456")
    register_secret("pw-learned-at-run-time")
    msg = ("401: bad key hf_" + "A" * 30 + " custom-key-123456 Authorization: Bearer abcdefghijkl "
           "http://bob:pw-learned-at-run-time@h/v1 sk-zzzzzzzzzzzzzzzzzzzz")
    masked = mask_secrets(msg)
    for secret in ("A" * 30, "custom-key-123456", "abcdefghijkl", "pw-learned-at-run-time", "zzzzzzzz"):
        assert secret not in masked
    assert masked.startswith("401: bad key ***") and "http://bob:***@h/v1" in masked


@pytest.mark.parametrize("text", ["hf:/home/alice/my-student", "/root/ckpt", "/Users/bob/x", "C:\\Users\\bob",
                                  "--output-dir /tmp/out", "http://u:p@host/v1", "https://h/v1?api_key=abc",
                                  "~/models/x", "file:///home/alice/site/index.html"])
def test_private_strings_are_found(text):
    assert private_reason(text)


@pytest.mark.parametrize("text", ["hf:my-student", "Universal-NER/UniNER-7B-type", "https://huggingface.co/x/y",
                                  "http://127.0.0.1:8000/v1", "data/BC4CHEMD", "unibench run --limit 5",
                                  "sha256-0123456789abcdef", "org/model/home/x"])
def test_public_strings_pass(text):
    assert private_reason(text) is None


def test_find_private_names_the_field_and_masks_the_secret():
    found = find_private({"model": {"display_name": "hf:/home/a/m"},
                          "backend": {"settings": {"base_url": "http://u:s3cret-pass@h/v1"}}})
    assert [f.split(":")[0] for f in found] == ["model.display_name", "backend.settings.base_url"]
    assert "s3cret-pass" not in " ".join(found)


_PIECES = ["f1", "precision", "/home/ann/ckpt", "~/x", "C:\\\\Users\\\\x", "C:/x", "http://u:pw@h/v1",
           "https://h/v1?api_key=abc", "file:///home/x", "https://huggingface.co/x", "Bearer abcdefghijk",
           "sk-abcdefghijklmnopqrstu", "hf_abcdefghijklmnopqrstuvw", "topsecretvalue1", "crossner_ai", "a/b/c",
           "tab\\there /tmp/x", "x\\/home\\/y", "\\u002fhome\\u002fz", "see: /work/y", "(/mnt/d)", "12:30/45"]


@pytest.mark.parametrize("seed", range(200))
def test_fast_json_text_scan_equals_the_walk_of_the_parsed_document(seed, monkeypatch):
    """The whole-text look that lets clean files skip the per-string scan never misses what the walk finds,
    with escapes, keys, secrets from the environment and registered ones (a seeded property test)."""
    import json
    import random

    from unibench import privacy

    rng = random.Random(seed)
    monkeypatch.setenv("MY_SERVICE_API_KEY", "topsecretvalue1")
    monkeypatch.setattr(privacy, "_registered", {"registeredpw99"} if seed % 2 else set())
    pieces = _PIECES + ["registeredpw99"]

    def text():
        return json.loads('"' + " ".join(rng.choice(pieces) for _ in range(rng.randint(1, 2))) + '"') \
            if rng.random() < 0.3 else rng.choice(["f1", "tp", "name", "x y", "0.5"])

    doc = {text(): [text(), {text(): rng.random()}] for _ in range(rng.randint(1, 4))}
    doc["f1_replicates"] = [round(rng.random(), 6) for _ in range(5)] + ([text()] if rng.random() < 0.3 else [])
    doc[text()] = text()  # after the replicates, which the whole-text look skips when they are numbers only
    for raw in (json.dumps(doc), json.dumps(doc, ensure_ascii=False, indent=2)):
        assert privacy.find_private_in_json_text(raw) == privacy.find_private(doc)


@pytest.mark.parametrize("raw", ['{"path": "\\/home\\/ann\\/ckpt"}', '{"p": "a\\t/home/ann"}',
                                 '{"u": "http:\\/\\/u:pw@h\\/v1"}', '{"p": "\\u002fhome\\u002fann"}',
                                 '{"k": "\\u0073k-abcdefghijklmnopqrstu"}'])
def test_escaped_json_text_cannot_hide_a_private_string(raw):
    import json

    from unibench.privacy import find_private, find_private_in_json_text

    assert find_private(json.loads(raw)) and find_private_in_json_text(raw) == find_private(json.loads(raw))

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

"""How unibench decides, without waiting on retries, that the Hub cannot be reached."""

import socket

from unibench import hub_data


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_offline_env_and_closed_port_and_proxy(monkeypatch):
    for k in ("HF_HUB_OFFLINE", "HF_DATASETS_OFFLINE", "https_proxy", "HTTPS_PROXY", "http_proxy", "HTTP_PROXY",
              "all_proxy", "ALL_PROXY", "no_proxy", "NO_PROXY"):
        monkeypatch.delenv(k, raising=False)
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        live = listener.getsockname()[1]
        monkeypatch.setenv("HF_ENDPOINT", f"http://127.0.0.1:{live}")
        assert hub_data.unreachable_reason() is None
        monkeypatch.setenv("HF_HUB_OFFLINE", "1")
        assert "offline mode is on" in hub_data.unreachable_reason()
        monkeypatch.delenv("HF_HUB_OFFLINE")
        dead = _free_port()
        monkeypatch.setenv("HF_ENDPOINT", f"http://127.0.0.1:{dead}")
        assert "is not reachable" in hub_data.unreachable_reason()
        # behind a proxy, the proxy is probed (the endpoint may have no direct route)
        monkeypatch.setenv("HTTP_PROXY", f"http://127.0.0.1:{live}")
        assert hub_data.unreachable_reason() is None
        monkeypatch.setenv("HTTP_PROXY", f"127.0.0.1:{dead}")
        assert "via the proxy 127.0.0.1" in hub_data.unreachable_reason()
        monkeypatch.setenv("NO_PROXY", "127.0.0.1")  # a host the proxy is bypassed for is probed directly
        monkeypatch.setenv("HF_ENDPOINT", f"http://127.0.0.1:{live}")
        assert hub_data.unreachable_reason() is None


def test_a_pin_at_another_commit_than_the_pinned_card_is_refused(tmp_path):
    import json

    import pytest

    from unibench.cards import get_card
    from unibench.errors import MissingDataError

    card = get_card("multinerd")
    pinned = card.model_copy(update={"sources": card.sources.model_copy(update={
        "hf": card.sources.hf.model_copy(update={"revision": "b" * 40, "revision_verified": True})})})
    folder = hub_data.snapshot_dir(tmp_path, card.sources.hf.repo, "a" * 40)
    (folder / "test").mkdir(parents=True)
    (folder / "test" / "test_en.jsonl").write_text("{}\n")
    hub_data.pin_path(card, tmp_path).parent.mkdir(parents=True)
    hub_data.pin_path(card, tmp_path).write_text(json.dumps(
        {"repo": card.sources.hf.repo, "commit": "a" * 40, "files": {"test/test_en.jsonl": "0" * 64}}))
    assert hub_data.read_pin(card, tmp_path)["commit"] == "a" * 40  # the card names a branch: any commit is fine
    with pytest.raises(MissingDataError) as exc:
        hub_data.read_pin(pinned, tmp_path)
    assert "card pins " + "b" * 40 in str(exc.value)
    (folder / "test" / "test_en.jsonl").unlink()
    with pytest.raises(MissingDataError) as exc:
        hub_data.read_pin(card, tmp_path)
    assert "lacks" in str(exc.value)

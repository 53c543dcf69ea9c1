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

"""The load balancer of `make loadtest-nodes` (bench/balancer.py), with Debian's HAProxy: its
configuration, and what it sends again when a node dies (only what never reached one)."""

from __future__ import annotations

import http.client
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from bench.balancer import INSTALL, Node, config_check, haproxy, haproxy_binary, haproxy_config
from bench.server import free_port, port_open
from tests.conftest import missing_service

# A node: answers after ?<seconds> and notes every request it got (method, query) in its log.
APP = """
import os, time

def app(environ, start_response):
    with open(os.environ["NOTES"], "a") as notes:
        notes.write(f"{environ['REQUEST_METHOD']} {environ.get('QUERY_STRING', '')}\\n")
    time.sleep(float(environ.get("QUERY_STRING") or 0))
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [os.environ["NAME"].encode()]
"""


@pytest.fixture
def binary() -> str:
    found = haproxy_binary()
    if found is None:
        missing_service(INSTALL)
    return found


def test_the_configuration_listens_on_loopback_and_haproxy_accepts_it(binary, tmp_path):
    text = haproxy_config(port=8123, nodes=[Node("web1", 9001, 4), Node("web2", 9002, 4)],
                          stats_socket=tmp_path / "haproxy.sock")
    (tmp_path / "haproxy.cfg").write_text(text)

    assert config_check(binary, tmp_path / "haproxy.cfg") == ""
    assert [line.split() for line in text.splitlines() if line.strip().startswith("bind")] == [["bind", "127.0.0.1:8123"]]
    assert "server web1 127.0.0.1:9001 maxconn 4" in text and "server web2 127.0.0.1:9002 maxconn 4" in text


def test_it_sends_again_only_requests_that_never_reached_a_node(tmp_path):
    """retry-on conn-failure, nothing more: HAProxy would otherwise replay a POST a node had."""
    retry_lines = [line.split() for line in haproxy_config(port=1, nodes=[], stats_socket=tmp_path / "s").splitlines()
                   if line.strip().startswith(("retry-on", "http-reuse"))]
    assert retry_lines == [["retry-on", "conn-failure"], ["http-reuse", "never"]]


class TinyNode:
    def __init__(self, folder: Path, name: str) -> None:
        self.name, self.port, self.notes = name, free_port(), folder / f"{name}.notes"
        (folder / "tinyapp.py").write_text(APP)
        env = {**os.environ, "NOTES": str(self.notes), "NAME": name}
        self.process = subprocess.Popen(
            [str(Path(sys.executable).with_name("gunicorn")), "tinyapp:app", "--chdir", str(folder), "--workers", "1",
             "--bind", f"127.0.0.1:{self.port}"],
            env=env, start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 30
        while not port_open(self.port):
            assert time.monotonic() < deadline and self.process.poll() is None, f"{name} did not start"
            time.sleep(0.1)

    def got(self) -> list[str]:
        text = self.notes.read_text() if self.notes.exists() else ""
        return [line for line in text.splitlines() if not line.startswith("HEAD")]

    def kill(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()


def fetch(url: str, method: str = "GET") -> tuple[int, str]:
    address = urlsplit(url)
    conn = http.client.HTTPConnection(address.hostname, address.port, timeout=30)
    try:
        conn.request(method, f"{address.path or '/'}?{address.query}", body=b"x=1" if method == "POST" else None)
        response = conn.getresponse()
        return response.status, response.read().decode() if response.status == 200 else ""
    finally:
        conn.close()


def test_a_post_a_killed_node_had_gets_502_and_a_request_to_a_dead_node_goes_to_the_other(binary, tmp_path):
    a, b = TinyNode(tmp_path, "a"), TinyNode(tmp_path, "b")
    try:
        with haproxy([Node("a", a.port, 1), Node("b", b.port, 1)], tmp_path, tmp_path / "haproxy.log",
                     port=free_port(), check_ms=5000) as lb:
            answers: dict[str, tuple[int, str]] = {}
            post = threading.Thread(target=lambda: answers.setdefault("post", fetch(f"{lb.url}/?3", "POST")))
            post.start()
            deadline = time.monotonic() + 10
            while "POST 3" not in a.got() + b.got():  # the POST is on a node, which sleeps on it
                assert time.monotonic() < deadline
                time.sleep(0.05)
            busy, other = (a, b) if "POST 3" in a.got() else (b, a)
            busy.kill()
            post.join()

            assert answers["post"][0] == 502
            assert "POST 3" not in other.got()  # not replayed on the other node
            assert [fetch(f"{lb.url}/?0") for _ in range(3)] == [(200, other.name)] * 3
            rows = {row["svname"]: row for row in lb.stats()}
            assert rows[busy.name]["status"].startswith("DOWN")
    finally:
        a.kill()
        b.kill()

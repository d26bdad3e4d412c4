"""HAProxy (Debian's package) in front of several gunicorn nodes, for `make loadtest-nodes`.

The configuration is written into a temporary folder and HAProxy runs in the foreground as a child
of the load test (never as a system service), listening on 127.0.0.1 only. It is the one the
README's "Scaling out" shows for production, with two additions for the test: a header that names
the node that answered, and a stats socket the report reads.

Retries. HAProxy sends a request again (to the other node: `option redispatch 1`) only when the
connection to a node failed, so that no node ever received it (`retry-on conn-failure`), and it
never reuses a connection to a node (`http-reuse never`; gunicorn's sync workers close theirs
after each answer anyway), so "the connection failed" always means "not sent". A request a node
received and then died on gets 502, whatever its method: the client decides whether it may send
it again (a GET, or a POST with an idempotency key), since only it knows. HAProxy could retry
GETs itself (`retry-on empty-response`), but a GET of the studio records click events under new
keys each time, so even a GET retried after a node died mid-answer may record its clicks twice;
the load test counts that, and it can only count what the client knows it retried.

Each node gets at most as many requests at once as it can serve (`maxconn`: its sync workers,
or workers times threads): the rest
wait in HAProxy's queue instead of a node's listen backlog, where a stopping node would drop
them. Health checks are `HEAD /health/` (the database alone; see atelier/health.py); besides, the
first connection a node refuses takes it out of the rotation at once (`observe layer4`), so the
requests sent again do not find it again.
"""

from __future__ import annotations

import csv
import shutil
import signal
import socket
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

INSTALL = ("HAProxy is not installed: run `DEBIAN_FRONTEND=noninteractive apt-get install -y -qq haproxy` "
           "(Debian's package; the load test starts it itself, as a child process)")


@dataclass(frozen=True)
class Node:
    """A gunicorn node behind the balancer: its name (as HAProxy reports it), port and sync workers."""

    name: str
    port: int
    workers: int


def haproxy_binary() -> str | None:
    return shutil.which("haproxy") or next((p for p in ("/usr/sbin/haproxy",) if Path(p).exists()), None)


def haproxy_config(*, port: int, nodes: list[Node], stats_socket: Path, check_ms: int = 1000,
                   host: str = "127.0.0.1", name_header: str = "X-Atelier-Node") -> str:
    """The configuration text: a frontend on 127.0.0.1:`port`, one backend with `nodes`."""
    servers = "\n".join(f"    server {n.name} 127.0.0.1:{n.port} maxconn {n.workers}" for n in nodes)
    return f"""\
# Written by bench/balancer.py for the load test; README "Scaling out" explains each line.
global
    maxconn 4096
    log stdout format raw local0 info
    stats socket {stats_socket} mode 600 level admin

defaults
    mode http
    log global
    option httplog
    option dontlognull
    timeout connect 2s
    timeout client 150s
    timeout server 150s
    timeout queue 150s
    timeout http-request 30s
    # A node that is busy answers its check late, not never: only a refused connection (a node
    # that is gone) or 10 s of silence counts as a failed check.
    timeout check 10s
    # Send a request again, to the other node, only if it never reached a node.
    retries 3
    option redispatch 1
    retry-on conn-failure
    http-reuse never

frontend atelier
    bind 127.0.0.1:{port}
    option forwardfor
    default_backend nodes
    http-after-response set-header {name_header} %s

backend nodes
    balance leastconn
    option httpchk
    http-check send meth HEAD uri /health/ ver HTTP/1.1 hdr Host {host}
    http-check expect status 200
    # A refused connection takes the node out at once (a retry would otherwise find it again:
    # it has the fewest connections); checks bring it back.
    default-server check inter {check_ms} fall 2 rise 2 observe layer4 error-limit 1 on-error mark-down
{servers}
"""


def config_check(binary: str, config: Path) -> str:
    """HAProxy's own check of a configuration file ("" when it is valid, else its complaint)."""
    done = subprocess.run([binary, "-c", "-q", "-f", str(config)], capture_output=True, text=True)
    return "" if done.returncode == 0 else (done.stdout + done.stderr).strip()


def stats(stats_socket: Path) -> list[dict[str, str]]:
    """`show stat` over the stats socket: one row per frontend, server and backend."""
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as conn:
        conn.settimeout(5)
        conn.connect(str(stats_socket))
        conn.sendall(b"show stat\n")
        chunks = []
        while chunk := conn.recv(65536):
            chunks.append(chunk)
    text = b"".join(chunks).decode().lstrip("# ")
    return [row for row in csv.DictReader(text.splitlines()) if row.get("pxname")]


@dataclass
class Balancer:
    url: str
    stats_socket: Path
    returncode: int | None = None

    def stats(self) -> list[dict[str, str]]:
        return stats(self.stats_socket)


@contextmanager
def haproxy(nodes: list[Node], folder: Path, log: Path, *, port: int, check_ms: int = 1000) -> Iterator[Balancer]:
    """HAProxy in front of `nodes` on 127.0.0.1:`port` until the block ends. Its configuration
    and stats socket live in `folder` (a temporary one); RuntimeError with the way to install it
    when the binary is missing."""
    from bench.server import port_open
    from bench.stack import wait_for_start

    binary = haproxy_binary()
    if binary is None:
        raise RuntimeError(INSTALL)
    config, sock = folder / "haproxy.cfg", folder / "haproxy.sock"
    config.write_text(haproxy_config(port=port, nodes=nodes, stats_socket=sock, check_ms=check_ms))
    problem = config_check(binary, config)
    if problem:
        raise RuntimeError(f"HAProxy refuses {config}: {problem}")
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("w") as out:
        process = subprocess.Popen([binary, "-db", "-f", str(config)], stdout=out, stderr=subprocess.STDOUT)
    balancer = Balancer(url=f"http://127.0.0.1:{port}", stats_socket=sock)
    try:
        wait_for_start(lambda: port_open(port) and sock.exists(), process, "HAProxy", log)
        yield balancer
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGUSR1)  # a soft stop: no new connections, the open ones end
        try:
            balancer.returncode = process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            balancer.returncode = process.wait()

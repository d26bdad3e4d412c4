"""`make loadtest-nodes`: the load test's web tier as several gunicorn nodes behind HAProxy
(bench/balancer.py), and nodes stopped in the middle of the run.

    with web_nodes(env, files, count=2, workers=4) as web:   # web1, web2 and HAProxy at web.url
        stops = StopSchedule(web, [Stop.parse("term:web1:30")], clock.say)
        stops.start()   # from now: SIGTERM to web1 after 30 s
        ...             # the load, against web.url
        stops.join()
        stops.done      # what happened: when each node was signalled, how it ended

A graceful stop is SIGTERM to a node's gunicorn master (it stops listening, finishes the requests
it holds and writes its buffered click events); a hard one is SIGKILL to the master and all its
workers at once, as when a machine dies. Needs no Django in the calling process.
"""

from __future__ import annotations

import signal
import subprocess
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

from bench import balancer, stack
from bench.server import free_port

SIGNALS = {"term": signal.SIGTERM, "kill": signal.SIGKILL}


@dataclass(frozen=True)
class Stop:
    """A node to stop during the load: `kind` "term" or "kill", `seconds` after the load starts."""

    kind: str
    node: str
    seconds: float

    @classmethod
    def parse(cls, text: str) -> Stop:
        """"term:web1:30" or "kill:web2:40"."""
        try:
            kind, node, seconds = text.split(":")
            stop = cls(kind, node, float(seconds))
        except ValueError:
            raise ValueError(f"--stop {text!r}: write SIGNAL:NODE:SECONDS, e.g. term:web1:30 or kill:web2:40") from None
        if kind not in SIGNALS:
            raise ValueError(f"--stop {text!r}: the signal is term (graceful) or kill (hard)")
        return stop


@dataclass
class Stopped:
    """What a stop did: when the node was signalled (epoch seconds), when it had exited and how,
    and when it was started again (if it was)."""

    stop: Stop
    at: float
    exit_code: int | None = None
    exited_after: float | None = None
    restarted_at: float | None = None


@dataclass
class WebNodes:
    url: str
    nodes: list[stack.GunicornNode]
    balancer: balancer.Balancer

    def node(self, name: str) -> stack.GunicornNode:
        for node in self.nodes:
            if node.name == name:
                return node
        raise ValueError(f"no web node {name!r} (there are {', '.join(n.name for n in self.nodes)})")


@contextmanager
def web_nodes(env: dict[str, str], files: Path, *, count: int, workers: int, threads: int = 1,
              check_ms: int = 1000, warm: Callable[[str], None] | None = None) -> Iterator[WebNodes]:
    """`count` gunicorn nodes (web1, web2, ...) and HAProxy in front of them on 127.0.0.1 once
    `warm(url)` has warmed up each node (as a new node joins a balancer once it is ready); each
    node is stopped gracefully when the block ends (a node stopped meanwhile as it ended)."""
    nodes = [stack.GunicornNode(env, files / f"web{i}.log", name=f"web{i}", workers=workers, threads=threads)
             for i in range(1, count + 1)]
    for node in nodes:
        node.log.unlink(missing_ok=True)
    with ExitStack() as cleanup:
        for node in nodes:
            cleanup.callback(node.stop)
            node.start()
        if warm is not None:
            with ThreadPoolExecutor(len(nodes)) as pool:
                list(pool.map(warm, [node.url for node in nodes]))
        folder = Path(cleanup.enter_context(tempfile.TemporaryDirectory(prefix="atelier-haproxy-")))
        members = [balancer.Node(n.name, n.port, workers * threads) for n in nodes]  # requests at once
        lb = cleanup.enter_context(balancer.haproxy(members, folder, files / "haproxy.log", port=free_port(),
                                                    check_ms=check_ms))
        yield WebNodes(url=lb.url, nodes=nodes, balancer=lb)


class StopSchedule(threading.Thread):
    """Stops nodes at their times (counted from start()), waits for each to exit, and with
    `restart_after` starts it again that many seconds later, as a supervisor would."""

    def __init__(self, web: WebNodes, stops: list[Stop], say: Callable[[str], None], *,
                 restart_after: float | None = None) -> None:
        super().__init__(name="node-stops", daemon=True)
        for stop in stops:
            web.node(stop.node)  # an unknown node fails before the load starts
        self.web, self.stops, self.say, self.restart_after = web, sorted(stops, key=lambda s: s.seconds), say, restart_after
        self.done: list[Stopped] = []
        self.errors: list[str] = []
        self._cancel = threading.Event()

    def cancel(self) -> None:
        self._cancel.set()

    def run(self) -> None:
        started = time.monotonic()
        for stop in self.stops:
            if self._cancel.wait(max(0.0, started + stop.seconds - time.monotonic())):
                return
            node = self.web.node(stop.node)
            stopped = Stopped(stop, at=time.time())
            node.signal(SIGNALS[stop.kind])
            self.done.append(stopped)
            self.say(f"{stop.node}: SIG{stop.kind.upper()} {stop.seconds:.0f}s into the load, at "
                     f"{time.strftime('%H:%M:%S', time.gmtime(stopped.at))}.{int(stopped.at % 1 * 1000):03d} UTC")
            try:
                stopped.exit_code = node.wait(timeout=node.graceful_seconds + 10)
            except subprocess.TimeoutExpired as exc:
                self.errors.append(f"{stop.node} did not exit after SIG{stop.kind.upper()}: {exc}")
                continue
            stopped.exited_after = time.time() - stopped.at
            self.say(f"{stop.node}: exited with {stopped.exit_code} {stopped.exited_after:.1f}s after the signal")
            if self.restart_after is not None and not self._cancel.wait(self.restart_after):
                try:
                    node.start()
                except RuntimeError as exc:
                    self.errors.append(f"{stop.node} did not start again: {exc}")
                    continue
                stopped.restarted_at = time.time()
                self.say(f"{stop.node}: started again; back in the balancer's rotation "
                         f"{self._back_in_rotation(stop.node):.1f}s later")

    def _back_in_rotation(self, name: str, timeout: float = 60.0) -> float:
        """Seconds until HAProxy's checks put a restarted node back UP (its workers must boot)."""
        started = time.monotonic()
        while time.monotonic() - started < timeout and not self._cancel.is_set():
            if any(row["svname"] == name and row["status"] == "UP" for row in self.web.balancer.stats()):
                break
            time.sleep(0.2)
        return time.monotonic() - started

    def exits_as_expected(self) -> bool:
        """Each stop ended its node as its signal should (0 after SIGTERM, -9 after SIGKILL), and
        every node's last process ended with 0 (stopped gracefully at the end) unless a stop
        ended it and it was not started again."""
        for stopped in self.done:
            if stopped.exit_code != (0 if stopped.stop.kind == "term" else -signal.SIGKILL):
                return False
        ended_by_stop = {s.stop.node: s.exit_code for s in self.done if s.restarted_at is None}
        return all(node.exits and node.exits[-1] == ended_by_stop.get(node.name, 0) for node in self.web.nodes)

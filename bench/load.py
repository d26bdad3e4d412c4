"""A small closed-loop HTTP load generator: N keep-alive connections, each sending requests
back to back for a fixed time. Bounded in count and time; loopback only."""

from __future__ import annotations

import http.client
import threading
import time
from dataclasses import dataclass, field


@dataclass
class LoadResult:
    done: int = 0
    errors: int = 0
    latencies: list[float] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def throughput(self) -> float:
        return self.done / self.seconds if self.seconds else 0.0


def hammer(address: str, method: str, path: str | list[tuple[str, dict]], body: bytes | None, *, connections: int = 8,
           seconds: float = 5.0, max_requests: int = 200_000, headers: dict | None = None) -> LoadResult:
    """`path` is one path, or a list of (path, extra headers) that every connection sends in
    turn, each connection starting at a different place in the list."""
    host, port = address.split(":")
    requests = [(path, {})] if isinstance(path, str) else path
    result = LoadResult()
    lock = threading.Lock()
    stop_at = time.monotonic() + seconds
    send_headers = {**({"Content-Type": "application/json"} if body is not None else {}), **(headers or {})}

    def worker(offset: int) -> None:
        conn = http.client.HTTPConnection(host, int(port), timeout=10)
        local_done, local_errors, local_lat = 0, 0, []
        turn = offset
        while time.monotonic() < stop_at and local_done + local_errors < max_requests // connections:
            target, extra = requests[turn % len(requests)]
            turn += 1
            start = time.perf_counter()
            try:
                conn.request(method, target, body=body, headers={**send_headers, **extra})
                response = conn.getresponse()
                response.read()
                if response.status == 200:
                    local_done += 1
                    local_lat.append(time.perf_counter() - start)
                else:
                    local_errors += 1
            except (OSError, http.client.HTTPException):
                local_errors += 1
                conn.close()
                conn = http.client.HTTPConnection(host, int(port), timeout=10)
        conn.close()
        with lock:
            result.done += local_done
            result.errors += local_errors
            result.latencies.extend(local_lat)

    step = max(1, len(requests) // connections)
    threads = [threading.Thread(target=worker, args=(i * step,)) for i in range(connections)]
    started = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    result.seconds = time.monotonic() - started
    return result

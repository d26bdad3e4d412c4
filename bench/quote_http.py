"""Quote endpoint throughput on gunicorn + PostgreSQL, against a bare Django view with the same
middleware, in the same run (issue #2, target ratio >= 0.5)."""

from __future__ import annotations

import json

from bench.common import Result
from bench.load import hammer

QUOTE = {
    "product": "city-car",
    "selections": {},
    "action": None,
}


def quote_body(address: str) -> bytes:
    """A realistic click on the demo city car: the first trim option the catalog lists."""
    import http.client

    host, port = address.split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=10)
    conn.request("GET", "/api/products/city-car/")
    catalog = json.loads(conn.getresponse().read())
    conn.close()
    group = catalog["groups"][0]
    option = group["options"][-1]["code"]
    return json.dumps({**QUOTE, "action": {"group": group["code"], "option": option}}).encode()


def alternate(address: str, subject: str | list[tuple[str, dict]], body: bytes | None, *, seconds: float,
              connections: int, rounds: int = 3, method: str = "POST", bare: str = "/bench/bare/",
              headers: dict[str, str] | None = None) -> tuple[float, float, int]:
    """Throughput of `subject` (a path, or a list of (path, headers) sent in turn) and of the
    `bare` view, measured in alternating rounds so that a noisy neighbour slows both alike.
    Both get the same method, body and headers; the bare view gets the subject's per-request
    headers too. Returns (subject req/s, bare req/s, errors)."""
    bare_requests = bare if isinstance(subject, str) else [(bare, extra) for _path, extra in subject]

    def load(plan):
        return lambda duration: hammer(address, method, plan, body, connections=connections, seconds=duration,
                                       headers=headers)

    return alternate_loads(load(subject), load(bare_requests), seconds=seconds, rounds=rounds)


def alternate_loads(subject, baseline, *, seconds: float, rounds: int = 3) -> tuple[float, float, int]:
    """Two loads (callables taking a duration and returning a LoadResult), each warmed up, then
    run in alternating rounds so that a noisy neighbour slows both alike. Returns (subject
    req/s, baseline req/s, errors)."""
    subject(1.0)
    baseline(1.0)
    done, spent, errors = [0, 0], [0.0, 0.0], 0
    for _ in range(rounds):
        for i, load in ((1, baseline), (0, subject)):
            result = load(seconds / rounds)
            done[i] += result.done
            spent[i] += result.seconds
            errors += result.errors
    return done[0] / spent[0], done[1] / spent[1], errors


def run(address: str, seconds: float = 6.0, connections: int = 8) -> list[Result]:
    body = quote_body(address)
    quote_tput, bare_tput, errors = alternate(address, "/api/quote/", body, seconds=seconds, connections=connections)
    ratio = quote_tput / bare_tput if bare_tput else 0.0
    note = f"({connections} connections, alternating rounds, {errors} errors)"
    return [Result(2, "quote endpoint throughput vs bare view", quote_tput, "req/s", bare_tput,
                   ratio, "ratio >= 0.5", ratio >= 0.5 and errors == 0, note)]

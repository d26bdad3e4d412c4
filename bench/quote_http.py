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
    plans = {"subject": subject, "bare": bare_requests}

    def load(which: str, duration: float):
        return hammer(address, method, plans[which], body, connections=connections, seconds=duration, headers=headers)

    load("subject", 1.0)  # warm up
    load("bare", 1.0)
    done = {"subject": 0, "bare": 0}
    spent = {"subject": 0.0, "bare": 0.0}
    errors = 0
    for _ in range(rounds):
        for which in ("bare", "subject"):
            result = load(which, seconds / rounds)
            done[which] += result.done
            spent[which] += result.seconds
            errors += result.errors
    return done["subject"] / spent["subject"], done["bare"] / spent["bare"], errors


def run(address: str, seconds: float = 6.0, connections: int = 8) -> list[Result]:
    body = quote_body(address)
    quote_tput, bare_tput, errors = alternate(address, "/api/quote/", body, seconds=seconds, connections=connections)
    ratio = quote_tput / bare_tput if bare_tput else 0.0
    note = f"({connections} connections, alternating rounds, {errors} errors)"
    return [Result(2, "quote endpoint throughput vs bare view", quote_tput, "req/s", bare_tput,
                   ratio, "ratio >= 0.5", ratio >= 0.5 and errors == 0, note)]

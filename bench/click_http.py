"""Option-click throughput on gunicorn + PostgreSQL, against a bare Django GET view with the same
middleware, in the same run (issue #3, target ratio >= 0.5).

The click is the request htmx sends when a shopper picks the 17-inch Aero wheels on the demo
city car: GET /en/configure/city-car/?<the whole form> with HX-Request, HX-Trigger (the radio's
id "o:wheels:r17_aero") and HX-Current-URL (the page before the click, as the previous click
pushed it). The view then works out the build before and after the click and answers only the
parts that changed. The bare view gets the very same request headers.
"""

from __future__ import annotations

import http.client
from typing import Any
from urllib.parse import urlencode

from bench.common import Result
from bench.quote_http import alternate
from configurator.demo.catalog import CITY_CAR

CLICK = ("wheels", "r17_aero")
BARE = "/bench/bare-get/"
# A browser that loaded the page holds the CSRF cookie the page set (any well-formed secret).
CSRF_COOKIE = "csrftoken=benchbenchbenchbenchbenchbench00"


def form_query(product: dict[str, Any], changes: dict[str, str] | None = None, *, canonical: bool = False) -> str:
    """The query htmx builds from the studio form (hx-include="closest form") for the default
    build with `changes`; `canonical` gives the URL the view pushes instead (no empty texts)."""
    changes = changes or {}
    pairs: list[tuple[str, str]] = []
    for group in product["groups"]:
        code, kind = group["code"], group["kind"]
        value = changes.get(code, group.get("default"))
        if kind == "multi":
            chosen = sorted([value] if isinstance(value, str) else value or [])
            if not canonical or not chosen:
                pairs.append((code, ""))  # the form's hidden empty input: "none ticked" survives
            pairs.extend((code, v) for v in chosen)
        elif kind == "text":
            if value or not canonical:
                pairs.append((code, value or ""))
        else:
            pairs.append((code, value or ""))
    return urlencode(pairs)


def click_request(address: str, product: dict[str, Any] = CITY_CAR, click: tuple[str, str] = CLICK) -> tuple[str, dict[str, str]]:
    """The path and headers of the htmx request for `click` on the default build."""
    group, option = click
    page = f"/en/configure/{product['slug']}/"
    before = f"http://{address}{page}?{form_query(product, canonical=True)}"
    path = f"{page}?{form_query(product, {group: option})}"
    element = f"o:{group}:{option}"
    headers = {
        "HX-Request": "true",
        "HX-Trigger": element,
        "HX-Trigger-Name": group,
        "HX-Target": element,
        "HX-Current-URL": before,
        "Accept": "*/*",
        "Cookie": CSRF_COOKIE,
    }
    return path, headers


def check_click(address: str, path: str, headers: dict[str, str], click: tuple[str, str]) -> str:
    """One click before the load: it must answer the partial update of that click. Returns the
    problem, or "" when the response is the expected one."""
    host, port = address.split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=10)
    try:
        conn.request("GET", path, headers=headers)
        response = conn.getresponse()
        body = response.read().decode()
        pushed = response.getheader("HX-Push-Url") or ""
    finally:
        conn.close()
    if response.status != 200:
        return f"the click answered {response.status}"
    if f"{click[0]}={click[1]}" not in pushed or 'id="preview"' not in body or "hx-swap-oob" not in body:
        return "the click did not answer a partial update with the new preview"
    return ""


def run(address: str, seconds: float = 6.0, connections: int = 8) -> list[Result]:
    path, headers = click_request(address)
    problem = check_click(address, path, headers, CLICK)
    name = "option click (htmx GET) throughput vs bare GET view"
    if problem:
        return [Result(3, name, 0.0, "req/s", None, None, "ratio >= 0.5", False, f"(not measured: {problem})")]
    click_tput, bare_tput, errors = alternate(
        address, path, None, seconds=seconds, connections=connections, method="GET", bare=BARE, headers=headers,
    )
    ratio = click_tput / bare_tput if bare_tput else 0.0
    note = f"({CLICK[0]} -> {CLICK[1]} on {CITY_CAR['slug']}, {connections} connections, alternating rounds, {errors} errors)"
    return [Result(3, name, click_tput, "req/s", bare_tput, ratio, "ratio >= 0.5", ratio >= 0.5 and errors == 0, note)]

"""Option-click throughput on gunicorn + PostgreSQL, against a bare Django GET view with the same
middleware, in the same run (issue #3; issue #12 set the target to ratio >= 0.4, the price of a
click path without in-process HTML).

A click is the request htmx sends when a shopper picks an option: GET /en/configure/<product>/
?<the whole form> with HX-Request, HX-Trigger (the input's id "o:<step>:<option>") and
HX-Current-URL (the page before the click, as the previous click pushed it). The view works out
the build before and after the click, compares them, and answers only the parts that changed.

The load is not one click repeated: it is random shopper walks over all three demo products
(options picked and unpicked, in English and Dutch), every connection sending its clicks in
turn. The bare view gets the very same request headers.
"""

from __future__ import annotations

import http.client
import random
from typing import Any
from urllib.parse import urlencode

from bench.common import Result
from bench.quote_http import alternate
from configurator.demo.catalog import CITY_CAR, PRODUCTS

CLICK = ("wheels", "r17_aero")
LIMIT = 0.4
TARGET = f"ratio >= {LIMIT}"
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


def check_click(address: str, path: str, headers: dict[str, str], click: tuple[str, str] | None,
                preview: bool = True) -> str:
    """One click before the load: it must answer a partial update, with the new preview unless
    `preview` is False (a size changes the price, never the picture), and, given `click` =
    (step, option), push a URL holding that choice. Returns the problem, or "" when the response
    is the expected one."""
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
    if click is not None and f"{click[0]}={click[1]}" not in pushed:
        return f"the click pushed {pushed!r}, without {click[0]}={click[1]}"
    if pushed in ("", "false") or "hx-swap-oob" not in body:
        return "the click did not answer a partial update"
    if preview and 'id="preview"' not in body:
        return "the click did not answer the new preview"
    return ""


def shopper_walk(address: str, product: dict[str, Any], clicks: int, seed: int, lang: str = "en") -> list[tuple[str, dict]]:
    """A shopper's clicks on `product`, each from the build the previous one left: only options
    the studio offers without a repair (a conflicting click answers a repair offer instead of an
    update, which the repair benchmark covers). Needs Django set up on the seeded database."""
    from configurator.engine import MULTI, TEXT, Action, iter_bits, option_status, quote, to_plain
    from configurator.models import Product
    from configurator.querystate import query_from_plain
    from configurator.snapshot import catalog_for

    version_id = Product.objects.get(slug=product["slug"]).current_version_id
    cat = catalog_for(version_id)
    rng = random.Random(seed)
    page = f"/{lang}/configure/{product['slug']}/"
    plain = to_plain(cat, quote(cat, {}).state)
    requests = []
    while len(requests) < clicks:
        result = quote(cat, plain)
        choices = []
        for group in cat.groups:
            if group.kind == TEXT:
                continue
            for index in group.options:
                status = option_status(result.availability, index)
                if status == "available" or (status == "selected" and group.kind == MULTI):
                    choices.append((group, cat.options[index], status != "selected"))
        group, option, selected = rng.choice(choices)
        after = quote(cat, plain, Action(group.code, option.code, selected))
        if after.repair is not None or not after.evaluation.valid:
            continue
        new_plain = to_plain(cat, after.state)
        form = {g.code: new_plain.get(g.code) for g in cat.groups}
        for g in cat.groups:
            if g.kind == MULTI:
                form[g.code] = [cat.options[i].code for i in iter_bits(after.state.mask & g.mask)]
        element = f"o:{group.code}:{option.code}"
        shown = query_from_plain(cat, plain)
        requests.append((f"{page}?{form_query(product, form)}", {
            "HX-Trigger": element, "HX-Trigger-Name": group.code, "HX-Target": element,
            "HX-Current-URL": f"http://{address}{page}?{shown}",
        }))
        plain = new_plain
    return requests


def run(address: str, seconds: float = 6.0, connections: int = 8, clicks_per_walk: int = 40) -> list[Result]:
    path, headers = click_request(address)
    problem = check_click(address, path, headers, CLICK)
    name = "option click (htmx GET) throughput vs bare GET view"
    if problem:
        return [Result(3, name, 0.0, "req/s", None, None, TARGET, False, f"(not measured: {problem})")]
    walks = [
        shopper_walk(address, product, clicks_per_walk, seed=n, lang=lang)
        for n, product in enumerate(PRODUCTS) for lang in ("en", "nl")
    ]
    clicks = [click for walk in walks for click in walk]
    sizes = {group["code"] for product in PRODUCTS for group in product["groups"] if group["kind"] == "size"}
    for click_path, extra in clicks:  # every click of the walks, once: each must answer an update
        problem = check_click(address, click_path, {**headers, **extra}, None,
                              preview=extra["HX-Trigger-Name"] not in sizes)
        if problem:
            return [Result(3, name, 0.0, "req/s", None, None, TARGET, False,
                           f"(not measured: {click_path}: {problem})")]
    shared = {k: v for k, v in headers.items() if k in ("HX-Request", "Accept", "Cookie")}
    click_tput, bare_tput, errors = alternate(
        address, clicks, None, seconds=seconds, connections=connections, method="GET", bare=BARE, headers=shared,
    )
    ratio = click_tput / bare_tput if bare_tput else 0.0
    note = (f"({len(clicks)} clicks of {len(walks)} shopper walks over {len(PRODUCTS)} products in EN and NL, "
            f"{connections} connections, alternating rounds, {errors} errors)")
    return [Result(3, name, click_tput, "req/s", bare_tput, ratio, TARGET, ratio >= LIMIT and errors == 0, note)]

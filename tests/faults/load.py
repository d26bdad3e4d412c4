"""A small concurrent load of shoppers through the real HTTP stack: each consents, clicks a few
options (htmx requests, as the studio sends them), saves, shares, looks at the share page, saves
another design and orders it, then the next shopper starts. Every answer is tallied, and what
was acknowledged (a 2xx/3xx with the expected outcome) is remembered, so a script can check
afterwards that nothing acknowledged is missing from the database."""

from __future__ import annotations

import re
import threading
import time
from collections import Counter
from dataclasses import dataclass, field

import requests

from bench.click_http import click_request, form_query
from configurator.demo.catalog import CITY_CAR

PRODUCT = CITY_CAR
# Clicks from the default build that need no repair: each records exactly one option_selected.
CLICKS = (("wheels", "r17_aero"), ("body", "island_blue"), ("interior", "recycled"))


@dataclass
class Tally:
    statuses: Counter = field(default_factory=Counter)  # (step, status or error name) -> count
    clicks: int = 0  # acknowledged clicks of consented shoppers
    saves: list[str] = field(default_factory=list)  # build ids
    shares: list[str] = field(default_factory=list)  # build ids
    orders: list[str] = field(default_factory=list)  # order numbers
    shoppers: int = 0  # shoppers whose consent was acknowledged
    problems: list[str] = field(default_factory=list)  # unexpected answers, with a snippet
    lock: threading.Lock = field(default_factory=threading.Lock)

    def server_errors(self, allowed: frozenset[int] = frozenset()) -> dict:
        """(step, status) -> count of 5xx answers (but `allowed`) and of requests with no answer."""
        return {k: n for k, n in self.statuses.items()
                if not isinstance(k[1], int) or (k[1] >= 500 and k[1] not in allowed)}


class Shopper:
    def __init__(self, address: str, tally: Tally, number: int) -> None:
        self.address = address
        self.base = f"http://{address}"
        self.http = requests.Session()
        self.tally = tally
        self.number = number

    def _send(self, step: str, method: str, path: str, expect: int, **kwargs) -> requests.Response | None:
        try:
            response = self.http.request(method, self.base + path, allow_redirects=False, timeout=30, **kwargs)
        except requests.RequestException as exc:
            with self.tally.lock:
                self.tally.statuses[(step, type(exc).__name__)] += 1
            return None
        with self.tally.lock:
            self.tally.statuses[(step, response.status_code)] += 1
            if response.status_code != expect and len(self.tally.problems) < 50:
                self.tally.problems.append(f"{step} {method} {path} -> {response.status_code} "
                                           f"{response.headers.get('Content-Type')}: {response.text[:300]!r}")
        return response if response.status_code == expect else None

    def _csrf(self) -> dict[str, str]:
        return {"X-CSRFToken": self.http.cookies.get("csrftoken", "")}

    def consent(self) -> bool:
        if self._send("home", "GET", "/en/", 200) is None:
            return False
        done = self._send("consent", "POST", "/en/consent/", 302, headers=self._csrf(),
                          data={"choice": "all", "source": "banner", "next": "/en/"})
        if done is not None:
            with self.tally.lock:
                self.tally.shoppers += 1
        return done is not None

    def click(self, change: tuple[str, str]) -> bool:
        path, headers = click_request(self.address, PRODUCT, change)
        headers = {k: v for k, v in headers.items() if k != "Cookie"}  # our session's cookies go instead
        response = self._send("click", "GET", path, 200, headers=headers)
        if response is None:
            return False
        pushed = response.headers.get("HX-Push-Url", "")
        if f"{change[0]}={change[1]}" not in pushed:
            with self.tally.lock:
                self.tally.problems.append(f"click {change} pushed {pushed!r}")
            return False
        with self.tally.lock:
            self.tally.clicks += 1
        return True

    def save(self, changes: dict[str, str]) -> str | None:
        state = form_query(PRODUCT, changes, canonical=True)
        response = self._send("save", "POST", f"/en/configure/{PRODUCT['slug']}/save/", 302, headers=self._csrf(),
                              data={"state": state, "name": f"Load {self.number}"})
        found = re.search(r"/designs/([0-9a-f-]{36})/", response.headers.get("Location", "")) if response else None
        if found is None:
            return None
        with self.tally.lock:
            self.tally.saves.append(found.group(1))
        return found.group(1)

    def share(self, build_id: str) -> str | None:
        response = self._send("share", "POST", f"/en/designs/{build_id}/share/", 302, headers=self._csrf())
        found = re.search(r"/s/([^/]+)/", response.headers.get("Location", "")) if response else None
        if found is None:
            return None
        with self.tally.lock:
            self.tally.shares.append(build_id)
        return found.group(1)

    def view(self, code: str) -> None:
        self._send("shared page", "GET", f"/s/{code}/", 200)

    def order(self, build_id: str) -> None:
        response = self._send("order", "POST", f"/en/designs/{build_id}/order/", 302, headers=self._csrf(), data={
            "name": f"Shopper {self.number}", "email": f"shopper{self.number}@example.com", "country": "NL",
            "address_line1": "Keizersgracht 1", "postal_code": "1015 CJ", "city": "Amsterdam",
        })
        found = re.search(r"/orders/([^/]+)/", response.headers.get("Location", "")) if response else None
        if found is not None:
            with self.tally.lock:
                self.tally.orders.append(found.group(1))

    def journey(self) -> bool:
        """One shopper's visit; False if it could not even start."""
        if not self.consent():
            return False
        for change in CLICKS:
            self.click(change)
        build_id = self.save(dict([CLICKS[0]]))
        if build_id:
            code = self.share(build_id)
            if code:
                self.view(code)
        to_order = self.save(dict(CLICKS[1:]))
        if to_order:
            self.order(to_order)
        return True


class Load:
    """`shoppers` concurrent shoppers, each journey after the other, until stop()."""

    def __init__(self, address: str, shoppers: int = 4) -> None:
        self.address = address
        self.tally = Tally()
        self._stop = threading.Event()
        self._threads = [threading.Thread(target=self._run, args=(i,), daemon=True) for i in range(shoppers)]
        self._next = iter(range(1, 1_000_000))
        self._next_lock = threading.Lock()

    def _run(self, lane: int) -> None:
        while not self._stop.is_set():
            with self._next_lock:
                number = next(self._next)
            if not Shopper(self.address, self.tally, number).journey():
                time.sleep(0.5)  # like a person, wait a moment before trying again

    def start(self) -> Load:
        for thread in self._threads:
            thread.start()
        return self

    def stop(self) -> Tally:
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=60)
        return self.tally


"""Shoppers for `make loadtest` (run by bench/loadtest.py, which also checks the events).

Each Locust user is one shopper with their own cookies, CSRF token and browser state, playing
journeys the way a browser with htmx does: home, the studio of a product (EN or NL), option
clicks sent as htmx sends them (HX-Request, HX-Trigger "o:<step>:<option>" and HX-Current-URL,
the response's out-of-band parts swapped into the page they hold),
a first decision on the consent banner, personal text, a conflicting click and its repair,
save, share, their share page and its card.png, someone else's share page (from a shared pool),
a remix of it with a change or two, saved again, an order through the order form, and a batch
of client events through POST /api/events/ with their own UUID keys, sent twice.

Every shopper keeps a journal of what the server acknowledged (the clicks that changed their
build with the query before and the one the server pushed, the builds saved, shared, remixed
and ordered, the share pages viewed, the client event keys). At the end of the run all journals
are written as JSON lines to $LOADTEST_JOURNAL; bench/loadtest.py derives the events the
database must hold from them.

Every step of a journey is one Locust task, so a user asked to stop finishes the step it is in
(run with --stop-timeout) and its journal never misses a request the server answered.

A request whose answer is lost on the way (the balancer's 502, 503 or 504 when a web node stops
under it, or a broken connection) is sent again, as a careful client would, only where that is
safe: a GET, a save or an order (their forms carry a one-time token, so the server answers a
retry with the first answer), a batch of client events (keyed) and a share (sharing a shared
design changes nothing). A consent or a remix is never sent again: the journal keeps it as "in
doubt" (the server may or may not have done it). Each response names the node that answered it
(X-Atelier-Node, set by the balancer); clicks and share views journal it with the times the
request went out and its answer came in, so the load test can tell which events a killed node
may have held in its write-behind buffer.
"""

from __future__ import annotations

import base64
import contextlib
import json
import os
import random
import re
import time
import uuid
from datetime import UTC, datetime
from itertools import count
from urllib.parse import urlencode, urlsplit

import gevent
from locust import FastHttpUser, between, events, task
from lxml import etree

JOURNAL = os.environ.get("LOADTEST_JOURNAL", "loadtest-journal.jsonl")
_wait = [float(x) for x in os.environ.get("LOADTEST_WAIT", "0.5,1.5").split(",")]
PRODUCTS = ("city-car", "sneaker", "trench-coat")
# Personal text the demo's text rules accept everywhere (badge, heel text, monogram: capitals),
# from consonants so that no random pick spells a blocked word (no V: G-V-D is one, in Dutch).
SAFE_LETTERS = "BCDGHJKLMNPRTWZ"
CLICKS = [int(x) for x in os.environ.get("LOADTEST_CLICKS", "3,6").split(",")]  # per product, after consent
PREVIEWS = float(os.environ.get("LOADTEST_PREVIEWS", "1"))  # share of new previews loaded
DECLINE_SHARE = float(os.environ.get("LOADTEST_DECLINE", "0.1"))  # shoppers who choose "only necessary"

JOURNALS: list[dict] = []
STOPPING: list[bool] = []  # set when the run is stopping: no step starts after that
SHARED: list[dict] = []  # every share so far: {"code", "build", "user"}, for others to view and remix
_numbers = count(1)
LOST = (0, 502, 503, 504)  # the answer never came: no connection, or the balancer's own answer
RETRIES = 4  # after 0.5, 1, 2 and 4 s: a node that restarts or a balancer that finds the other one



def new_journal(user: int) -> dict:
    """What one shopper did and the server acknowledged (loadtest.expected_events reads it)."""
    journal = {"user": user, "shopper": None, "consent": None, "clicks": [], "saves": [], "shares": [],
               "share_views": [], "remixes": [], "orders": [], "client_events": [], "in_flight": None,
               "failures": 0, "retries": [], "in_doubt": []}
    JOURNALS.append(journal)
    return journal

class Page:
    """What a shopper's browser holds of a page (or of an htmx response's out-of-band parts):
    the studio's steps with their options, the save form's state, the repair offer,
    CSRF tokens and images.

    lxml's HTML parser (libxml2, in C) reads the page and calls `start` and `end` for each tag, as
    a browser's parser would see them; it costs the load generator a fifth of what Python's
    html.parser did, CPU that the server under test shares on this machine."""

    def __init__(self, html: str) -> None:
        self.steps: dict[str, dict] = {}
        self.state: str | None = None
        self.save_enabled = False
        self.build_field: str | None = None  # the save form's hidden build id
        self.b_field: str | None = None  # the studio form's hidden build id
        self.once: str | None = None  # the save or order form's one-time token (a retry is recognised)
        self.csrf: str | None = None
        self.hx_csrf: str | None = None
        self.repair_apply: str | None = None
        self.images: list[str] = []
        self.banner = False
        self._step: str | None = None
        self._li_class = ""
        self._in_repair = False
        self._in_save_state = False
        self._form = ""
        if html.strip():
            parser = etree.HTMLParser(target=self)
            parser.feed(html)
            parser.close()

    def start(self, tag: str, attrs) -> None:
        a = dict(attrs)
        if tag == "body" and "hx-headers" in a:
            with contextlib.suppress(ValueError):
                self.hx_csrf = json.loads(a["hx-headers"]).get("X-CSRFToken")
        elif tag == "section" and a.get("id") == "consent-banner":
            self.banner = True
        elif tag == "fieldset" and a.get("id", "").startswith("step-"):
            self._step = a["id"][5:]
            self.steps[self._step] = {"kind": "", "options": [], "text": None,
                                      "missing": "step--missing" in a.get("class", "")}
        elif tag == "form":
            self._form = a.get("id") or a.get("class") or ""
        elif tag == "li":
            self._li_class = a.get("class", "")
        elif tag == "div" and a.get("id") == "repair":
            self._in_repair = True
        elif tag == "div" and a.get("id") == "save-state":
            self._in_save_state = True
        elif tag == "a" and self._in_repair and "hx-get" in a and self.repair_apply is None:
            self.repair_apply = a["hx-get"]  # the first link offers the repair ("Apply")
        elif tag == "img" and a.get("src"):
            self.images.append(a["src"])
        elif tag == "button" and self._in_save_state:
            self.save_enabled = "disabled" not in a
        elif tag == "input":
            self._input(a)

    def _input(self, a: dict) -> None:
        name, kind = a.get("name", ""), a.get("type", "text")
        if name == "csrfmiddlewaretoken" and self.csrf is None:
            self.csrf = a.get("value")
        elif name == "state" and self._in_save_state:
            self.state = a.get("value")
        elif name == "build" and self._form == "save":
            self.build_field = a.get("value")
        elif name == "b" and self._form == "studio-form":
            self.b_field = a.get("value")
        elif name == "once" and self._form in ("save-form", "order-form"):
            self.once = a.get("value")
        elif self._step is not None and name == self._step:
            step = self.steps[self._step]
            if kind == "text":
                step["kind"], step["text"] = "text", a.get("value", "")
            elif kind in ("radio", "checkbox"):
                step["kind"] = "single" if kind == "radio" else "multi"
                status = self._li_class.replace("option option--", "")
                step["options"].append({"id": a.get("id", ""), "code": a.get("value", ""), "status": status,
                                        "checked": "checked" in a, "disabled": "disabled" in a})

    def end(self, tag: str) -> None:
        if tag == "fieldset":
            self._step = None
        elif tag == "div":
            self._in_repair = self._in_save_state = False
        elif tag == "form":
            self._form = ""

    def close(self) -> None:
        return None


def _node(response) -> str | None:
    """The web node that answered (the balancer's header), None without a balancer."""
    return response.headers.get("X-Atelier-Node") if response.headers else None


def _answered(response) -> dict:
    """Which node answered, when the request went out and when its answer was in (the node did
    the work in between), and which nodes lost an earlier attempt's answer."""
    return {"node": _node(response), "sent": response.sent, "at": time.time(), "lost_from": response.lost_from}


def shopper_from_cookie(value: str) -> str | None:
    """The shopper id in the signed cookie (django.core.signing: base64 JSON, then signatures).
    Reading it needs no key; only the server can make one."""
    try:
        head = value.strip('"').split(":")[0]
        return str(uuid.UUID(json.loads(base64.urlsafe_b64decode(head + "=" * (-len(head) % 4)))))
    except (ValueError, TypeError):
        return None


class Shopper(FastHttpUser):
    wait_time = between(*_wait)
    network_timeout = 120.0
    connection_timeout = 30.0

    def on_start(self) -> None:
        self.number = next(_numbers)
        self.rng = random.Random(self.number * 7919)
        self.declines = self.rng.random() < DECLINE_SHARE
        self.journal = new_journal(self.number)
        self.journey = self._journeys()
        self.pictures: set[str] = set()  # what this shopper's browser holds (previews are immutable)

    @task
    def step(self) -> None:
        """One step of the current journey (the generator yields between steps). Once the run
        is stopping no step starts: Locust kills a user it finds waiting, but that kill can
        land after the wait, inside the next step, and cut a request the journal never sees."""
        if not STOPPING:
            next(self.journey)

    # --- the journeys ------------------------------------------------------------------------------

    def _journeys(self):
        """Journeys one after another, each with its motivation: a buyer configures, saves and
        orders; a sharer configures, saves and shares; a remixer arrives through someone's share
        link, remixes it, changes a thing or two and orders. The first page of a visit shows
        the consent banner; a shopper decides there, after a few clicks or none."""
        first = True
        while True:
            persona = self.rng.choices(("buyer", "sharer", "remixer"), weights=(4, 3, 3))[0]
            others = [s for s in SHARED if s["user"] != self.number]
            if persona == "remixer" and others:
                yield from self._remixer(self.rng.choice(others), first)
            else:
                slug, lang = self.rng.choice(PRODUCTS), self.rng.choice(("en", "nl"))
                yield from self._configure(slug, lang, first, share=persona == "sharer")
            first = False

    def _first_page(self, html: str | None) -> None:
        for asset in re.findall(r'(?:href|src)="(/static/[^"]+\.(?:css|js))"', html or ""):
            self._get(asset, "static")

    def _decide(self, page: Page, clicks: bool):
        """The banner: a few clicks first (they wait in the browser), then the decision, then
        the app's first batch of events."""
        if clicks:
            for _ in range(self.rng.randint(0, 2)):
                self._click()
                yield
        self._consent(page, "necessary" if self.declines else "all")
        yield
        self._client_events()
        yield

    def _configure(self, slug: str, lang: str, first: bool, share: bool):
        self.lang = lang
        home = self._get(f"/{lang}/", "home")
        if first:
            self._first_page(home)
        yield
        if not self._open_studio(f"/{lang}/configure/{slug}/"):
            return
        yield
        if self.journal["consent"] is None:
            yield from self._decide(self.page, clicks=True)
        for _ in range(self.rng.randint(*CLICKS)):
            self._click()
            yield
        if self._type_text():
            yield
        if self._conflict_click():
            yield
            self._apply_repair()
            yield
        if self._complete():
            yield
        build = self._save()
        if build is None:
            return
        yield
        if share:
            self._share(build)
        else:
            self._order(build)
        yield

    def _remixer(self, share: dict, first: bool):
        self.lang = self.rng.choice(("en", "nl"))
        html = self._view_share(share)
        if first:
            self._first_page(html)
        yield
        if html is None:
            return
        if self.journal["consent"] is None:
            yield from self._decide(Page(html), clicks=False)
        if not self._remix(share["code"]):
            return
        yield
        for _ in range(self.rng.randint(1, 2)):
            self._click()
            yield
        if self._complete():
            yield
        remix = self._save()
        yield
        if remix is not None:
            self._order(remix)
            yield

    # --- requests ------------------------------------------------------------------------------------

    def _begin(self, what: str) -> None:
        self.journal["in_flight"] = what  # cleared when the answer is in (a killed user leaves it set)

    def _done(self) -> None:
        self.journal["in_flight"] = None

    def _cookie(self, name: str) -> str | None:
        for cookie in self.client.cookiejar:
            if cookie.name == name:
                return cookie.value
        return None

    def _note_shopper(self) -> None:
        value = self._cookie("atelier_shopper")
        if value:
            self.journal["shopper"] = shopper_from_cookie(value)

    def _fail(self, response, why: str) -> None:
        if getattr(response, "in_doubt", False):
            return  # counted as in doubt, not as an error (see _send)
        response.failure(why)
        self.journal["failures"] += 1

    @contextlib.contextmanager
    def _send(self, method: str, path: str, *, name: str, idempotent: bool, **kwargs):
        """One request (Locust's catch_response context), sent again up to RETRIES times while
        its answer is lost and it is `idempotent`. A lost attempt is journaled and counted under
        "<name> (lost, sent again)"; a lost answer to a request that is not idempotent is journaled
        as in doubt and counted under "<name> (lost, in doubt)", never as the shopper's error."""
        lost_from: list[str | None] = []  # the nodes that lost an attempt's answer
        for attempt in range(RETRIES + 1):
            sent = time.time()
            response = self.client.request(method, path, name=name, catch_response=True, **kwargs)
            with response:
                response.attempt, response.lost_from, response.in_doubt = attempt, lost_from, False
                response.sent = sent
                # Lost: no answer, the balancer's own, or one cut off (a node killed while sending it)
                failed = response.request_meta.get("exception") is not None
                lost = response.status_code in LOST or (failed and response.status_code < 400)
                if lost and idempotent and attempt < RETRIES:
                    self.journal["retries"].append(self._lost(name, response))
                    lost_from.append(_node(response))
                    response.request_meta["name"] = f"{name} (lost, sent again)"
                    response.success()
                    gevent.sleep(0.5 * 2**attempt)
                    continue
                if lost and not idempotent:
                    self.journal["in_doubt"].append(self._lost(name, response))
                    response.request_meta["name"] = f"{name} (lost, in doubt)"
                    response.failure(f"{name}: answer lost ({response.status_code}); not idempotent, not sent again")
                    response.in_doubt = True
                yield response
                return

    @staticmethod
    def _lost(name: str, response) -> dict:
        return {"name": name, "status": response.status_code, "node": _node(response), "at": time.time()}

    def _get(self, path: str, name: str, **headers) -> str | None:
        with self._send("GET", path, name=name, idempotent=True, headers=headers or None) as response:
            self.answered = _answered(response)
            if response.status_code != 200:
                self._fail(response, f"{name}: {response.status_code}")
                return None
            return response.text

    def _post_form(self, path: str, data: dict, name: str, *, idempotent: bool, **headers):
        return self._send("POST", path, name=name, idempotent=idempotent, data=urlencode(data), allow_redirects=False,
                          headers={"Content-Type": "application/x-www-form-urlencoded", **headers})

    def _images(self, page: Page, name: str = "preview") -> None:
        """The pictures a browser would load: each address once (they are served immutable, so
        a browser keeps them), a share LOADTEST_PREVIEWS of the new ones."""
        for src in page.images:
            if src.startswith("/preview/") and src not in self.pictures and self.rng.random() < PREVIEWS:
                self.pictures.add(src)
                self._get(src, name)

    def _url(self, path_and_query: str) -> str:
        return f"{self.host.rstrip('/')}{path_and_query}"

    def _open_studio(self, path: str) -> bool:
        html = self._get(path, "studio page")
        if html is None:
            return False
        self.page = Page(html)
        self.location = path  # what the address bar shows
        self.studio_path = urlsplit(path).path
        self.product = self.studio_path.rstrip("/").rsplit("/", 1)[-1]
        self._images(self.page)
        return True

    # --- the studio ----------------------------------------------------------------------------------

    def _form_query(self, steps: dict[str, dict]) -> list[tuple[str, str]]:
        """What htmx sends for hx-include="closest form"."""
        pairs: list[tuple[str, str]] = []
        if self.page.b_field:
            pairs.append(("b", self.page.b_field))
        for code, step in steps.items():
            if step["kind"] == "text":
                pairs.append((code, step["text"] or ""))
                continue
            if step["kind"] == "multi":
                pairs.append((code, ""))
            pairs.extend((code, o["code"]) for o in step["options"] if o["checked"])
        return pairs

    def _htmx_get(self, path: str, name: str, trigger: str | None, trigger_name: str | None, kind: str,
                  expect_conflict: bool | None = False) -> bool:
        """One htmx GET on the studio: swap the answer into the page, follow the pushed URL and
        journal it. Returns whether it answered a conflict (with its repair); `expect_conflict`
        None takes either answer."""
        before = self.location
        headers = {"HX-Request": "true", "HX-Current-URL": self._url(before), "Accept": "*/*"}
        if trigger:
            headers.update({"HX-Trigger": trigger, "HX-Target": trigger})
        if trigger_name:
            headers["HX-Trigger-Name"] = trigger_name
        self._begin(f"{kind} {path}")
        with self._send("GET", path, name=name, idempotent=True, headers=headers) as response:
            answered = _answered(response)
            pushed = response.headers.get("HX-Push-Url") if response.headers else None
            if response.status_code != 200 or not pushed:
                self._fail(response, f"{name}: {response.status_code}, HX-Push-Url {pushed!r}")
                self._done()
                return False
            update = Page(response.text or "")
            for code, step in update.steps.items():
                self.page.steps[code] = step
            if update.state is not None:
                self.page.state, self.page.save_enabled = update.state, update.save_enabled
            self.page.repair_apply = update.repair_apply
            conflict = pushed == "false"
            if conflict and not update.repair_apply:
                self._fail(response, f"{name}: a conflict without a repair")
            elif expect_conflict is not None and conflict != expect_conflict:
                self._fail(response, f"{name}: {'a conflict' if conflict else 'no conflict'} was not expected "
                           f"({trigger} on {urlsplit(before).query})")
        if not conflict:
            self.location = pushed
            self.journal["clicks"].append({
                "product": self.product, "kind": kind, "before": urlsplit(before).query,
                "after": urlsplit(pushed).query, "request": urlsplit(path).query, "trigger": trigger,
                "consent": self.journal["consent"], **answered,
            })
            self._images(update)
        self._done()
        return conflict

    def _choices(self, statuses: tuple[str, ...]) -> list[tuple[str, dict]]:
        found = []
        for code, step in self.page.steps.items():
            for option in step["options"]:
                if option["disabled"]:
                    continue
                if option["status"] in statuses and not option["checked"]:
                    found.append((code, option))
                elif step["kind"] == "multi" and option["checked"] and "available" in statuses:
                    found.append((code, option))  # unticking a multiple choice
        return found

    def _click_request(self, code: str, option: dict) -> str:
        steps = {k: {**v, "options": [dict(o) for o in v["options"]]} for k, v in self.page.steps.items()}
        for o in steps[code]["options"]:
            if steps[code]["kind"] == "multi":
                if o["code"] == option["code"]:
                    o["checked"] = not o["checked"]
            else:
                o["checked"] = o["code"] == option["code"]
        pairs = self._form_query(steps)
        return f"{self.studio_path}?{urlencode(pairs)}"

    def _click(self) -> None:
        choices = self._choices(("available",))
        if not choices:
            return
        code, option = self.rng.choice(choices)
        # An available option never conflicts; unticking a chosen one may (another choice may
        # need it), and then the studio offers a repair, which this shopper leaves.
        untick = option["checked"]
        self._htmx_get(self._click_request(code, option), "studio click", option["id"], code, "click",
                       expect_conflict=None if untick else False)

    def _complete(self) -> bool:
        """Choose in each required step still empty (a size: the studio marks it missing), as a
        shopper must before ordering."""
        clicked = False
        for code, step in list(self.page.steps.items()):
            options = [o for o in step["options"] if o["status"] == "available" and not o["disabled"]]
            if step["missing"] and step["kind"] == "single" and options:
                option = self.rng.choice(options)
                self._htmx_get(self._click_request(code, option), "studio click", option["id"], code, "click",
                               expect_conflict=False)
                clicked = True
        return clicked

    def _type_text(self) -> bool:
        texts = [code for code, step in self.page.steps.items() if step["kind"] == "text"]
        if not texts:
            return False
        code = texts[0]
        steps = {k: dict(v) for k, v in self.page.steps.items()}
        steps[code]["text"] = "".join(self.rng.sample(SAFE_LETTERS, self.rng.randint(2, 3)))
        pairs = self._form_query(steps)
        self._htmx_get(f"{self.studio_path}?{urlencode(pairs)}", "personal text", f"t:{code}", code, "text")
        return True

    def _conflict_click(self) -> bool:
        choices = self._choices(("conflict",))
        if not choices:
            return False
        code, option = self.rng.choice(choices)
        return self._htmx_get(self._click_request(code, option), "studio click", option["id"], code, "conflict",
                              expect_conflict=True)

    def _apply_repair(self) -> None:
        link = self.page.repair_apply
        if link:  # the "Apply" link: hx-get, no id, no hx-include (so no form)
            self._htmx_get(link, "repair apply", None, None, "repair")

    # --- consent, save, share, remix, order, client events ------------------------------------------

    def _consent(self, page: Page, choice: str) -> None:
        headers = {"HX-Request": "true", "HX-Target": "consent-banner", "HX-Current-URL": self._url(self.location),
                   "X-CSRFToken": page.hx_csrf or ""}
        data = {"csrfmiddlewaretoken": page.csrf or "", "source": "banner", "next": "", "choice": choice}
        self._begin("consent")
        with self._post_form(f"/{self.lang}/consent/", data, "consent", idempotent=False, **headers) as response:
            if response.status_code != 200 or not self._cookie("atelier_consent"):
                self._fail(response, f"consent: {response.status_code}")
            else:
                self.journal["consent"] = choice
                self._note_shopper()
        self._done()

    def _save(self) -> str | None:
        if not self.page.save_enabled or self.page.state is None:
            return None
        path = f"/{self.lang}/configure/{self.product}/save/"
        data = {"csrfmiddlewaretoken": self.page.csrf or "", "name": f"Load {self.number}", "state": self.page.state,
                "once": self.page.once or ""}
        if self.page.build_field:
            data["build"] = self.page.build_field
        self._begin(f"save {data.get('build', '')}")
        with self._post_form(path, data, "save", idempotent=bool(self.page.once)) as response:
            match = re.search(r"/designs/([0-9a-f-]{36})/$", response.headers.get("Location", "") if response.headers else "")
            if response.status_code != 302 or not match:
                self._fail(response, f"save: {response.status_code}")
                self._done()
                return None
            build = match.group(1)
            self._note_shopper()
            self.journal["saves"].append({"build": build, "update": bool(data.get("build")), "consent": self.journal["consent"]})
        self._done()
        html = self._get(f"/{self.lang}/designs/{build}/", "build page")
        self.build_page = Page(html or "")
        return build

    def _share(self, build: str) -> str | None:
        self._begin(f"share {build}")
        # Sharing is idempotent: a shared design stays shared and its event is written once.
        with self._post_form(f"/{self.lang}/designs/{build}/share/", {"csrfmiddlewaretoken": self.build_page.csrf or ""},
                             "share", idempotent=True) as response:
            location = response.headers.get("Location", "") if response.headers else ""
            match = re.search(r"/s/([A-Za-z0-9_-]+)/(?:\?lang=[a-z-]+)?$", location)
            if response.status_code != 302 or not match:
                self._fail(response, f"share: {response.status_code}")
                self._done()
                return None
            code = match.group(1)
            self.journal["shares"].append({"build": build, "code": code})
        self._done()
        self._get(f"/s/{code}/", "share page")  # the sharer's own view records nothing
        self._get(f"/s/{code}/card.png", "card.png")
        SHARED.append({"code": code, "build": build, "user": self.number})
        return code

    def _view_share(self, share: dict) -> str | None:
        """Someone else's share page, reached through a link with UTM tags, and its card."""
        source = self.rng.choice(("copy", "whatsapp", "x"))
        path = f"/s/{share['code']}/?utm_source={source}&utm_medium=social&utm_campaign=share"
        self._begin(f"share view {share['code']}")
        html = self._get(path, "share page", Referer="https://social.example/feed", **{"Accept-Language": self.lang})
        if html is not None:
            self.journal["share_views"].append({"code": share["code"], "build": share["build"],
                                                "consent": self.journal["consent"], **self.answered})
            self.share_page, self.location, self.viewed = Page(html), path, share["build"]
        self._done()
        self._get(f"/s/{share['code']}/card.png", "card.png")
        return html

    def _remix(self, code: str) -> bool:
        csrf = self.share_page.csrf
        self._begin(f"remix {code}")
        with self._post_form(f"/s/{code}/remix/", {"csrfmiddlewaretoken": csrf or ""}, "remix", idempotent=False,
                             **{"Accept-Language": self.lang}) as response:
            location = response.headers.get("Location", "") if response.headers else ""
            match = re.search(r"[?&]b=([0-9a-f-]{36})$", location)
            if response.status_code != 302 or not match:
                self._fail(response, f"remix: {response.status_code} {location}")
                self._done()
                return False
            self._note_shopper()
            self.journal["remixes"].append({"code": code, "build": match.group(1), "consent": self.journal["consent"]})
        self._done()
        self.share_page = None
        self.lang = location.split("/")[1] if location.startswith("/") else self.lang
        return self._open_studio(location)

    def _order(self, build: str) -> bool:
        html = self._get(f"/{self.lang}/designs/{build}/order/", "order form")
        if html is None:
            return False
        form = Page(html)
        country, postal_code = self.rng.choice((("NL", "1015 CJ"), ("BE", "1000"), ("DE", "10117")))
        data = {"csrfmiddlewaretoken": form.csrf or "", "once": form.once or "", "name": f"Load Shopper {self.number}",
                "email": f"shopper{self.number}@example.com", "country": country,
                "address_line1": "Main Street 1", "postal_code": postal_code, "city": "Town"}
        if self.rng.random() < 0.3:
            data["marketing_opt_in"] = "on"
        self._begin(f"order {build}")
        with self._post_form(f"/{self.lang}/designs/{build}/order/", data, "order", idempotent=bool(form.once)) as response:
            location = response.headers.get("Location", "") if response.headers else ""
            if response.status_code != 302 or "/orders/" not in location:
                self._fail(response, f"order: {response.status_code}")
                self._done()
                return False
            self.journal["orders"].append({"build": build, "consent": self.journal["consent"]})
        self._done()
        self._get(location, "order confirmation")
        return True

    def _client_events(self) -> None:
        """A batch from the shopper's app: its own keys; sent twice, stored once."""
        now = datetime.now(UTC).isoformat()
        batch = []
        page = getattr(self, "page", None)  # a shopper who came through a share link has no studio yet
        for code, step in list(page.steps.items())[:3] if page else []:
            chosen = [o["code"] for o in step["options"] if o["checked"]]
            if step["kind"] == "text" or not chosen:
                continue
            batch.append({"key": str(uuid.uuid4()), "type": "option_selected", "at": now, "group": code,
                          "option": chosen[0], "properties": {"source": "app"}})
        if not batch:
            batch.append({"key": str(uuid.uuid4()), "type": "share_viewed", "at": now, "build": self.viewed,
                          "properties": {"source": "app"}})
        token = self._cookie("csrftoken") or ""
        consented = self.journal["consent"] == "all"
        for name, expect in (("events", len(batch)), ("events resend", 0)):
            self._begin(name)
            with self._send("POST", "/api/events/", name=name, idempotent=True, json={"events": batch},
                            headers={"X-CSRFToken": token, "Referer": self._url("/")}) as response:
                if not consented:  # no consent: nothing is stored, and the API says so
                    if response.status_code != 403:
                        self._fail(response, f"{name} without consent: {response.status_code}")
                    else:
                        response.success()
                elif response.status_code != 201:
                    self._fail(response, f"{name}: {response.status_code}")
                else:
                    body = response.json()
                    if response.attempt and name == "events":  # the lost first attempt may have stored them
                        expect = body.get("accepted")
                    if body.get("accepted") != expect or body.get("duplicates") != len(batch) - expect:
                        self._fail(response, f"{name}: {body}")
                    elif name == "events":
                        self.journal["client_events"].extend({"key": e["key"], "type": e["type"]} for e in batch)
            self._done()


@events.test_start.add_listener
def _seed_shares(environment, **kwargs) -> None:
    """A first visitor who declined consent shares one design of each product, so that
    remixers have something to remix from the start. Their events must not be stored at all."""
    import requests

    host = environment.host.rstrip("/")
    session = requests.Session()
    journal = new_journal(0)
    try:
        for slug in PRODUCTS:
            page = Page(session.get(f"{host}/en/configure/{slug}/", timeout=60).text)
            if journal["consent"] is None:
                session.post(f"{host}/en/consent/", timeout=60,
                             data={"csrfmiddlewaretoken": page.csrf, "source": "banner", "choice": "necessary"},
                             headers={"HX-Request": "true", "X-CSRFToken": page.hx_csrf or ""}).raise_for_status()
                journal["consent"] = "necessary"
            saved = session.post(f"{host}/en/configure/{slug}/save/", allow_redirects=False, timeout=60,
                                 data={"csrfmiddlewaretoken": page.csrf, "name": "", "state": page.state})
            build = re.search(r"/designs/([0-9a-f-]{36})/$", saved.headers["Location"]).group(1)
            journal["saves"].append({"build": build, "update": False, "consent": "necessary"})
            journal["shopper"] = shopper_from_cookie(session.cookies.get("atelier_shopper", ""))
            build_page = Page(session.get(f"{host}/en/designs/{build}/", timeout=60).text)
            shared = session.post(f"{host}/en/designs/{build}/share/", data={"csrfmiddlewaretoken": build_page.csrf},
                                  allow_redirects=False, timeout=60)
            code = re.search(r"/s/([A-Za-z0-9_-]+)/(?:\?lang=[a-z-]+)?$", shared.headers["Location"]).group(1)
            journal["shares"].append({"build": build, "code": code})
            SHARED.append({"code": code, "build": build, "user": 0})
    except (requests.RequestException, KeyError, AttributeError) as exc:
        journal["failures"] += 1
        print(f"seeding the shares failed: {exc!r}", flush=True)


@events.test_stopping.add_listener
def _stopping(environment, **kwargs) -> None:
    STOPPING.append(True)


@events.test_stop.add_listener
def _write_journals(environment, **kwargs) -> None:
    """The journals, and the request statistics once every user has stopped (Locust's own CSV
    files are last written when stopping begins, before the users' last steps end)."""
    with open(JOURNAL, "w") as out:
        for journal in JOURNALS:
            out.write(json.dumps(journal) + "\n")
    routes = [{
        "name": entry.name, "method": entry.method, "requests": entry.num_requests, "errors": entry.num_failures,
        **{f"p{p}": entry.get_response_time_percentile(p / 100) for p in (50, 95, 99)},
        "max": entry.max_response_time,
    } for entry in environment.stats.entries.values()]
    errors = [{"method": e.method, "name": e.name, "error": str(e.error), "occurrences": e.occurrences}
              for e in environment.stats.errors.values()]
    with open(JOURNAL + ".stats.json", "w") as out:
        json.dump({"routes": routes, "errors": errors}, out)

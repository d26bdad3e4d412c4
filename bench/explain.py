"""Which differences between the events stored and the events the shoppers were answered for a
stopped web node explains, and nothing else (bench/loadtest.py prints both; anything unexplained
fails the run). Pure: journals and differences in, counts out.

- "lost with a killed node's write-behind buffer": clicks' and share views' events are written
  behind (personalization/writebehind.py): the node answers first and writes them within
  ATELIER_EVENT_FLUSH_SECONDS. A node killed with SIGKILL loses what it still held, so only events
  of requests that node had received before it was killed and answered at most `window` seconds
  before (an answer can reach the client after the kill) may be missing. A graceful stop
  (SIGTERM) writes them: none may be missing then.
- "stored twice": a click or share view whose answer a killed node lost was sent again; the lost
  attempt may have been written too (each attempt's events get keys of their own).
- "a remix whose answer was lost": a remix is not sent again (not idempotent); it may have been
  made, with a build_remixed and a build_saved of a build no journal knows.
- "a consent whose answer was lost": it may have made a shopper no journal knows, with the choices
  made before consenting; the consent sent later attaches those choices under the same keys, which
  are then taken, so the journal's shopper may miss them.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

WRITTEN_BEHIND = ("option_selected", "option_removed", "text_personalized", "share_viewed")
LOST = "lost with a killed node's write-behind buffer"
TWICE = "stored twice (answer lost, sent again)"
REMIX = "a remix whose answer was lost"
CONSENT = "a consent whose answer was lost"


@dataclass
class Allowance:
    """What one shopper's journal lets differ."""

    lost: Counter = field(default_factory=Counter)  # events a killed node may not have written
    lost_ages: dict = field(default_factory=dict)  # item -> seconds between its answer and the kill
    twice: Counter = field(default_factory=Counter)  # events of requests sent again after a lost answer
    remixes: int = 0
    consents: int = 0
    before_consent: Counter = field(default_factory=Counter)


def allowance(journal: dict, kills: list[tuple[str, float]], window: float,
              items_of: Callable[[dict], list[tuple]]) -> Allowance:
    """`kills`: (node name, when it was killed in epoch seconds), a node may be killed more than
    once; `items_of(entry)`: the expected event items of a journaled click or share view."""
    killed = {node for node, _at in kills}
    allowed = Allowance()
    clicks = journal["clicks"]
    for index, entry in enumerate([*clicks, *journal["share_views"]]):
        items = items_of(entry)
        # The node did the work between the request's going out and its answer's coming in (which,
        # on a busy machine, can be well after the node died): its events may have been in the
        # buffer if that span reaches into the last `window` seconds before the kill.
        sent, answered = entry.get("sent", entry.get("at", 0)), entry.get("at", 0)
        ages = [at - answered for node, at in kills if node == entry.get("node") and sent <= at <= answered + window]
        age = ages[0] if ages else None
        if age is not None:
            allowed.lost.update(items)
            for item in items:
                allowed.lost_ages[item] = age
        if any(node in killed for node in entry.get("lost_from") or ()):
            allowed.twice.update(items)
        if index < len(clicks) and entry.get("consent") is None:
            allowed.before_consent.update(items)
    allowed.remixes = sum(1 for d in journal.get("in_doubt", ()) if d["name"] == "remix")
    allowed.consents = sum(1 for d in journal.get("in_doubt", ()) if d["name"] == "consent")
    return allowed


def explain(differences: list[tuple], journals: list[dict], kills: list[tuple[str, float]], window: float,
            items_of: Callable[[dict], list[tuple]]) -> tuple[Counter, list[tuple], list[float]]:
    """(events per reason explained, the differences left unexplained, the ages in seconds of the
    events lost with a killed node). `differences` as loadtest.compare gives them."""
    by_shopper = {j["shopper"]: j for j in journals if j["shopper"]}
    allowed = {s: allowance(j, kills, window, items_of) for s, j in by_shopper.items()}
    consents_in_doubt = sum(a.consents for a in allowed.values())
    unknown = {d[0] for d in differences if d[0] not in by_shopper}
    remixed: dict[str, set] = {}  # shopper -> builds of remixes in doubt taken so far
    explained: Counter = Counter()
    unexplained: list[tuple] = []
    ages: list[float] = []
    for shopper, label, item, n in differences:
        if shopper not in by_shopper:
            if label == "extra" and len(unknown) <= consents_in_doubt:
                explained[CONSENT] += n
            else:
                unexplained.append((shopper, label, item, n))
            continue
        mine = allowed[shopper]
        left = n
        if item[0] in WRITTEN_BEHIND:
            pool, reason = (mine.lost, LOST) if label == "missing" else (mine.twice, TWICE)
            taken = min(left, pool[item])
            pool[item] -= taken
            left -= taken
            explained[reason] += taken
            if reason == LOST and taken:
                ages += [mine.lost_ages[item]] * taken
            if left and label == "missing" and mine.consents:
                taken = min(left, mine.before_consent[item])
                mine.before_consent[item] -= taken
                left -= taken
                explained[CONSENT] += taken
        elif label == "extra" and item[0] in ("build_remixed", "build_saved") and mine.remixes:
            builds = remixed.setdefault(shopper, set())
            if item[1] in builds or len(builds) < mine.remixes:
                builds.add(item[1])
                explained[REMIX] += left
                left = 0
        if left:
            unexplained.append((shopper, label, item, left))
    return explained, unexplained, ages

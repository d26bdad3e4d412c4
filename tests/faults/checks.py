"""What the fault scripts look at afterwards: the health endpoint, and the database of the stack
(plain SQL on the throwaway cluster; the test process's own Django database is not involved)."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import requests

from tests.faults.load import Tally

HEALTH_TOKEN = "atelier-fault-scripts-health-token"


def health(address: str) -> tuple[int, dict]:
    """/health/ with its details (the stack's apps get ATELIER_HEALTH_TOKEN from base_env)."""
    response = requests.get(f"http://{address}/health/", headers={"Authorization": f"Bearer {HEALTH_TOKEN}"},
                            timeout=15)
    return response.status_code, response.json()


def event_counts(stack) -> Counter:
    return Counter(dict(stack.sql("SELECT type, count(*) FROM personalization_event GROUP BY type")))


def expected_events(tally: Tally) -> Counter:
    """The events the acknowledged answers of the load stand for."""
    return Counter({"option_selected": tally.clicks, "build_saved": len(tally.saves),
                    "build_shared": len(tally.shares), "order_placed": len(tally.orders)})


def missing_acknowledged(stack, tally: Tally) -> dict[str, int]:
    """Saves, shares and orders the load was told succeeded, but which the database lacks."""
    builds = {str(b) for (b,) in stack.sql("SELECT id FROM configurator_build")}
    shared = {str(b) for (b,) in stack.sql("SELECT id FROM configurator_build WHERE shared_at IS NOT NULL")}
    orders = {n for (n,) in stack.sql("SELECT number FROM configurator_order")}
    return {
        "saves": len(set(tally.saves) - builds),
        "shares": len(set(tally.shares) - shared),
        "orders": len(set(tally.orders) - orders),
    }


def stale_profiles(stack) -> int:
    """Consented shoppers whose profile is missing, older than their newest event, or has not
    counted all of their events (one that committed late, with a lower id)."""
    return stack.scalar("""
        SELECT count(*) FROM personalization_shopper s
        JOIN (SELECT shopper_id, max(id) AS newest, count(*) AS n FROM personalization_event
              GROUP BY shopper_id) e
          ON e.shopper_id = s.id
        LEFT JOIN personalization_profile p ON p.shopper_id = s.id
        WHERE s.personalization
          AND (p.shopper_id IS NULL OR p.last_event_id < e.newest OR p.event_count <> e.n)""")


def shares_without_cards(stack, languages: tuple[str, ...] = ("en", "nl")) -> int:
    """Shared builds lacking their own card (per language, and per name and price: the card shows
    them) in some language."""
    from types import SimpleNamespace

    from configurator.previews import social_card_variant

    cards = set(stack.sql("SELECT catalog_version_id, fingerprint, variant FROM configurator_renderedimage "
                          "WHERE kind = 'social'"))
    shares = stack.sql("SELECT catalog_version_id, fingerprint, name, total FROM configurator_build "
                       "WHERE shared_at IS NOT NULL")
    return sum(
        any((version, fingerprint, social_card_variant(build=SimpleNamespace(name=name, total=total),
                                                       language=language)) not in cards
            for language in languages)
        for version, fingerprint, name, total in shares
    )


def rollup_gap(stack) -> dict[str, tuple[int, int]]:
    """Per count, (what the everyone-rollups say, what the events say), for the counts that
    differ (the stack's database starts without events)."""
    rolled = stack.sql("""
        SELECT coalesce(sum(selections), 0), coalesce(sum(ordered), 0) FROM personalization_dailyrollup
        WHERE segment_id IS NULL""")[0]
    counted = stack.sql("""
        SELECT count(*) FILTER (WHERE type = 'option_selected'),
               count(DISTINCT shopper_id) FILTER (WHERE type = 'order_placed')
        FROM personalization_event WHERE product_id IS NOT NULL""")[0]
    names = ("selections", "ordering shoppers")
    return {n: (int(r), int(c)) for n, r, c in zip(names, rolled, counted, strict=True) if int(r) != int(c)}


def confirmations_sent(stack) -> Counter:
    """Order number -> how many confirmation e-mails went out (the stack writes each to a file)."""
    folder = Path(stack.apps.env["EMAIL_URL"].removeprefix("filemail:///"))
    sent: Counter = Counter()
    for path in folder.glob("*") if folder.exists() else ():
        sent.update(re.findall(r"^Subject: Your Atelier order (\S+)$", path.read_text(errors="replace"), re.MULTILINE))
    return sent

"""The bounded in-process store behind compiled catalogs and hot lookups."""

from unittest import mock

import pytest

from configurator.lru import LRU


def test_the_least_recently_used_entry_goes_first():
    store = LRU(2)
    store.get("a", lambda: 1)
    store.get("b", lambda: 2)
    store.get("a", lambda: 0)  # a is used again
    store.get("c", lambda: 3)  # b goes
    assert store.get("a", lambda: "made again") == 1
    assert store.get("b", lambda: "made again") == "made again"
    assert len(store) == 2


def test_entries_older_than_the_ttl_are_made_again():
    store = LRU(8, ttl=5)
    with mock.patch("configurator.lru.time.monotonic", return_value=100.0):
        assert store.get("k", lambda: "old") == "old"
    with mock.patch("configurator.lru.time.monotonic", return_value=104.9):
        assert store.get("k", lambda: "new") == "old"
    with mock.patch("configurator.lru.time.monotonic", return_value=105.0):
        assert store.get("k", lambda: "new") == "new"


def test_a_failing_maker_stores_nothing():
    store = LRU(4)

    def boom():
        raise LookupError

    with pytest.raises(LookupError):
        store.get("k", boom)
    assert store.get("k", lambda: "made") == "made"


def test_discard_and_clear():
    store = LRU(4)
    store.get("a", lambda: 1)
    store.get("b", lambda: 2)
    store.discard("a")
    store.discard("missing")
    assert store.get("a", lambda: 9) == 9
    store.clear()
    assert len(store) == 0

"""A bounded, thread-safe, process-local store: least recently used entries go first, and with
a `ttl` entries older than that many seconds are made again."""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

V = TypeVar("V")


class LRU(Generic[V]):
    def __init__(self, size: int, ttl: float | None = None) -> None:
        self._items: OrderedDict[Hashable, tuple[float, V]] = OrderedDict()
        self._lock = threading.Lock()
        self._size = size
        self._ttl = ttl

    def get(self, key: Hashable, make: Callable[[], V]) -> V:
        """The stored value, or `make()`'s, stored. `make` runs outside the lock: two threads
        that miss at once both make it, and the last one stays (values for a key are equal)."""
        now = time.monotonic()
        with self._lock:
            entry = self._items.get(key)
            if entry is not None and (self._ttl is None or now - entry[0] < self._ttl):
                self._items.move_to_end(key)
                return entry[1]
        value = make()
        with self._lock:
            self._items[key] = (now, value)
            self._items.move_to_end(key)
            while len(self._items) > self._size:
                self._items.popitem(last=False)
        return value

    def peek(self, key: Hashable) -> V | None:
        """The stored value (still fresh), or None; makes nothing."""
        with self._lock:
            entry = self._items.get(key)
            if entry is None or (self._ttl is not None and time.monotonic() - entry[0] >= self._ttl):
                return None
            self._items.move_to_end(key)
            return entry[1]

    def add(self, key: Hashable, value: V) -> bool:
        """Store `value` unless a fresh one is there; True if it was stored (the key was new)."""
        with self._lock:
            entry = self._items.get(key)
            now = time.monotonic()
            if entry is not None and (self._ttl is None or now - entry[0] < self._ttl):
                return False
            self._items[key] = (now, value)
            self._items.move_to_end(key)
            while len(self._items) > self._size:
                self._items.popitem(last=False)
            return True

    def discard(self, key: Hashable) -> None:
        with self._lock:
            self._items.pop(key, None)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()

    def __len__(self) -> int:
        return len(self._items)

"""Profiles: recomputed from a shopper's events by the scoring core (to be built: see issue #4 §4)."""

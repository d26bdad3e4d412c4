"""Celery tasks of personalization, one module per concern (Celery autodiscovers this package)."""

from .profiles import profile_recompute, profile_refresh_soon

__all__ = ["profile_recompute", "profile_refresh_soon"]

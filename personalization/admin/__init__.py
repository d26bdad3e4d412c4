"""Staff screens of personalization, one module per concern."""

from . import motivations, profiles, reports, segments, shoppers  # noqa: F401

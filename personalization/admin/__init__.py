"""Staff screens of personalization, one module per concern."""

from . import evaluations, mailings, motivations, profiles, reports, segments, shoppers  # noqa: F401

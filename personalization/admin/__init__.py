"""Staff screens of personalization, one module per concern."""

from . import audience, evaluations, mailings, motivations, profiles, reports, segments, shoppers  # noqa: F401

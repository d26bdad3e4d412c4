"""Social cards a share could not queue: sharing commits even while Redis (the broker) is away,
so a periodic sweep (beat: configurator.social_cards_sweep) renders the cards of recent shares
that have none yet. Rendering replaces a cached file, so racing the share's own task is harmless."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from configurator.models import Build, BuildStatus, ImageKind, RenderedImage
from configurator.previews import social_card_fetch, social_card_variant

# Shares older than this are left to the reader, who renders a missing card on its first request.
SWEEP_WINDOW = timedelta(days=2)
# A share this fresh is still being rendered by its own task: the sweep leaves it alone.
SETTLE = timedelta(seconds=15)


def social_cards_missing(*, within: timedelta = SWEEP_WINDOW, limit: int = 200) -> list[tuple[Build, str]]:
    """(build, language) of recently shared builds without their card, oldest share first."""
    now = timezone.now()
    builds = list(
        Build.objects.exclude(status=BuildStatus.DRAFT)
        .filter(shared_at__gte=now - within, shared_at__lte=now - SETTLE)
        .order_by("shared_at")[: limit * 4]
    )
    if not builds:
        return []
    have = set(
        RenderedImage.objects.filter(
            kind=ImageKind.SOCIAL, catalog_version_id__in={b.catalog_version_id for b in builds},
            fingerprint__in={b.fingerprint for b in builds},
        ).values_list("catalog_version_id", "fingerprint", "variant")
    )
    missing = []
    for build in builds:
        for language, _name in settings.LANGUAGES:
            if (build.catalog_version_id, build.fingerprint, social_card_variant(build=build, language=language)) not in have:
                missing.append((build, language))
    return missing[:limit]


def social_cards_sweep(*, within: timedelta = SWEEP_WINDOW, limit: int = 200) -> int:
    """Render the missing cards of recent shares (at most `limit`; the next run takes the rest).
    Returns how many were rendered."""
    missing = social_cards_missing(within=within, limit=limit)
    for build, language in missing:
        social_card_fetch(build=build, language=language)
    return len(missing)

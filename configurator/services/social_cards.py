"""Social cards a share could not queue: sharing commits even while Redis (the broker) is away,
so a periodic sweep (beat: configurator.social_cards_sweep) renders the cards of recent shares
that have none yet. Racing the share's own task is harmless: the cache row then points at
whichever file was stored last, and no file is replaced under a reader."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from configurator.models import Build, BuildStatus, ImageKind, RenderedImage
from configurator.previews import RenderUnavailable, social_card_fetch, social_card_variant

# Shares older than this are left to the reader, who renders a missing card on its first request.
SWEEP_WINDOW = timedelta(days=2)
# A share this fresh is still being rendered by its own task: the sweep leaves it alone.
SETTLE = timedelta(seconds=15)


def social_cards_missing(*, within: timedelta = SWEEP_WINDOW, limit: int = 200,
                         chunk: int = 500) -> list[tuple[Build, str]]:
    """(build, language) of recently shared builds without their card, newest share first: the
    whole window is walked in chunks (one query for the cards of each), so however many shares
    already have their cards, one that lacks them is found."""
    now = timezone.now()
    shares = (Build.objects.exclude(status=BuildStatus.DRAFT)
              .filter(shared_at__gte=now - within, shared_at__lte=now - SETTLE).order_by("-shared_at", "-pk"))
    missing: list[tuple[Build, str]] = []
    offset = 0
    while len(missing) < limit:
        builds = list(shares[offset:offset + chunk])
        if not builds:
            break
        offset += chunk
        have = set(
            RenderedImage.objects.filter(
                kind=ImageKind.SOCIAL, catalog_version_id__in={b.catalog_version_id for b in builds},
                fingerprint__in={b.fingerprint for b in builds},
            ).values_list("catalog_version_id", "fingerprint", "variant")
        )
        for build in builds:
            for language, _name in settings.LANGUAGES:
                variant = social_card_variant(build=build, language=language)
                if (build.catalog_version_id, build.fingerprint, variant) not in have:
                    missing.append((build, language))
    return missing[:limit]


def social_cards_sweep(*, within: timedelta = SWEEP_WINDOW, limit: int = 200) -> int:
    """Render the missing cards of recent shares (at most `limit`; the next run takes the rest).
    Returns how many were rendered. Storage that cannot take them stops the run (the next one,
    or a reader, renders the rest)."""
    rendered = 0
    for build, language in social_cards_missing(within=within, limit=limit):
        try:
            social_card_fetch(build=build, language=language)
        except RenderUnavailable:
            break
        rendered += 1
    return rendered

"""The beat sweep that renders the social cards a share could not queue (the broker was away)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from configurator.models import Build, ImageKind, RenderedImage
from configurator.services import build_save, build_share
from configurator.services.social_cards import SETTLE, social_cards_sweep
from configurator.tasks import social_cards_sweep as social_cards_sweep_task

pytestmark = pytest.mark.django_db


def _shared(car, owner, *, ago: timedelta, name: str = "Mine") -> Build:
    build = build_share(build=build_save(product=car, selections={}, owner=owner, name=name), owner=owner)
    Build.objects.filter(pk=build.pk).update(shared_at=timezone.now() - ago)
    return build


def test_a_share_whose_render_was_never_queued_gets_its_cards(car, owner):
    _shared(car, owner, ago=SETTLE + timedelta(seconds=1))
    assert social_cards_sweep() == 2  # one card per language
    assert RenderedImage.objects.filter(kind=ImageKind.SOCIAL).count() == 2
    assert social_cards_sweep() == 0  # nothing left to do: a repeated run renders nothing


def test_the_task_calls_the_sweep(car, owner):
    _shared(car, owner, ago=SETTLE + timedelta(seconds=1))
    assert social_cards_sweep_task() == {"rendered": 2}


def test_fresh_shares_and_old_ones_are_left_alone(car, owner):
    _shared(car, owner, ago=timedelta(seconds=1), name="Fresh")  # its own task is on it
    _shared(car, owner, ago=timedelta(days=3), name="Old")  # a reader renders it on a miss
    assert social_cards_sweep() == 0



def test_a_share_without_cards_is_found_behind_any_number_with_them(car, owner):
    """More shares with their cards than a chunk holds, older and newer than the one without:
    the sweep walks the whole window (it once looked only at a fixed number of the oldest)."""
    from configurator.previews import social_card_fetch
    from configurator.services.social_cards import social_cards_missing

    done = [_shared(car, owner, ago=timedelta(minutes=m), name=f"Done {m}") for m in (1, 2, 4, 5, 6, 7, 8)]
    for build in done:
        for language in ("en", "nl"):
            social_card_fetch(build=build, language=language)
    lacking = _shared(car, owner, ago=timedelta(minutes=3), name="Lacking")
    assert [(b.pk, lang) for b, lang in social_cards_missing(limit=2, chunk=2)] == [(lacking.pk, "en"), (lacking.pk, "nl")]
    assert social_cards_missing(limit=1, chunk=2)[0][0].pk == lacking.pk
    assert social_cards_sweep() == 2 and social_cards_missing() == []

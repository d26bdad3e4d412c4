"""The word lists' defaults, reports of shared designs, and hiding a design from the public."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction
from django.utils import timezone

from configurator.models import AllowedWord, BlockedWord, Build, DesignReport, ReportReason, ReportStatus, WordMatch
from configurator.moderation.defaults import default_allowed, default_blocked
from configurator.personal_text import forget_blocked_words

REPORT_DETAILS_MAX = 1000


class ReportRefused(Exception):
    """The design cannot be reported (it is not public, or it is already hidden)."""


@transaction.atomic
def word_lists_seed() -> tuple[int, int]:
    """Add the default blocked and allowed words that are missing (idempotent). Words staff
    edited keep their edits; to let a default word through, staff add it as an exception rather
    than delete it (a deleted one comes back with the next seed). Returns (blocked, allowed) added."""
    known = set(BlockedWord.objects.values_list("word", flat=True))
    blocked = [
        BlockedWord(word=w.word, language=w.language, match=WordMatch.PART if w.part else WordMatch.WORD,
                    is_default=True, note=w.note[:200])
        for w in default_blocked() if w.word not in known
    ]
    known = set(AllowedWord.objects.values_list("word", flat=True))
    allowed = [
        AllowedWord(word=w.word, language=w.language, is_default=True, note=w.note[:200])
        for w in default_allowed() if w.word not in known
    ]
    BlockedWord.objects.bulk_create(blocked, ignore_conflicts=True)
    AllowedWord.objects.bulk_create(allowed, ignore_conflicts=True)
    transaction.on_commit(forget_blocked_words)  # bulk_create sends no post_save
    return len(blocked), len(allowed)


def design_report(*, build: Build, reason: str, details: str = "", language: str = "") -> DesignReport:
    """A visitor's report of a shared design, for staff to look at in admin."""
    if build.shared_at is None or build.is_hidden:
        raise ReportRefused()
    if reason not in ReportReason.values:
        raise ValueError(f"unknown report reason {reason!r}")
    return DesignReport.objects.create(
        build=build, reason=reason, details=details.strip()[:REPORT_DETAILS_MAX], language=language[:8],
    )


@transaction.atomic
def build_hide(*, build: Build) -> Build:
    """Take a shared design away from the public: its page, card and API answer 410 to everyone
    but its owner. Its open reports are closed as handled."""
    now = timezone.now()
    Build.objects.filter(pk=build.pk, hidden_at__isnull=True).update(hidden_at=now)
    DesignReport.objects.filter(build=build, status=ReportStatus.OPEN).update(
        status=ReportStatus.HIDDEN, handled_at=now,
    )
    build.refresh_from_db(fields=["hidden_at"])
    return build


@transaction.atomic
def build_unhide(*, build: Build) -> Build:
    Build.objects.filter(pk=build.pk).update(hidden_at=None)
    build.refresh_from_db(fields=["hidden_at"])
    return build


def reports_dismiss(*, reports: Iterable[DesignReport]) -> int:
    """Close reports without hiding anything (the design is fine)."""
    ids = [report.pk for report in reports]
    return DesignReport.objects.filter(pk__in=ids, status=ReportStatus.OPEN).update(
        status=ReportStatus.DISMISSED, handled_at=timezone.now(),
    )

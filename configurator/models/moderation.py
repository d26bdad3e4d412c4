"""What personal text may say, and what shoppers tell us about shared designs.

The word lists are data for the pure matcher in configurator.moderation.matching: staff edit
them here, `seed_demo` fills them with the default lists (configurator/moderation/data/)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class WordLanguage(models.TextChoices):
    ANY = "", _("any language")
    EN = "en", _("English")
    NL = "nl", _("Dutch")


class WordMatch(models.TextChoices):
    WORD = "word", _("as a whole word")
    PART = "part", _("also inside longer words")


class BlockedWord(models.Model):
    """A word or phrase refused in personal text (badges, heel text, monograms), also in disguise
    (SH1T, F.U.C.K, FUUUCK). Every word is refused whatever the shopper's language: the language
    only says which list it belongs to."""

    word = models.CharField(_("word"), max_length=60, unique=True)
    language = models.CharField(_("language"), max_length=2, blank=True, choices=WordLanguage.choices, default="")
    match = models.CharField(
        _("match"), max_length=4, choices=WordMatch.choices, default=WordMatch.WORD,
        help_text=_("Whole words only is the safe choice: 'also inside longer words' refuses every word that "
                    "contains it (the Scunthorpe problem), so keep it for words no innocent word contains."),
    )
    is_default = models.BooleanField(_("from the default list"), default=False, editable=False)
    note = models.CharField(_("note"), max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["word"]
        verbose_name = _("blocked word")
        verbose_name_plural = _("blocked words")

    def __str__(self) -> str:
        return self.word


class AllowedWord(models.Model):
    """An exception: a word or phrase accepted even when it looks like a blocked one (LULL, a
    place name, CUM LAUDE). It wins over every blocked word."""

    word = models.CharField(_("word"), max_length=60, unique=True)
    language = models.CharField(_("language"), max_length=2, blank=True, choices=WordLanguage.choices, default="")
    is_default = models.BooleanField(_("from the default list"), default=False, editable=False)
    note = models.CharField(_("note"), max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["word"]
        verbose_name = _("allowed word (exception)")
        verbose_name_plural = _("allowed words (exceptions)")

    def __str__(self) -> str:
        return self.word


class ReportReason(models.TextChoices):
    OFFENSIVE = "offensive", _("Offensive or rude")
    HATEFUL = "hateful", _("Hateful or discriminating")
    SEXUAL = "sexual", _("Sexual")
    PERSONAL = "personal", _("Someone's personal details")
    OTHER = "other", _("Something else")


class ReportStatus(models.TextChoices):
    OPEN = "open", _("Open")
    HIDDEN = "hidden", _("Design hidden")
    DISMISSED = "dismissed", _("Dismissed")


class DesignReport(models.Model):
    """A visitor's report of a shared design. Nothing identifies the reporter: the rate limit
    (ratelimits "report") is what keeps one person from flooding staff."""

    build = models.ForeignKey("configurator.Build", on_delete=models.CASCADE, related_name="reports",
                              verbose_name=_("design"))
    reason = models.CharField(_("reason"), max_length=10, choices=ReportReason.choices)
    details = models.TextField(_("details"), max_length=1000, blank=True)
    language = models.CharField(_("language"), max_length=8, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=ReportStatus.choices, default=ReportStatus.OPEN)
    created_at = models.DateTimeField(_("reported"), auto_now_add=True)
    handled_at = models.DateTimeField(_("handled"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["status", "-created_at"], name="report_status_recent")]
        verbose_name = _("design report")
        verbose_name_plural = _("design reports")

    def __str__(self) -> str:
        return f"{self.get_reason_display()} · {self.build_id}"

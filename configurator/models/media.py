"""Rendered images are cache rows: one per (catalog version, fingerprint, kind). Rendering again
replaces the file, so a replayed task is harmless; a reader that misses renders it itself."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class ImageKind(models.TextChoices):
    PREVIEW = "preview", _("Preview")
    SOCIAL = "social", _("Social card")


class RenderedImage(models.Model):
    catalog_version = models.ForeignKey(
        "configurator.CatalogVersion", on_delete=models.CASCADE, related_name="rendered_images"
    )
    fingerprint = models.CharField(_("fingerprint"), max_length=64)
    kind = models.CharField(_("kind"), max_length=10, choices=ImageKind.choices)
    variant = models.CharField(_("variant"), max_length=40, blank=True, help_text=_("e.g. the language of a card"))
    file = models.FileField(_("file"), upload_to="rendered/")
    width = models.PositiveSmallIntegerField()
    height = models.PositiveSmallIntegerField()
    created_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["catalog_version", "fingerprint", "kind", "variant"], name="unique_rendered_image"
            ),
        ]
        verbose_name = _("rendered image")
        verbose_name_plural = _("rendered images")

    def __str__(self) -> str:
        return f"{self.kind} {self.fingerprint[:8]} v{self.catalog_version_id}"


class BlockedWord(models.Model):
    """Words refused in personal text (badges, heel text, monograms), checked before save and order."""

    word = models.CharField(_("word"), max_length=60, unique=True)
    note = models.CharField(_("note"), max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["word"]
        verbose_name = _("blocked word")
        verbose_name_plural = _("blocked words")

    def __str__(self) -> str:
        return self.word

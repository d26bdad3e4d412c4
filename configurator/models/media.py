"""Rendered images are cache rows: one per (catalog version, fingerprint, kind, view, variant). Rendering again
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
    view = models.CharField(_("view"), max_length=40, blank=True, help_text=_("the product view of a preview"))
    variant = models.CharField(_("variant"), max_length=40, blank=True, help_text=_("e.g. the language of a card"))
    file = models.FileField(_("file"), upload_to="rendered/")
    width = models.PositiveSmallIntegerField()
    height = models.PositiveSmallIntegerField()
    # Despite its name, when the render was last drawn or served (to the hour): the render quota
    # evicts the least recently used first (configurator.services.renders).
    created_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["catalog_version", "fingerprint", "kind", "view", "variant"], name="unique_rendered_view"
            ),
        ]
        verbose_name = _("rendered image")
        verbose_name_plural = _("rendered images")

    def __str__(self) -> str:
        return f"{self.kind} {self.fingerprint[:8]} v{self.catalog_version_id}"


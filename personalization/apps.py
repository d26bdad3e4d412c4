from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PersonalizationConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "personalization"
    verbose_name = _("Personalization")

    def ready(self) -> None:
        from personalization import package_tags, receivers  # noqa: F401  (connect to configurator's signals)

"""`python manage.py seed_demo`: create or update the demo catalog and publish it (idempotent)."""

from django.core.management.base import BaseCommand, CommandError

from configurator.demo.seed import demo_seed
from configurator.services.catalog import CatalogNotPublishable
from configurator.services.moderation import word_lists_seed


class Command(BaseCommand):
    help = ("Create or update the three demo products (city car, sneaker, trench coat) and publish them; "
            "add the default blocked and allowed words.")

    def handle(self, *args, **options) -> None:
        try:
            versions = demo_seed(stdout=self.stdout)
        except CatalogNotPublishable as exc:
            details = "; ".join(f"{f.code} {f.rule or f.option or ''}".strip() for f in exc.findings)
            raise CommandError(f"The demo catalog cannot be published: {details}") from exc
        self.stdout.write(self.style.SUCCESS(f"Demo catalog ready: {len(versions)} products."))
        blocked, allowed = word_lists_seed()
        self.stdout.write(f"Word lists: {blocked} blocked and {allowed} allowed default words added.")

"""`python manage.py seed_targeting`: the demo's segments and motivation-by-message experiment
(idempotent; after seed_personalization, before simulate_shoppers)."""

from django.core.management.base import BaseCommand

from personalization.demo import targeting_seed
from personalization.services.segments import segment_materialize


class Command(BaseCommand):
    help = "Seed the demo segments and a running motivation-by-message experiment (idempotent)."

    def handle(self, *args, **options) -> None:
        from personalization.models import Segment

        created = targeting_seed()
        for segment in Segment.objects.filter(active=True):
            segment_materialize(segment=segment)
        self.stdout.write(self.style.SUCCESS(
            f"{created['segments']} segments and {created['campaigns']} experiment created."))

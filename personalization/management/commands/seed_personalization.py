"""`python manage.py seed_personalization`: the six motivations and map v1 from the demo
catalog's tags (idempotent; run it after seed_demo)."""

from django.core.management.base import BaseCommand

from personalization.models import Motivation, MotivationWeight
from personalization.services.motivations import motivation_map_seed


class Command(BaseCommand):
    help = "Seed the motivation taxonomy and the motivation map from the demo catalog's tags (idempotent)."

    def handle(self, *args, **options) -> None:
        current = motivation_map_seed()
        weights = MotivationWeight.objects.filter(map=current).count()
        products = MotivationWeight.objects.filter(map=current).values("product").distinct().count()
        self.stdout.write(self.style.SUCCESS(
            f"{Motivation.objects.count()} motivations; current map v{current.version}: "
            f"{weights} weights over {products} products."
        ))
        if not products:
            self.stdout.write(self.style.WARNING("No demo products found: run seed_demo first, then this again."))

"""`python manage.py evaluate_motivations`: the motivation reading's accuracy against the
Bayes-optimal ceiling on simulated shoppers (see personalization/services/evaluation.py)."""

from __future__ import annotations

import json
import logging
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from personalization.evaluation.report import markdown
from personalization.services.evaluation import EvaluationSettings, motivations_evaluate


class Command(BaseCommand):
    help = ("Simulate shoppers whose main motivation is known, with a deliberately roughly-right staff map, and "
            "report accuracy, macro-F1, mix bias and calibration against the Bayes-optimal ceiling, before and after "
            "the map-learning job. Adds shoppers and map versions: use a database made for it.")

    def add_arguments(self, parser: CommandParser) -> None:
        d = EvaluationSettings()
        parser.add_argument("--shoppers", type=int, default=d.shoppers)
        parser.add_argument("--seed", type=int, default=d.seed)
        parser.add_argument("--sigma", type=float, default=d.sigma, help="Lognormal noise on the staff map's weights.")
        parser.add_argument("--drop", type=float, default=d.drop, help="Share of the tags dropped from the staff map.")
        parser.add_argument("--wrong", type=int, default=d.wrong, help="Wrong tags added to the staff map.")
        parser.add_argument("--samples", type=int, default=d.samples, help="Prior samples per motivation (ceiling).")
        parser.add_argument("--iterations", type=int, default=d.iterations, help="EM iterations of the learning job.")
        parser.add_argument("--markdown", type=Path, help="Also write the report as Markdown to this file.")
        parser.add_argument("--json", type=Path, help="Also write the results as JSON to this file.")

    def handle(self, *args, **options) -> None:
        if options["shoppers"] < 10 or not 0 <= options["drop"] < 1 or options["sigma"] < 0 or options["wrong"] < 0:
            raise CommandError("Use at least 10 shoppers, 0 <= drop < 1, sigma >= 0 and wrong >= 0.")
        settings = EvaluationSettings(**{k: options[k] for k in EvaluationSettings.__dataclass_fields__
                                         if k in options and k != "timing_runs"})
        logging.getLogger("celery.app.trace").setLevel(logging.WARNING)
        try:
            results = motivations_evaluate(settings=settings, say=lambda text: self.stderr.write(text))
        except LookupError as exc:
            raise CommandError(str(exc)) from exc
        text = markdown(results)
        self.stdout.write(text)
        if options["markdown"]:
            options["markdown"].write_text(text)
        if options["json"]:
            options["json"].write_text(json.dumps(results, indent=1, default=str))

"""`python manage.py simulate_shoppers --shoppers N`: synthetic, motivation-biased shoppers
through the real services, so the reports have something to show (see personalization/simulate.py)."""

from __future__ import annotations

import logging
import sys

from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from personalization.simulate import Report, simulate, simulated_shoppers_exist


def _positive(value: str) -> int:
    number = int(value)
    if number < 1:
        raise ValueError(value)
    return number


class Command(BaseCommand):
    help = ("Play N simulated shoppers (motivation-biased clicks, consent, saves, shares, remixes, orders) "
            "through the real services, spread over the last D days; then recompute their profiles and the "
            "report rollups. Every run adds new shoppers.")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--shoppers", type=_positive, default=100, help="How many shoppers (default 100).")
        parser.add_argument("--seed", type=int, default=None, help="Fix the shoppers' behaviour (ids stay new).")
        parser.add_argument("--days", type=_positive, default=60, help="Spread the visits over the last D days (default 60).")
        parser.add_argument("--if-empty", action="store_true",
                            help="Do nothing when simulated shoppers exist already (for `make run`).")
        parser.add_argument("--no-progress", action="store_true", help="No progress bar.")

    def handle(self, *args, **options) -> None:
        if options["if_empty"] and simulated_shoppers_exist():
            self.stdout.write("Simulated shoppers exist already: nothing to do.")
            return
        quiet = options["no_progress"] or options["verbosity"] < 1
        # In-process tasks (make run) would log a line per profile, card and e-mail: too chatty.
        trace = logging.getLogger("celery.app.trace")
        level = trace.level
        trace.setLevel(max(level, logging.WARNING))
        try:
            report = self._simulate(options, quiet)
        finally:
            trace.setLevel(level)
        self._summary(report)

    def _simulate(self, options: dict, quiet: bool) -> Report:
        with tqdm(total=options["shoppers"], desc="Simulating shoppers", unit="shopper", file=sys.stderr,
                  disable=quiet or None, leave=False) as bar:
            try:
                report = simulate(shoppers=options["shoppers"], seed=options["seed"], days=options["days"],
                                  progress=bar.update)
            except LookupError as exc:
                raise CommandError(str(exc)) from exc
        return report

    def _summary(self, report: Report) -> None:
        counts = report.counts
        self.stdout.write(self.style.SUCCESS(
            f"Simulated {report.shoppers} shoppers ({report.consented} consented): {report.events} events, "
            f"{counts['saved']} saves, {counts['shared']} shares, {counts['viewed']} share views, "
            f"{counts['remixed']} remixes, {counts['ordered']} orders."
        ))
        if counts["skipped"]:
            self.stdout.write(self.style.WARNING(f"{counts['skipped']} shoppers skipped (see the log)."))

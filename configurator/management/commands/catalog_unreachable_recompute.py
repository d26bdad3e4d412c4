"""`python manage.py catalog_unreachable_recompute [--product SLUG ...] [--dry-run]`: recompute the
unreachable options stored with every published catalog version by the current, exact method
(configurator/services/unreachable.py), and say per version what changed. Idempotent."""

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from configurator.findings import unreachable_recomputed_message
from configurator.models import CatalogVersion, Product
from configurator.services.unreachable import version_unreachable_recompute


class Command(BaseCommand):
    help = ("Recompute the unreachable options stored with published catalog versions by the current, exact "
            "method, and report what changed. Restart the web processes and workers afterwards: each keeps "
            "the versions it has compiled.")

    def add_arguments(self, parser) -> None:
        parser.add_argument("--product", action="append", default=[], metavar="SLUG",
                            help="Only this product's versions (may be given more than once).")
        parser.add_argument("--dry-run", action="store_true", help="Report what would change; store nothing.")

    def handle(self, *args, product: list[str], dry_run: bool, **options) -> None:
        unknown = set(product) - set(Product.objects.filter(slug__in=product).values_list("slug", flat=True))
        if unknown:
            raise CommandError(_("There is no product “%(slug)s”.") % {"slug": ", ".join(sorted(unknown))})
        versions = CatalogVersion.objects.select_related("product").defer("snapshot").order_by("product__slug", "number")
        if product:
            versions = versions.filter(product__slug__in=product)
        changed = count = 0
        for version in versions.iterator(chunk_size=100):
            result = version_unreachable_recompute(version=version, dry_run=dry_run)
            changed += result.changed
            count += 1
            self.stdout.write(unreachable_recomputed_message(result))
        summary = _("%(changed)s of %(count)s versions would change (dry run: nothing stored).") if dry_run else _(
            "%(changed)s of %(count)s versions changed.")
        self.stdout.write(self.style.SUCCESS(summary % {"changed": changed, "count": count}))

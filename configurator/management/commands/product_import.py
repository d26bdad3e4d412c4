"""`python manage.py product_import PATH [--dry-run]`: create or update a product from a package
(a folder or a .zip) as a draft. Every problem is printed with its place; exit status 1 then."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from configurator.packages.errors import PackageInvalid
from configurator.packages.reader import read_package
from configurator.services.packages import PackageImport, product_package_import


def summary(result: PackageImport) -> str:
    """Counts by row kind (the kinds are the models' own names: views, steps, options, ...)."""
    counts = ", ".join(f"{n} {what}" for what, n in result.counts.items() if what != "products") or "—"
    text = _("%(counts)s written; %(files)s new images stored") % {"counts": counts, "files": result.files_stored}
    if result.removed:
        text += "; " + _("removed: %(removed)s") % {
            "removed": ", ".join(f"{n} {what}" for what, n in result.removed.items())}
    return text


class Command(BaseCommand):
    help = "Create or update a product from a product package (a folder or a .zip) as an unpublished draft."

    def add_arguments(self, parser) -> None:
        parser.add_argument("path", help="The package folder, or a .zip of it.")
        parser.add_argument("--dry-run", action="store_true", help="Check the package only; write nothing.")

    def handle(self, *args, path: str, dry_run: bool, **options) -> None:
        try:
            result = product_package_import(files=read_package(Path(path)), dry_run=dry_run)
        except PackageInvalid as exc:
            for error in exc.errors:
                self.stderr.write(str(error))
            raise CommandError(_("The package was refused: %(count)s problem(s); nothing was written.") % {
                "count": len(exc.errors)}) from exc
        slug = result.product.slug
        if dry_run:
            message = (_("%(slug)s: the package is valid; the product would be created (dry run).") if result.created
                       else _("%(slug)s: the package is valid; the product would be updated (dry run)."))
            self.stdout.write(self.style.SUCCESS(message % {"slug": slug}))
            return
        self.stdout.write(f"{slug}: {summary(result)}.")
        message = (_("%(slug)s: draft created. Shoppers see it once it is published.") if result.created
                   else _("%(slug)s: draft updated. Shoppers keep seeing the published version until you publish."))
        self.stdout.write(self.style.SUCCESS(message % {"slug": slug}))

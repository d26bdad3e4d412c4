"""`python manage.py product_export SLUG PATH`: write a product's live catalog as a package, to a
folder, or to a zip file when PATH ends in .zip."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from configurator.models import Product
from configurator.packages.errors import PackageInvalid
from configurator.packages.export import package_write
from configurator.services.packages import product_package_export


class Command(BaseCommand):
    help = "Write a product's live (draft) catalog as a product package: a folder, or a .zip by PATH's extension."

    def add_arguments(self, parser) -> None:
        parser.add_argument("slug")
        parser.add_argument("path", help="A folder to write into, or a file name ending in .zip.")

    def handle(self, *args, slug: str, path: str, **options) -> None:
        product = Product.objects.filter(slug=slug).first()
        if product is None:
            raise CommandError(_("There is no product “%(slug)s”.") % {"slug": slug})
        target = Path(path)
        if target.suffix.lower() != ".zip" and target.exists() and (not target.is_dir() or any(target.iterdir())):
            raise CommandError(_("%(path)s is not an empty folder: export into a new folder, or to a .zip file.") % {
                "path": target})
        try:
            files = product_package_export(product=product)
        except PackageInvalid as exc:
            raise CommandError("; ".join(str(error) for error in exc.errors)) from exc
        package_write(files, target)
        size = sum(len(body) for body in files.values())
        self.stdout.write(self.style.SUCCESS(_("%(slug)s: %(count)s files (%(size)s KB) written to %(path)s.") % {
            "slug": slug, "count": len(files), "size": round(size / 1024), "path": target}))

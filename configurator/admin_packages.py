"""Product packages in the admin: an upload page that imports a package as a draft (showing every
problem with its place), and an action that downloads a product's package. Thin: the work is in
configurator.services.packages."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from configurator.packages.errors import PackageInvalid
from configurator.packages.export import package_zip
from configurator.packages.reader import read_zip
from configurator.services.packages import product_package_export, product_package_import

IMPORT_URL_NAME = "configurator_product_import_package"


class PackageUploadForm(forms.Form):
    package = forms.FileField(label=_("Package (.zip)"), help_text=_(
        "A zip of the package folder: catalog.yaml (or catalog.json) and its layer images."))
    dry_run = forms.BooleanField(label=_("Only check the package; write nothing"), required=False)

    def clean_package(self):
        upload = self.cleaned_data["package"]
        if not upload.name.lower().endswith(".zip"):
            raise forms.ValidationError(_("Upload the package as a .zip file."))
        limit = settings.ATELIER_PACKAGE_MAX_BYTES
        if upload.size > limit:
            raise forms.ValidationError(_("The package is larger than %(limit)s MB.") % {"limit": limit // 1024**2})
        return upload


class ProductPackageAdminMixin:
    """For ProductAdmin: the import page (linked from the product list) and the export action."""

    def get_urls(self):
        return [
            path("import-package/", self.admin_site.admin_view(self.import_package_view), name=IMPORT_URL_NAME),
            *super().get_urls(),
        ]

    def import_package_view(self, request: HttpRequest) -> HttpResponse:
        if not (self.has_add_permission(request) and self.has_change_permission(request)):
            raise PermissionDenied
        form = PackageUploadForm(request.POST or None, request.FILES or None)
        errors = []
        status = 200
        if request.method == "POST" and form.is_valid():
            upload = form.cleaned_data["package"]
            try:
                result = product_package_import(files=read_zip(upload, upload.size),
                                                 dry_run=form.cleaned_data["dry_run"])
            except PackageInvalid as exc:
                errors, status = exc.errors, 400
            else:
                return self._imported(request, result)
        elif request.method == "POST":
            status = 400
        context = {
            **self.admin_site.each_context(request), "opts": self.model._meta, "form": form, "errors": errors,
            "title": gettext("Import a product package"), "limits": _limits(),
        }
        return TemplateResponse(request, "admin/configurator/product/import_package.html", context, status=status)

    def _imported(self, request: HttpRequest, result) -> HttpResponse:
        slug = result.product.slug
        if result.dry_run:
            messages.success(request, gettext("The package of “%(slug)s” is valid. Nothing was written (a check only).")
                             % {"slug": slug})
            return HttpResponseRedirect(reverse(f"admin:{IMPORT_URL_NAME}"))
        url = reverse("admin:configurator_product_change", args=[result.product.pk])
        text = (gettext("Draft “%(slug)s” created from the package.") if result.created
                else gettext("Draft “%(slug)s” updated from the package.")) % {"slug": slug}
        messages.success(request, format_html(
            '{} <a href="{}">{}</a>', text, url,
            gettext("Open it to check the catalog, preview the draft and publish it.")))
        return HttpResponseRedirect(url)

    @admin.action(description=_("Export product package (.zip)"), permissions=["view"])
    def export_package(self, request: HttpRequest, queryset) -> HttpResponse | None:
        products = list(queryset[:2])
        if len(products) != 1:
            messages.warning(request, gettext("Choose one product to export at a time."))
            return None
        product = products[0]
        try:
            files = product_package_export(product=product)
        except PackageInvalid as exc:
            for error in exc.errors:
                messages.error(request, str(error))
            return None
        response = HttpResponse(package_zip(files), content_type="application/zip")
        response["Content-Disposition"] = f'attachment; filename="{product.slug}-package.zip"'
        return response


def _limits() -> dict[str, int]:
    return {
        "max_mb": settings.ATELIER_PACKAGE_MAX_BYTES // 1024**2,
        "max_files": settings.ATELIER_PACKAGE_MAX_FILES,
        "max_unpacked_mb": settings.ATELIER_PACKAGE_MAX_UNPACKED_BYTES // 1024**2,
        "max_pixels": settings.ATELIER_PACKAGE_MAX_PIXELS,
    }

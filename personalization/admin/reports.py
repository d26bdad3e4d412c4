"""Motivation reports in the admin, at /admin/personalization/reports/.

The reports have no model of their own (a proxy or unmanaged model would need a migration), so
their URLs are added to the admin site's own, and an entry joins the Personalization section of
the admin index and sidebar. Staff only, with permission to view the rollups they read."""

from __future__ import annotations

import csv
from datetime import date, timedelta
from decimal import Decimal

from django import forms
from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from configurator.models import Product
from personalization import charts
from personalization.models import Segment
from personalization.reports import REPORTS, Filters, Report, report_build

PERMISSION = "personalization.view_dailyrollup"


class FiltersForm(forms.Form):
    product = forms.ModelChoiceField(Product.objects.all(), required=False, label=gettext_lazy("Product"),
                                     empty_label=gettext_lazy("All products"))
    start = forms.DateField(required=False, label=gettext_lazy("From"), widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(required=False, label=gettext_lazy("To"), widget=forms.DateInput(attrs={"type": "date"}))
    segment = forms.ModelChoiceField(Segment.objects.all(), required=False, label=gettext_lazy("Segment"),
                                     empty_label=gettext_lazy("Everyone"))

    EARLIEST = date(2000, 1, 1)

    def clean(self):
        data = super().clean()
        latest = date.today() + timedelta(days=366)
        for name in ("start", "end"):
            if data.get(name) and not self.EARLIEST <= data[name] <= latest:
                self.add_error(name, _("Choose a date between %(first)s and %(last)s.") % {
                    "first": self.EARLIEST.isoformat(), "last": latest.isoformat()})
        if data.get("start") and data.get("end") and data["start"] > data["end"]:
            raise forms.ValidationError(_("The start date must not be after the end date."))
        return data

    def filters(self) -> Filters:
        """The chosen filters; the defaults (the last 90 days, everyone) where none is valid."""
        default = Filters.default()
        data = self.cleaned_data if self.is_valid() else {}
        start: date = data.get("start") or default.start
        end: date = data.get("end") or max(default.end, start)
        product, segment = data.get("product"), data.get("segment")
        return Filters(start=start, end=end, product=product.pk if product else None,
                       segment=segment.pk if segment else None)


def _allowed(request: HttpRequest) -> None:
    if not request.user.has_perm(PERMISSION):
        raise PermissionDenied


def _report_or_404(slug: str) -> None:
    if slug not in REPORTS:
        raise Http404


def _context(request: HttpRequest, title: str) -> dict:
    return {**admin.site.each_context(request), "title": title, "reports": [
        {"slug": slug, "title": title, "url": reverse("admin:personalization_report", args=[slug])}
        for slug, (title, _fn) in REPORTS.items()
    ]}


def reports_index(request: HttpRequest) -> HttpResponse:
    _allowed(request)
    return render(request, "admin/personalization/reports/index.html", _context(request, _("Motivation reports")))


def _numeric(value) -> bool:
    return isinstance(value, int | float | Decimal) and not isinstance(value, bool)


def report_view(request: HttpRequest, slug: str) -> HttpResponse:
    _allowed(request)
    _report_or_404(slug)
    default = Filters.default()
    form = FiltersForm(request.GET or None, initial={"start": default.start, "end": default.end})
    report: Report = report_build(slug=slug, filters=form.filters())
    query = request.GET.urlencode()
    figures = [{"svg": charts.render(spec, f"chart-{i}"), "spec": spec} for i, spec in enumerate(report.charts)]
    csv_url = reverse("admin:personalization_report_csv", args=[slug])
    tables = [{"table": t, "rows": [[(v, _numeric(v)) for v in row] for row in t.rows],
               "csv": f"{csv_url}?{query + '&' if query else ''}table={t.slug}"} for t in report.tables]
    return render(request, "admin/personalization/reports/report.html", {
        **_context(request, report.title), "report": report, "form": form, "figures": figures, "tables": tables,
        "slug": slug,
    })


def report_csv(request: HttpRequest, slug: str) -> HttpResponse:
    """One table of a report as CSV, with the same filters (?table=<slug>, default the first)."""
    _allowed(request)
    _report_or_404(slug)
    report = report_build(slug=slug, filters=FiltersForm(request.GET or None).filters())
    wanted = request.GET.get("table")
    table = next((t for t in report.tables if t.slug == wanted), None) if wanted else report.tables[0]
    if table is None:
        raise Http404
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="atelier-{slug}-{table.slug}.csv"'
    writer = csv.writer(response)
    writer.writerow(table.headers)
    for row in table.rows:
        # A cell starting with = + - @ would be a formula in a spreadsheet ("" is in every string: not that).
        writer.writerow([f"'{v}" if isinstance(v, str) and v and v[0] in "=+-@" else v for v in row])
    return response


def report_urls() -> list:
    view = admin.site.admin_view
    return [
        path("personalization/reports/", view(reports_index), name="personalization_reports"),
        path("personalization/reports/<slug:slug>/", view(report_view), name="personalization_report"),
        path("personalization/reports/<slug:slug>/csv/", view(report_csv), name="personalization_report_csv"),
    ]


def _reports_entry(request: HttpRequest) -> dict:
    return {"model": None, "name": _("Motivation reports"), "object_name": "Reports", "perms": {"view": True},
            "admin_url": reverse("admin:personalization_reports"), "add_url": None, "view_only": True}


def _with_reports(get_app_list):
    def app_list(request: HttpRequest, app_label: str | None = None) -> list[dict]:
        apps = get_app_list(request, app_label)
        if app_label not in (None, "personalization") or not request.user.has_perm(PERMISSION):
            return apps
        section = next((a for a in apps if a["app_label"] == "personalization"), None)
        if section is None:
            section = {"name": _("Personalization"), "app_label": "personalization", "has_module_perms": True,
                       "app_url": reverse("admin:personalization_reports"), "models": []}
            apps = sorted([*apps, section], key=lambda a: str(a["name"]).lower())
        section["models"] = sorted([*section["models"], _reports_entry(request)], key=lambda m: str(m["name"]))
        return apps

    return app_list


def _install(site: admin.AdminSite) -> None:
    """Prepend the report URLs to the site's and list the reports on its index (once)."""
    if getattr(site, "_atelier_reports", False):
        return
    get_urls = site.get_urls
    site.get_urls = lambda: report_urls() + get_urls()
    site.get_app_list = _with_reports(site.get_app_list)
    site._atelier_reports = True


_install(admin.site)

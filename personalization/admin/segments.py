"""Segments (a rule builder, a live size preview, materialize, audience export) and campaigns
(with their lift report)."""

from __future__ import annotations

import csv
from typing import Any

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, StreamingHttpResponse
from django.shortcuts import get_object_or_404
from django.template.loader import render_to_string
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django_countries import countries

from configurator import jsonsafe
from configurator.admin_lookups import AtelierModelAdmin
from configurator.jsonsafe import SafeJSONFormField
from configurator.models import Product
from personalization.models import Campaign, EventType, Motivation, Placement, Purpose, Segment, Variant
from personalization.segments import (
    DEPTH_BANDS,
    KINDS,
    MAX_CONDITIONS,
    MAX_DEPTH,
    MAX_DEPTH_VALUE,
    RulesInvalid,
    rules_describe,
    rules_validate,
)
from personalization.services.campaigns import (
    campaign_allocation_refresh,
    campaign_lift,
    campaign_split_signature,
    safe_path,
)
from personalization.services.events import MAX_ID
from personalization.services.experiments import experiment_results, message_test
from personalization.services.segments import (
    SegmentNotExportable,
    rules_validate_known,
    segment_export_rows,
    segment_preview,
)
from personalization.tasks.segments import segment_materialize_soon


def _depth_bands() -> list[list[str]]:
    names = {"low": _("low"), "medium": _("medium"), "high": _("high")}
    return [[band, names[band]] for band in DEPTH_BANDS]


def _builder_options() -> dict[str, Any]:
    """What the rule builder offers in its menus. `kinds` lists the condition kinds in menu order
    (the legacy "score" last: "probability" reads the same)."""
    return {
        "kinds": [kind for kind in KINDS if kind != "score"] + ["score"],
        "depth_bands": _depth_bands(),
        "motivations": [[m.code, m.name_en] for m in Motivation.objects.filter(active=True)],
        "products": [[p.pk, p.name_en] for p in Product.objects.order_by("name_en")],
        "events": [[value, str(label)] for value, label in EventType.choices],
        "countries": [[code, str(name)] for code, name in countries],
        "languages": [[code, str(name)] for code, name in settings.LANGUAGES],
        "purposes": [[value, str(label)] for value, label in Purpose.choices],
        "limits": {"depth": MAX_DEPTH, "conditions": MAX_CONDITIONS, "depth_value": int(MAX_DEPTH_VALUE)},
        "labels": {
            "and": _("all of (AND)"), "or": _("any of (OR)"), "add_condition": _("Add condition"),
            "add_group": _("Add group"), "remove": _("Remove"), "match": _("Match"),
            "dominant": _("Dominant motivation is"), "score": _("Motivation score (legacy: probability)"),
            "probability": _("Probability of motivation"), "determined": _("Motivation determined"),
            "depth": _("Co-creation depth"), "depth_band": _("Co-creation depth band is"),
            "configured": _("Configured product"), "event_count": _("Event count"),
            "ordered": _("Has ordered"), "country": _("Country is one of"), "language": _("Language is"),
            "consent": _("Consented to"), "gte": "≥", "lte": "≤", "eq": "=", "days": _("in the last … days"),
            "yes": _("yes"), "no": _("no"), "everyone": _("No conditions: everyone with the purpose's consent."),
        },
    }


class RulesWidget(forms.Textarea):
    """The rules JSON in a textarea that segment_builder.js replaces with AND/OR groups of
    conditions (the textarea stays, hidden, as what the form posts; without JavaScript it shows)."""

    def render(self, name, value, attrs=None, renderer=None) -> str:
        textarea = super().render(name, value, {**(attrs or {}), "rows": 6, "class": "vLargeTextField segment-rules"},
                                  renderer)
        input_id = (attrs or {}).get("id", f"id_{name}")
        return render_to_string("admin/personalization/segment/rules_widget.html", {
            "textarea": textarea, "input_id": input_id, "options_id": f"{input_id}-options",
            "options": _builder_options(),
        })


class SegmentForm(forms.ModelForm):
    rules = SafeJSONFormField(required=False, widget=RulesWidget, help_text=gettext_lazy(
        "AND/OR groups of conditions. Members must also have consented to the segment's purpose."))

    class Meta:
        model = Segment
        fields = ["name", "description", "purpose", "active", "rules"]

    def clean_rules(self) -> dict:
        try:
            return rules_validate_known(self.cleaned_data.get("rules") or {}).as_json()
        except RulesInvalid as exc:
            raise ValidationError(exc.errors) from None


@admin.register(Segment)
class SegmentAdmin(AtelierModelAdmin):
    form = SegmentForm
    change_form_template = "admin/personalization/segment/change_form.html"
    list_display = ("name", "purpose", "active", "size", "excluded_no_consent", "materialized_at", "rules_summary")
    list_filter = ("purpose", "active")
    search_fields = ("name", "description")
    readonly_fields = ("size", "excluded_no_consent", "materialized_at")
    actions = ["materialize_now", "export_audience"]

    @admin.display(description=gettext_lazy("rules"))
    def rules_summary(self, obj: Segment) -> str:
        try:
            return rules_describe(rules_validate(obj.rules))[:200]
        except RulesInvalid:
            return _("(invalid rules)")

    def get_urls(self):
        wrap = self.admin_site.admin_view
        return [
            path("preview/", wrap(self.preview_view), name="personalization_segment_preview"),
            path("<int:pk>/materialize/", wrap(self.materialize_view), name="personalization_segment_materialize"),
            path("<int:pk>/export.csv", wrap(self.export_view), name="personalization_segment_export"),
            *super().get_urls(),
        ]

    def save_model(self, request, obj, form, change) -> None:
        super().save_model(request, obj, form, change)
        segment_materialize_soon(obj.pk)

    # The live size preview (the builder posts the rules and the purpose as they stand).
    def preview_view(self, request: HttpRequest) -> HttpResponse:
        if request.method != "POST":
            return HttpResponse(status=405)
        if not (self.has_add_permission(request) or self.has_change_permission(request)):
            raise PermissionDenied
        context: dict[str, Any] = {}
        try:
            rules = jsonsafe.loads(request.POST.get("rules") or "{}")
            context["preview"] = segment_preview(rules=rules, purpose=request.POST.get("purpose", ""))
        except RulesInvalid as exc:  # (a ValueError too: first)
            context["errors"] = exc.errors
        except ValueError:
            context["errors"] = [_("The rules are not valid JSON.")]
        html = render_to_string("admin/personalization/segment/preview.html", context, request=request)
        return HttpResponse(html, status=400 if "errors" in context else 200)

    def materialize_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        segment = get_object_or_404(Segment, pk=pk)
        if request.method != "POST" or not self.has_change_permission(request, segment):
            raise PermissionDenied
        segment_materialize_soon(segment.pk)
        self.message_user(request, _("Materializing “%(name)s”: the size updates in a moment.") % {"name": segment.name})
        return HttpResponseRedirect(reverse("admin:personalization_segment_change", args=[segment.pk]))

    def export_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        segment = get_object_or_404(Segment, pk=pk)
        if not self.has_change_permission(request, segment):
            raise PermissionDenied
        response = self._export(request, segment)
        if response is None:
            return HttpResponseRedirect(reverse("admin:personalization_segment_change", args=[segment.pk]))
        return response

    def _export(self, request: HttpRequest, segment: Segment) -> HttpResponse | None:
        try:
            rows = segment_export_rows(segment=segment)
            first = next(rows)  # raises for a segment that is not for marketing
        except SegmentNotExportable as exc:
            self.message_user(request, str(exc), messages.ERROR)
            return None

        class Echo:
            def write(self, value: str) -> str:
                return value

        writer = csv.writer(Echo())

        def lines():
            yield writer.writerow(first)
            for row in rows:
                yield writer.writerow(row)

        response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="segment-{segment.pk}-audience.csv"'
        response["Cache-Control"] = "no-store"
        return response

    @admin.action(description=gettext_lazy("Materialize now"), permissions=["change"])
    def materialize_now(self, request: HttpRequest, queryset) -> None:
        ids = list(queryset.values_list("pk", flat=True))
        for pk in ids:
            segment_materialize_soon(pk)
        message = ngettext("Materializing %(n)s segment: its size updates in a moment.",
                           "Materializing %(n)s segments: sizes update in a moment.", len(ids))
        self.message_user(request, message % {"n": len(ids)})

    @admin.action(description=gettext_lazy("Export audience as CSV"), permissions=["change"])
    def export_audience(self, request: HttpRequest, queryset) -> HttpResponse | None:
        segments = list(queryset[:2])
        if len(segments) != 1:
            self.message_user(request, _("Choose exactly one segment to export."), messages.ERROR)
            return None
        return self._export(request, segments[0])


# Campaigns --------------------------------------------------------------------------------------

class CampaignForm(forms.ModelForm):
    class Meta:
        model = Campaign
        fields = ["name", "segment", "placement", "product", "starting_build", "active", "priority", "starts_at",
                  "ends_at", "holdout_percent", "cost"]

    def clean(self) -> dict:
        data = super().clean()
        if data.get("placement") == Placement.STARTING_BUILD:
            build = data.get("starting_build")
            if build is None:
                self.add_error("starting_build", _("A starting build campaign needs a shared build."))
            elif not build.shared_at:
                self.add_error("starting_build", _("Only a shared build can be suggested."))
        starts, ends = data.get("starts_at"), data.get("ends_at")
        if starts and ends and ends <= starts:
            self.add_error("ends_at", _("The end comes after the start."))
        return data


# How each metric is written (personalization/templatetags/experiment_format.py)
METRIC_UNITS = {"conversion": "rate", "click_through": "rate", "revenue_per_visitor": "eur", "order_value_index": "index"}
METRIC_NAMES = {
    "conversion": gettext_lazy("Conversion (ordered)"),
    "click_through": gettext_lazy("Click-through"),
    "revenue_per_visitor": gettext_lazy("Revenue per visitor (EUR)"),
    "order_value_index": gettext_lazy("Average order value index (100 = the product's average order)"),
}


class VariantForm(forms.ModelForm):
    class Meta:
        model = Variant
        fields = ["code", "weight", "motivation", "headline_en", "headline_nl", "body_en", "body_nl", "cta_en",
                  "cta_nl", "link", "image"]

    def clean_link(self) -> str:
        link = (self.cleaned_data.get("link") or "").strip()
        if link and not safe_path(link):
            raise ValidationError(_("Use a path on this site starting with “/”, e.g. /en/configure/city-car/."))
        return link

    def clean_motivation(self) -> str:
        code = (self.cleaned_data.get("motivation") or "").strip()
        if code and not Motivation.objects.filter(code=code).exists():
            raise ValidationError(_("Not a motivation code."))
        return code


class VariantFormSet(forms.BaseInlineFormSet):
    def clean(self) -> None:
        super().clean()
        live = [f for f in self.forms if f.cleaned_data and not f.cleaned_data.get("DELETE")]
        if not live:
            raise ValidationError(_("A campaign needs at least one variant."))


class VariantInline(admin.StackedInline):
    model = Variant
    form = VariantForm
    formset = VariantFormSet
    extra = 0
    min_num = 1
    fieldsets = (
        (None, {"fields": (("code", "weight", "motivation"), ("headline_en", "headline_nl"), ("body_en", "body_nl"),
                           ("cta_en", "cta_nl"), "link", "image")}),
    )


@admin.register(Campaign)
class CampaignAdmin(AtelierModelAdmin):
    form = CampaignForm
    inlines = [VariantInline]
    change_form_template = "admin/personalization/campaign/change_form.html"
    list_display = ("name", "placement", "segment", "product", "active", "priority", "holdout_percent")
    list_filter = ("placement", "active")
    search_fields = ("name", "variants__headline_en", "variants__headline_nl")
    autocomplete_fields = ("segment",)
    raw_id_fields = ("starting_build",)
    fieldsets = (
        (None, {"fields": ("name", "segment", "placement", "product", "starting_build", "active", "priority")}),
        (gettext_lazy("Schedule, control and cost"), {"fields": ("starts_at", "ends_at", "holdout_percent", "cost")}),
    )

    def get_changeform_initial_data(self, request):
        """A segment given in the address (?segment=…) that is no id is left out: the autocomplete
        widget looks the value up as an id (ValueError or OverflowError: a 500)."""
        initial = super().get_changeform_initial_data(request)
        segment = initial.get("segment")
        if segment is not None and not (isinstance(segment, str) and segment.isascii() and segment.isdigit()
                                        and 0 < int(segment) <= MAX_ID):
            del initial["segment"]
        return initial

    def get_readonly_fields(self, request, obj=None):
        """Once shoppers have been exposed, the holdout is fixed: moving it would move shoppers
        between the groups and spoil the lift."""
        fields = list(super().get_readonly_fields(request, obj))
        if obj is not None and obj.events.filter(type=EventType.CAMPAIGN_SHOWN).exists():
            fields.append("holdout_percent")
        return fields

    def get_urls(self):
        from personalization.admin.mailings import campaign_urls

        return campaign_urls(self) + super().get_urls()

    def save_model(self, request, obj, form, change):
        self._split_before = campaign_split_signature(obj.pk) if change else None
        super().save_model(request, obj, form, change)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        if getattr(self, "_split_before", None) is not None:
            campaign_allocation_refresh(campaign=form.instance, before=self._split_before)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        campaign = self.get_object(request, object_id)
        extra = dict(extra_context or {})
        if campaign is not None:
            extra["lift"] = campaign_lift(campaign=campaign)
            results = extra["experiment"] = experiment_results(campaign=campaign)
            extra["experiment_tables"] = [
                (METRIC_NAMES[metric], METRIC_UNITS[metric], list(zip(results.variants, lifts, strict=True)))
                for metric, lifts in results.comparisons.items()
            ]
            if any(arm.variant.motivation for arm in results.variants):
                extra["message_rows"] = message_test(campaign=campaign)
        return super().change_view(request, object_id, form_url, extra)


"""The motivation taxonomy, the versioned weight map and its rescore jobs, for staff.

A map version is never edited in place: its page shows the weights of one product as a grid
(options x motivations), and saving the grid creates the next version through
services.motivations.motivation_map_edit. "Rescore history with this version" starts a job whose
progress the job list shows (the list reloads itself while a job runs).

"Learn a new map from the stored choices" starts a map-learning job with a version as the base;
it ends in a proposed (not current) version whose page shows the diff against its base and an
"Accept" button: the version becomes current and history is rescored with it."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count, QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from configurator.admin import ViewOnlyAdminMixin
from configurator.admin_lookups import AtelierModelAdmin
from configurator.i18n import pick
from personalization.choice_model import ModelParams
from personalization.models import (
    MapLearningJob,
    Motivation,
    MotivationMap,
    MotivationWeight,
    RescoreJob,
    RescoreStatus,
)
from personalization.services.learning import map_learning_start, map_proposal_accept, map_proposal_diff
from personalization.services.motivations import (
    MotivationMapInvalid,
    map_weights,
    motivation_map_edit,
    rescore_start,
)

ACTIVE_JOB = (RescoreStatus.QUEUED, RescoreStatus.RUNNING)
REFRESH_SECONDS = 3


@admin.register(Motivation)
class MotivationAdmin(AtelierModelAdmin):
    list_display = ("code", "name_en", "name_nl", "swatch", "position", "active")
    list_editable = ("position", "active")
    search_fields = ("code", "name_en", "name_nl")
    fields = ("code", "name_en", "name_nl", "description_en", "description_nl", "colour", "position", "active")

    @admin.display(description=gettext_lazy("colour"))
    def swatch(self, obj: Motivation) -> str:
        # An SVG fill, not a style="" attribute: the Content Security Policy allows no inline styles.
        return format_html('<svg class="motivation-mark" width="19" height="19" viewBox="0 0 19 19" aria-hidden="true" '
                           'focusable="false"><rect width="19" height="19" rx="3" fill="{}"/></svg> {}',
                           obj.colour, obj.colour)

    def get_readonly_fields(self, request: HttpRequest, obj: Motivation | None = None) -> tuple[str, ...]:
        # Scores and evidence refer to the code: it is fixed once the motivation exists.
        return ("code",) if obj is not None else ()

    def has_delete_permission(self, request: HttpRequest, obj: Motivation | None = None) -> bool:
        # Deleting would drop its weights from every map version, old ones included: deactivate it.
        return False


# --- the weight grid ------------------------------------------------------------------------

def _field_name(group: str, option: str, code: str) -> str:
    return f"w|{group}|{option}|{code}"


class WeightGridForm(forms.ModelForm):
    """The map's note, and one weight field per (option, motivation) of one product."""

    product_id: int | None = None
    can_change: bool = True

    class Meta:
        model = MotivationMap
        fields = ("note",)

    threshold = forms.FloatField(
        required=False, min_value=0, max_value=1, label=gettext_lazy("Undetermined below"),
        help_text=gettext_lazy("A shopper's most probable motivation is their dominant one only when its probability "
                               "reaches this (0 to 1). Below it the shopper is undetermined."),
        widget=forms.NumberInput(attrs={"step": "0.05"}))

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.initial["threshold"] = ModelParams.from_json(self.instance.parameters if self.instance.pk else {}).threshold
        self.fields["threshold"].disabled = not self.can_change
        self.fields["note"].label = _("Why this change")
        self.fields["note"].help_text = _("Saving creates a new version with this note; this version stays as it is.")
        self.initial["note"] = ""
        self.motivations = list(Motivation.objects.order_by("position", "code"))
        self.base_weights = map_weights(self.instance) if self.instance.pk else {}
        self.rows = self._rows()
        for row in self.rows:
            for code in row["codes"]:
                initial = self.base_weights.get((self.product_id, row["group"], row["option"], code))
                self.fields[_field_name(row["group"], row["option"], code)] = forms.FloatField(
                    required=False, min_value=0, max_value=100, initial=initial, disabled=not self.can_change,
                    label=f"{row['option_name']} · {code}",
                    widget=forms.NumberInput(attrs={"step": "0.05", "class": "weight-input",
                                                    "aria-label": f"{row['step_name']}, {row['option_name']}: {code}"}),
                )

    def _rows(self) -> list[dict]:
        from configurator.models import Product
        from configurator.snapshot import catalog_for

        if self.product_id is None:
            return []
        codes = [m.code for m in self.motivations]
        rows, seen = [], set()
        version = Product.objects.filter(pk=self.product_id).values_list("current_version_id", flat=True).first()
        cat = catalog_for(version) if version else None
        for group in cat.groups if cat else ():
            options = [(cat.options[i].code, pick(cat.options[i].name)) for i in group.options] if group.options else [
                ("", _("(personal text)"))]
            for code, name in options:
                seen.add((group.code, code))
                rows.append({"group": group.code, "option": code, "step_name": pick(group.name), "option_name": name,
                             "codes": codes})
        for product, group, option, _code in sorted(self.base_weights):
            if product == self.product_id and (group, option) not in seen:  # an option no longer published
                seen.add((group, option))
                rows.append({"group": group, "option": option, "step_name": group, "option_name": option or group,
                             "codes": codes})
        return rows

    def grid(self) -> list[dict]:
        return [{**row, "fields": [self[_field_name(row["group"], row["option"], c)] for c in row["codes"]]}
                for row in self.rows]

    def changes(self) -> dict[tuple[int, str, str, str], float | None]:
        changed = {}
        for row in self.rows:
            for code in row["codes"]:
                key = (self.product_id, row["group"], row["option"], code)
                new = self.cleaned_data.get(_field_name(row["group"], row["option"], code)) or None
                if new != self.base_weights.get(key):
                    changed[key] = new
        return changed


def _is_proposal(motivation_map: MotivationMap) -> bool:
    """A learned version staff have not accepted yet: never current, never rescored with."""
    return (motivation_map.learned_by_id is not None and not motivation_map.is_current
            and not motivation_map.rescore_jobs.exists())


@admin.register(MotivationMap)
class MotivationMapAdmin(AtelierModelAdmin):
    list_display = ("__str__", "is_current", "learned", "note", "weight_count", "created_by", "created_at",
                    "rescore_status")
    list_filter = ("is_current",)
    fieldsets = ((None, {"fields": ("version", "is_current", "created_by", "created_at", "threshold", "note")}),)
    readonly_fields = ("version", "is_current", "created_by", "created_at")
    actions = ("rescore_with_version", "learn_from_version")
    form = WeightGridForm
    change_form_template = "admin/personalization/motivationmap/change_form.html"

    def get_queryset(self, request: HttpRequest) -> QuerySet[MotivationMap]:
        return super().get_queryset(request).select_related("created_by").annotate(n_weights=Count("weights"))

    @admin.display(description=gettext_lazy("weights"), ordering="n_weights")
    def weight_count(self, obj: MotivationMap) -> str:
        url = reverse("admin:personalization_motivationweight_changelist") + f"?map__id__exact={obj.pk}"
        return format_html('<a href="{}">{}</a>', url, obj.n_weights)

    @admin.display(description=gettext_lazy("learned"))
    def learned(self, obj: MotivationMap) -> str:
        if obj.learned_by_id is None:
            return "–"
        return _("proposed (learned)") if _is_proposal(obj) else _("learned")

    @admin.display(description=gettext_lazy("rescore"))
    def rescore_status(self, obj: MotivationMap) -> str:
        job = obj.rescore_jobs.order_by("-created_at").first()
        if job is None:
            return "–"
        url = reverse("admin:personalization_rescorejob_changelist") + f"?map__id__exact={obj.pk}"
        return format_html('<a href="{}">{} ({}%)</a>', url, job.get_status_display(), job.percent)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # v1 comes from seed_personalization; later versions from editing one

    def has_delete_permission(self, request: HttpRequest, obj: MotivationMap | None = None) -> bool:
        return False  # versions are history: events record which one scored them

    # The grid shows one product at a time (?product=<id>).
    def _product_id(self, request: HttpRequest) -> int | None:
        from configurator.models import Product

        products = list(Product.objects.order_by("position", "slug").values_list("pk", flat=True))
        wanted = request.GET.get("product", "")
        if wanted.isascii() and wanted.isdigit() and int(wanted) in products:
            return int(wanted)
        return products[0] if products else None

    def get_form(self, request: HttpRequest, obj: MotivationMap | None = None, change: bool = False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        return type(form.__name__, (form,), {"product_id": self._product_id(request),
                                             "can_change": self.has_change_permission(request, obj)})

    def render_change_form(self, request: HttpRequest, context: dict, add: bool = False, change: bool = False,
                           form_url: str = "", obj: MotivationMap | None = None) -> HttpResponse:
        from configurator.models import Product

        product_id = self._product_id(request)
        context["grid_products"] = [(p, p.pk == product_id) for p in Product.objects.order_by("position", "slug")]
        context["grid_motivations"] = Motivation.objects.order_by("position", "code")
        context["grid_product"] = product_id
        if obj is not None and obj.learned_by_id is not None:
            context["learning_diff"] = map_proposal_diff(proposed=obj)
            context["is_proposal"] = _is_proposal(obj)
        return super().render_change_form(request, context, add=add, change=change, form_url=form_url, obj=obj)

    def save_model(self, request: HttpRequest, obj: MotivationMap, form: WeightGridForm, change: bool) -> None:
        """Never saves `obj`: the changes go into a new version."""
        base = MotivationMap.objects.get(pk=obj.pk)
        try:
            threshold = form.cleaned_data.get("threshold")
            if threshold == ModelParams.from_json(base.parameters).threshold:
                threshold = None  # unchanged: no new version for it
            request._motivation_map_saved = motivation_map_edit(
                base=base, changes=form.changes(), user=request.user, note=form.cleaned_data.get("note", ""),
                parameters={"threshold": threshold} if threshold is not None else None)
        except MotivationMapInvalid as exc:
            request._motivation_map_saved = base
            messages.error(request, " ".join(exc.errors))

    def save_related(self, request: HttpRequest, form, formsets, change: bool) -> None:
        pass  # nothing is related to save: the weights went into the new version

    def log_change(self, request: HttpRequest, obj: MotivationMap, message) -> None:
        saved = getattr(request, "_motivation_map_saved", obj)
        if saved.pk != obj.pk:
            super().log_addition(request, saved, [{"added": {}}])

    def response_change(self, request: HttpRequest, obj: MotivationMap) -> HttpResponse:
        saved = getattr(request, "_motivation_map_saved", obj)
        if saved.pk == obj.pk:
            if not any(m.level == messages.ERROR for m in messages.get_messages(request)):
                messages.info(request, _("Nothing changed: no new version was made."))
        else:
            messages.success(request, _("Saved as version %(version)s, now the current version. "
                                        "Rescore history with it to apply it to past events.") % {
                                            "version": saved.version})
        url = reverse("admin:personalization_motivationmap_change", args=[saved.pk])
        product = self._product_id(request)
        return HttpResponseRedirect(f"{url}?product={product}" if product else url)

    # --- rescore ---------------------------------------------------------------------------

    def get_urls(self):
        return [
            path("<int:object_id>/rescore/", self.admin_site.admin_view(self.rescore_view),
                 name="personalization_motivationmap_rescore"),
            path("<int:object_id>/accept/", self.admin_site.admin_view(self.accept_view),
                 name="personalization_motivationmap_accept"),
            *super().get_urls(),
        ]

    def _start(self, request: HttpRequest, motivation_map: MotivationMap) -> RescoreJob:
        job = rescore_start(map=motivation_map, user=request.user)
        messages.success(request, _("Rescoring history with version %(version)s has started.") % {
            "version": motivation_map.version})
        return job

    def rescore_view(self, request: HttpRequest, object_id: int) -> HttpResponse:
        if request.method != "POST":
            return HttpResponseRedirect(reverse("admin:personalization_motivationmap_change", args=[object_id]))
        if not self.has_change_permission(request):
            raise PermissionDenied
        self._start(request, get_object_or_404(MotivationMap, pk=object_id))
        return HttpResponseRedirect(reverse("admin:personalization_rescorejob_changelist"))

    @admin.action(description=gettext_lazy("Rescore history with this version"), permissions=["change"])
    def rescore_with_version(self, request: HttpRequest, queryset: QuerySet[MotivationMap]) -> HttpResponse | None:
        if queryset.count() != 1:
            messages.error(request, _("Pick exactly one version to rescore history with."))
            return None
        self._start(request, queryset.get())
        return HttpResponseRedirect(reverse("admin:personalization_rescorejob_changelist"))

    # --- learning ------------------------------------------------------------------------

    @admin.action(description=gettext_lazy("Learn a new map from the stored choices"), permissions=["change"])
    def learn_from_version(self, request: HttpRequest, queryset: QuerySet[MotivationMap]) -> HttpResponse | None:
        if queryset.count() != 1:
            messages.error(request, _("Pick exactly one version to learn from."))
            return None
        base = queryset.get()
        map_learning_start(base=base, user=request.user)
        messages.success(request, _("Learning a new map from version %(version)s has started. The proposed version "
                                    "appears here when it is done.") % {"version": base.version})
        return HttpResponseRedirect(reverse("admin:personalization_maplearningjob_changelist"))

    def accept_view(self, request: HttpRequest, object_id: int) -> HttpResponse:
        """Accept a proposed (learned) version: POST only; a GET goes back to its page."""
        change_url = reverse("admin:personalization_motivationmap_change", args=[object_id])
        if request.method != "POST":
            return HttpResponseRedirect(change_url)
        if not self.has_change_permission(request):
            raise PermissionDenied
        motivation_map = get_object_or_404(MotivationMap, pk=object_id, learned_by__isnull=False)
        map_proposal_accept(motivation_map=motivation_map, user=request.user)
        messages.success(request, _("Version %(version)s is now the current version; rescoring history with it has "
                                    "started.") % {"version": motivation_map.version})
        return HttpResponseRedirect(reverse("admin:personalization_rescorejob_changelist"))


@admin.register(MotivationWeight)
class MotivationWeightAdmin(ViewOnlyAdminMixin, AtelierModelAdmin):
    """Read-only: weights change by saving a map version's grid, which makes a new version."""

    list_display = ("map", "product", "group", "option", "motivation", "weight")
    list_filter = ("map", "product", "motivation")
    search_fields = ("group", "option")
    list_select_related = ("map", "product", "motivation")



@admin.register(RescoreJob)
class RescoreJobAdmin(AtelierModelAdmin):
    list_display = ("__str__", "map", "status", "progress", "counts", "requested_by", "created_at", "finished_at")
    list_filter = ("status", "map")
    list_select_related = ("map", "requested_by")
    readonly_fields = ("map", "status", "progress", "counts", "requested_by", "created_at", "finished_at", "error")
    fields = readonly_fields

    @admin.display(description=gettext_lazy("progress"))
    def progress(self, obj: RescoreJob) -> str:
        return format_html('<progress value="{}" max="100" aria-label="{}">{}%</progress> {}%', obj.percent,
                           _("Rescore progress"), obj.percent, obj.percent)

    @admin.display(description=gettext_lazy("done / total"))
    def counts(self, obj: RescoreJob) -> str:
        return f"{obj.done} / {obj.total}"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: RescoreJob | None = None) -> bool:
        return False

    def _refreshing(self, response: HttpResponse) -> HttpResponse:
        return _refreshing(response, RescoreJob)

    def changelist_view(self, request: HttpRequest, extra_context: dict | None = None) -> HttpResponse:
        return self._refreshing(super().changelist_view(request, extra_context))

    def change_view(self, request: HttpRequest, object_id: str, form_url: str = "",
                    extra_context: dict | None = None) -> HttpResponse:
        return self._refreshing(super().change_view(request, object_id, form_url, extra_context))


def _refreshing(response: HttpResponse, model: type[RescoreJob] | type[MapLearningJob]) -> HttpResponse:
    # While a job runs the page reloads itself (the HTTP Refresh header: no script needed).
    if model.objects.filter(status__in=ACTIVE_JOB).exists():
        response.headers["Refresh"] = str(REFRESH_SECONDS)
    return response


@admin.register(MapLearningJob)
class MapLearningJobAdmin(ViewOnlyAdminMixin, AtelierModelAdmin):
    """Map-learning jobs: started by the map list's action, viewed here; their result is a
    proposed version, reviewed on its own page."""

    list_display = ("__str__", "base", "status", "progress", "iterations", "last_loglik", "proposed_version",
                    "requested_by", "created_at", "finished_at")
    list_filter = ("status", "base")
    list_select_related = ("base", "proposed", "requested_by")
    readonly_fields = ("base", "status", "progress", "iterations", "last_loglik", "proposed_version", "requested_by",
                       "created_at", "finished_at", "error")
    fields = readonly_fields

    @admin.display(description=gettext_lazy("progress"))
    def progress(self, obj: MapLearningJob) -> str:
        return format_html('<progress value="{}" max="100" aria-label="{}">{}%</progress> {}%', obj.percent,
                           _("Learning progress"), obj.percent, obj.percent)

    @admin.display(description=gettext_lazy("iterations"))
    def iterations(self, obj: MapLearningJob) -> str:
        return f"{obj.done} / {obj.total}"

    @admin.display(description=gettext_lazy("log-likelihood"))
    def last_loglik(self, obj: MapLearningJob) -> str:
        last = obj.log[-1] if isinstance(obj.log, list) and obj.log else None
        if not isinstance(last, dict) or not isinstance(last.get("loglik"), int | float):
            return "–"
        return _("%(loglik)s (%(shoppers)s shoppers)") % {"loglik": f"{last['loglik']:.1f}",
                                                          "shoppers": last.get("shoppers", 0)}

    @admin.display(description=gettext_lazy("proposed version"))
    def proposed_version(self, obj: MapLearningJob) -> str:
        if obj.proposed_id is None:
            return "–"
        url = reverse("admin:personalization_motivationmap_change", args=[obj.proposed_id])
        return format_html('<a href="{}">{}</a>', url, obj.proposed)

    def changelist_view(self, request: HttpRequest, extra_context: dict | None = None) -> HttpResponse:
        return _refreshing(super().changelist_view(request, extra_context), MapLearningJob)

    def change_view(self, request: HttpRequest, object_id: str, form_url: str = "",
                    extra_context: dict | None = None) -> HttpResponse:
        return _refreshing(super().change_view(request, object_id, form_url, extra_context), MapLearningJob)

"""Runs of `manage.py evaluate_motivations`, for staff: read-only, because a run is a record of
what was measured (personalization.services.evaluation writes it). The list puts each model's
top-1 accuracy beside its share of the Bayes-optimal ceiling; a run's page has the models side
by side, the mix bias per motivation, the confusion matrices and, per model, a reliability chart
(server-rendered SVG from personalization.charts) with the same numbers in a table.

The results JSON is read defensively: a run from an older version of the command may lack a
measure, and a page that shows a dash is better than one that fails."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest
from django.utils.formats import number_format
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from configurator.admin import ViewOnlyAdminMixin
from configurator.admin_lookups import AtelierModelAdmin
from personalization import charts
from personalization.evaluation.report import MODEL_ORDER
from personalization.models import MotivationEvaluation
from personalization.selectors import motivation_names

SETTING_LABELS = {
    "shoppers": gettext_lazy("Simulated shoppers"),
    "seed": gettext_lazy("Random seed"),
    "sigma": gettext_lazy("Weight noise of the staff map (lognormal sigma)"),
    "drop": gettext_lazy("Share of the tags dropped"),
    "wrong": gettext_lazy("Wrong tags added"),
    "samples": gettext_lazy("Prior samples per leading motivation (for the ceiling)"),
    "iterations": gettext_lazy("Iterations of the map-learning job"),
    "timing_runs": gettext_lazy("Timing runs"),
}
CALIBRATION_COLOUR = "#6c757d"  # the reference line in grey, the measured one in the first chart colour


def _results(obj: MotivationEvaluation) -> dict:
    return obj.results if isinstance(obj.results, dict) else {}


def _models(results: dict) -> dict[str, dict]:
    """The models in the report's order (PostgreSQL's jsonb keeps no key order)."""
    models = results.get("models")
    if not isinstance(models, dict):
        return {}
    rank = {name: i for i, name in enumerate(MODEL_ORDER)}
    return {str(name): m for name, m in sorted(models.items(), key=lambda item: (rank.get(item[0], len(rank)), item[0]))
            if isinstance(m, dict)}


def _number(value: Any) -> float | None:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def _percent(value: Any) -> float | None:
    number = _number(value)
    return None if number is None else 100 * number


def _signed(value: Any) -> str:
    number = _number(value)
    if number is None:
        return "–"
    return ("+" if number > 0 else "") + number_format(number, 1)


# The run's page, as plain data for the template ------------------------------------------------

def _model_rows(models: dict[str, dict]) -> list[dict]:
    return [{"name": name, "accuracy": _percent(m.get("accuracy")), "of_ceiling": _percent(m.get("of_ceiling")),
             "top2": _percent(m.get("top2")), "macro_f1": _number(m.get("macro_f1")),
             "worst_bias": _number(m.get("worst_bias")), "ece": _number(m.get("ece")), "shoppers": m.get("shoppers")}
            for name, m in models.items()]


def _bias_rows(models: dict[str, dict], classes: list[str]) -> list[dict]:
    rows = []
    for name, m in models.items():
        bias = m.get("mix_bias") if isinstance(m.get("mix_bias"), dict) else {}
        rows.append({"name": name, "cells": [_signed(bias.get(code)) for code in classes]})
    return rows


def _confusions(models: dict[str, dict], classes: list[tuple[str, str]]) -> list[dict]:
    """Rows: the true motivation; columns: the predicted one (the diagonal is right)."""
    out = []
    for name, m in models.items():
        matrix = m.get("confusion")
        if not isinstance(matrix, list) or len(matrix) != len(classes):
            continue
        rows = [{"label": label, "cells": [(n, i == j) for j, n in enumerate(row)]}
                for i, ((_code, label), row) in enumerate(zip(classes, matrix, strict=True))]
        out.append({"name": name, "rows": rows})
    return out


def reliability_chart(name: str, bins: list[dict]) -> charts.ChartSpec:
    """Observed accuracy per confidence bin against perfect calibration (the bin's mean
    confidence, where accuracy would be if the probabilities meant what they say)."""
    return charts.ChartSpec(
        kind="line",
        title=_("Reliability: %(model)s") % {"model": name},
        description=_("Per bin of the shoppers' top probability (confidence): how often the most probable "
                      "motivation was the main one, against perfect calibration, which equals the bin's mean "
                      "confidence. Observed accuracy below the calibration line means over-confidence."),
        categories=[f"{round(100 * b['low'])}–{round(100 * b['high'])}%" for b in bins],
        series=[charts.Series(_("Observed accuracy"), [100 * b["accuracy"] for b in bins]),
                charts.Series(_("Perfect calibration"), [100 * b["confidence"] for b in bins], CALIBRATION_COLOUR)],
        unit="%",
    )


def _reliability(models: dict[str, dict]) -> list[dict]:
    figures = []
    for i, (name, m) in enumerate(models.items()):
        bins = [b for b in (m.get("reliability") or []) if isinstance(b, dict)
                and all(_number(b.get(key)) is not None for key in ("low", "high", "confidence", "accuracy"))]
        spec = reliability_chart(name, bins)
        rows = [{"bin": category, "shoppers": b.get("shoppers"), "confidence": 100 * b["confidence"],
                 "accuracy": 100 * b["accuracy"], "gap": _signed(100 * (b["accuracy"] - b["confidence"]))}
                for category, b in zip(spec.categories, bins, strict=True)]
        figures.append({"name": name, "spec": spec, "svg": charts.render(spec, f"reliability-{i}"), "rows": rows})
    return figures


def evaluation_context(results: dict) -> dict:
    names = motivation_names()
    codes = [str(code) for code in results.get("classes") or []]
    classes = [(code, names.get(code, code)) for code in codes]
    models = _models(results)
    return {"classes": classes, "models": _model_rows(models), "bias": _bias_rows(models, codes),
            "confusions": _confusions(models, classes), "reliability": _reliability(models)}


# The admin ----------------------------------------------------------------------------------

@admin.register(MotivationEvaluation)
class MotivationEvaluationAdmin(ViewOnlyAdminMixin, AtelierModelAdmin):
    list_display = ("created_at", "shoppers", "model_accuracy")
    change_form_template = "admin/personalization/motivationevaluation/change_form.html"
    fields = ("created_at", "shoppers", "settings_table", "timing", "learning")
    readonly_fields = fields

    @admin.display(description=gettext_lazy("scored shoppers"))
    def shoppers(self, obj: MotivationEvaluation) -> Any:
        return _results(obj).get("scored_shoppers", "–")

    @admin.display(description=gettext_lazy("top-1 accuracy per model (share of the ceiling)"))
    def model_accuracy(self, obj: MotivationEvaluation) -> str:
        lines = []
        for row in _model_rows(_models(_results(obj))):
            accuracy = "–" if row["accuracy"] is None else number_format(row["accuracy"], 1) + "%"
            of_ceiling = "–" if row["of_ceiling"] is None else number_format(row["of_ceiling"], 1) + "%"
            lines.append((_("%(model)s: %(accuracy)s (%(of_ceiling)s of the ceiling)") % {
                "model": row["name"], "accuracy": accuracy, "of_ceiling": of_ceiling},))
        return format_html_join(mark_safe("<br>"), "{}", lines) if lines else "–"

    @admin.display(description=gettext_lazy("settings"))
    def settings_table(self, obj: MotivationEvaluation) -> str:
        settings = _results(obj).get("settings") or obj.settings
        if not isinstance(settings, dict) or not settings:
            return "–"
        rows = format_html_join("", '<tr><th scope="row">{}</th><td class="num">{}</td></tr>',
                                ((SETTING_LABELS.get(key, key), value) for key, value in settings.items()))
        return format_html('<table><caption class="visually-hidden">{}</caption><tbody>{}</tbody></table>',
                           _("Settings of this run"), rows)

    @admin.display(description=gettext_lazy("profile recompute time"))
    def timing(self, obj: MotivationEvaluation) -> str:
        timing = _results(obj).get("timing")
        if not isinstance(timing, dict) or not timing.get("events"):
            return "–"
        return _("%(events)s events: p50 %(p50)s ms, p99 %(p99)s ms over %(runs)s runs.") % {
            "events": timing["events"], "p50": number_format(timing.get("p50_ms", 0), 3),
            "p99": number_format(timing.get("p99_ms", 0), 3), "runs": timing.get("runs", 0)}

    @admin.display(description=gettext_lazy("map learning"))
    def learning(self, obj: MotivationEvaluation) -> str:
        learning = _results(obj).get("learning")
        if not isinstance(learning, dict):
            return _("No map was learned in this run.")
        return _("Learned map version %(version)s after %(iterations)s iterations.") % {
            "version": learning.get("proposed_version", "–"), "iterations": learning.get("iterations", "–")}

    def change_view(self, request: HttpRequest, object_id: str, form_url: str = "", extra_context: dict | None = None):
        evaluation = self.get_object(request, object_id)
        extra = dict(extra_context or {})
        if evaluation is not None and self.has_view_permission(request, evaluation):
            extra["evaluation"] = evaluation_context(_results(evaluation))
        return super().change_view(request, object_id, form_url, extra)

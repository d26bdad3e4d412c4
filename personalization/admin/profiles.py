"""Motivation profiles, for staff: read-only (a profile is recomputed from events, never edited),
with its scores and the evidence behind them as readable tables."""

from __future__ import annotations

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext, pgettext

from configurator.admin import ViewOnlyAdminMixin
from configurator.admin_lookups import AtelierModelAdmin
from personalization.models import Motivation, Profile
from personalization.selectors import evidence_rows
from personalization.services.profiles import profile_recompute


@admin.register(Profile)
class ProfileAdmin(ViewOnlyAdminMixin, AtelierModelAdmin):
    list_display = ("shopper", "dominant", "confidence_shown", "event_count", "map_version", "computed_at")
    list_filter = ("dominant", "map_version")
    list_select_related = ("shopper", "dominant")
    search_fields = ("shopper__email",)
    ordering = ("-computed_at",)
    fields = ("shopper", "dominant", "confidence_shown", "scores_table", "evidence_table", "event_count",
              "last_event_id", "map_version", "computed_at")
    readonly_fields = fields
    actions = ("recompute",)

    @admin.display(description=gettext_lazy("confidence"), ordering="confidence")
    def confidence_shown(self, obj: Profile) -> str:
        return f"{obj.confidence:.0%}"

    @admin.display(description=gettext_lazy("scores"))
    def scores_table(self, obj: Profile) -> str:
        scores = obj.scores if isinstance(obj.scores, dict) else {}
        motivations = {m.code: m for m in Motivation.objects.all()}
        total = sum(max(float(v or 0), 0) for v in scores.values()) or 1.0
        rows = format_html_join(
            "", '<tr><th scope="row"><svg class="motivation-mark" width="10" height="10" viewBox="0 0 10 10" '
                'aria-hidden="true" focusable="false"><rect width="10" height="10" fill="{}"/></svg> {}</th>'
                '<td class="num">{}</td><td>'
                '<progress value="{}" max="100" aria-label="{}">{}%</progress> {}%</td></tr>',
            (
                (motivations[code].colour if code in motivations else "#999",
                 str(motivations.get(code, code)), f"{float(value or 0):.3f}", share, code, share, share)
                for code, value in sorted(scores.items(), key=lambda item: -float(item[1] or 0))
                for share in [round(100 * max(float(value or 0), 0) / total)]
            ),
        )
        return format_html('<table><thead><tr><th scope="col">{}</th><th scope="col">{}</th><th scope="col">{}</th>'
                           '</tr></thead><tbody>{}</tbody></table>', _("Motivation"), _("Score"),
                           pgettext("proportion", "Share"), rows)

    @admin.display(description=gettext_lazy("evidence"))
    def evidence_table(self, obj: Profile) -> str:
        rows = evidence_rows(obj.evidence)
        if not rows:
            return _("No evidence yet.")
        body = format_html_join(
            "", '<tr><td>{}</td><td>{}</td><td class="num">{}</td></tr>',
            ((row["label"], row["motivation"], f"{row['contribution']:+.3f}") for row in rows),
        )
        return format_html('<table><thead><tr><th scope="col">{}</th><th scope="col">{}</th><th scope="col">{}</th>'
                           '</tr></thead><tbody>{}</tbody></table>', _("What the shopper did"), _("Motivation"),
                           _("Contribution"), body)

    @admin.action(description=gettext_lazy("Recompute the selected profiles from their events"))
    def recompute(self, request: HttpRequest, queryset: QuerySet[Profile]) -> None:
        ids = list(queryset.values_list("shopper_id", flat=True)[:500])
        kept = sum(profile_recompute(shopper_id=shopper_id) is not None for shopper_id in ids)
        messages.success(request, ngettext("%(n)s profile recomputed.", "%(n)s profiles recomputed.", kept) % {"n": kept})


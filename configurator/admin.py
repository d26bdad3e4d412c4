"""Staff side of the catalog. Thin: checking and publishing live in configurator.services.

Every save of a product, step, option or rule runs the catalog check and shows what it found:
errors (which block publishing) and warnings. Saving itself always succeeds, so staff can fix a
catalog step by step.
"""

from __future__ import annotations

import json
from typing import Any

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from configurator.admin_forms import (
    RULE_FIELDS,
    BuildForm,
    OptionGroupForm,
    OptionLayerForm,
    ParentInlineFormSet,
    RuleForm,
    RuleInlineFormSet,
    TextPlacementForm,
)
from configurator.admin_lookups import AtelierModelAdmin, check_registered_admins
from configurator.admin_moderation import HiddenFilter, hide_designs, unhide_designs
from configurator.admin_packages import ProductPackageAdminMixin
from configurator.admin_publish import MAX_AT_ONCE, confirm_page, publish_confirmed, show_findings
from configurator.engine.check import Finding
from configurator.findings import unreachable_recomputed_message
from configurator.models import (
    Build,
    CatalogVersion,
    Option,
    OptionGroup,
    OptionLayer,
    Order,
    Product,
    ProductView,
    Rule,
    TextPlacement,
)
from configurator.services import product_check
from configurator.services.unreachable import version_unreachable_recompute


def report_catalog_check(request: HttpRequest, product: Product) -> list[Finding]:
    """Run the product's catalog check and show each finding as an admin message."""
    snapshot, findings = product_check(product=product)
    show_findings(request, product, findings, snapshot)
    return findings


def _pretty_json(value: Any) -> str:
    return format_html("<pre>{}</pre>", json.dumps(value, indent=2, ensure_ascii=False))


class ViewOnlyAdminMixin:
    """Rows staff may look at but never add, change or delete here (the view permission shows
    the pages): what services write, such as catalog versions, profiles and consent records."""

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class CatalogCheckOnSaveMixin:
    """After a save (with its inlines), check the catalog of the product the object belongs to."""

    def checked_product(self, obj: Any) -> Product:
        raise NotImplementedError

    def save_related(self, request, form, formsets, change) -> None:
        super().save_related(request, form, formsets, change)
        report_catalog_check(request, self.checked_product(form.instance))


# Products -------------------------------------------------------------------------------------


class OptionGroupInline(admin.TabularInline):
    model = OptionGroup
    form = OptionGroupForm
    extra = 0
    fields = (
        "code", "name_en", "name_nl", "kind", "position", "required", "default_option",
        "min_count", "max_count", "options_link",
    )
    readonly_fields = ("options_link",)

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return super().get_queryset(request).annotate(option_count=Count("options"))

    @admin.display(description=_("options"))
    def options_link(self, obj: OptionGroup) -> str:
        if not obj.pk:
            return "—"
        url = reverse("admin:configurator_optiongroup_change", args=[obj.pk])
        count = getattr(obj, "option_count", None)
        label = gettext("edit options") if count is None else gettext("edit options (%(count)s)") % {
            "count": count
        }
        return format_html('<a href="{}">{}</a>', url, label)


class ProductViewInline(admin.TabularInline):
    """The angles a product is drawn from; the first is shown by default."""

    model = ProductView
    extra = 0
    fields = ("code", "name_en", "name_nl", "base_layer", "on_card", "position")


class RuleInline(admin.StackedInline):
    model = Rule
    form = RuleForm
    formset = RuleInlineFormSet
    extra = 0
    fields = RULE_FIELDS
    filter_horizontal = ("subjects", "targets")


@admin.register(Product)
class ProductAdmin(ProductPackageAdminMixin, CatalogCheckOnSaveMixin, AtelierModelAdmin):
    list_display = (
        "display_name", "slug", "base_price", "is_active", "version_number", "build_count", "position",
    )
    list_filter = ("is_active",)
    search_fields = ("slug", "name_en", "name_nl")
    prepopulated_fields = {"slug": ("name_en",)}
    readonly_fields = ("current_version", "publishing_links")
    fieldsets = (
        (None, {"fields": ("slug", "name_en", "name_nl", "base_price", "is_active", "position")}),
        (_("Delivery"), {"fields": ("lead_time_days",)}),
        (_("Description"), {"fields": ("description_en", "description_nl")}),
        (_("Preview"), {"fields": ("canvas_width", "canvas_height")}),
        (_("Publishing"), {"fields": ("current_version", "publishing_links")}),
    )
    inlines = (ProductViewInline, OptionGroupInline, RuleInline)
    actions = ("check_catalog", "publish_catalog", "export_package")

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return (
            super().get_queryset(request)
            .select_related("current_version")
            .annotate(build_count=Count("builds"))
        )

    def checked_product(self, obj: Product) -> Product:
        return obj

    @admin.display(description=_("name"), ordering="name_en")
    def display_name(self, obj: Product) -> str:
        return obj.name

    @admin.display(description=_("published version"), ordering="current_version__number")
    def version_number(self, obj: Product) -> int | None:
        return obj.current_version.number if obj.current_version_id else None

    @admin.display(description=_("builds"), ordering="build_count")
    def build_count(self, obj: Product) -> int:
        return obj.build_count

    @admin.action(description=_("Check catalog"))
    def check_catalog(self, request: HttpRequest, queryset: QuerySet) -> None:
        for product in queryset:
            if not report_catalog_check(request, product):
                messages.success(request, gettext("%(product)s: the catalog check found no problems.") % {
                    "product": product.slug
                })

    @admin.action(description=_("Publish new catalog version…"), permissions=["change"])
    def publish_catalog(self, request: HttpRequest, queryset: QuerySet) -> HttpResponse | None:
        """First a confirmation page (the diff, the stale builds, the findings); its post, with
        confirm=yes and the checksums it showed, publishes (configurator/admin_publish.py)."""
        products = list(queryset.select_related("current_version")[:MAX_AT_ONCE + 1])
        if len(products) > MAX_AT_ONCE:
            messages.error(request, gettext("Publish at most %(count)s products at a time.") % {"count": MAX_AT_ONCE})
            return None
        if request.POST.get("confirm") == "yes":
            return publish_confirmed(self, request, products)
        return confirm_page(self, request, products)

    def get_urls(self):
        urls = [path("publish/", self.admin_site.admin_view(self.publish_view), name="configurator_product_publish")]
        return urls + super().get_urls()

    def publish_view(self, request: HttpRequest) -> HttpResponse:
        """The confirmation page for ?ids=1,2 (the product page's link); it posts to the action."""
        if not self.has_change_permission(request):
            raise PermissionDenied
        # Ids as a database key holds them: ASCII digits, below 2**31 (a longer number is no product).
        parts = (part.strip() for part in request.GET.get("ids", "").split(","))
        ids = [int(part) for part in parts if part.isascii() and part.isdigit() and int(part) < 2**31]
        products = list(Product.objects.filter(pk__in=ids[:MAX_AT_ONCE]).select_related("current_version"))
        if not products:
            raise Http404(gettext("No such product."))
        return confirm_page(self, request, products)

    @admin.display(description=_("draft and publishing"))
    def publishing_links(self, obj: Product) -> str:
        if not obj.pk:
            return "—"
        return format_html(
            '<a href="{}">{}</a> · <a href="{}">{}</a>',
            reverse("configurator:draft", args=[obj.slug]), gettext("Preview the draft in the studio"),
            f"{reverse('admin:configurator_product_publish')}?ids={obj.pk}", gettext("Review and publish…"),
        )


# Steps, options and rules ---------------------------------------------------------------------


class OptionInline(admin.TabularInline):
    model = Option
    extra = 0
    fields = (
        "code", "name_en", "name_nl", "price_delta", "swatch", "is_available", "position", "layers_link",
    )
    readonly_fields = ("layers_link",)

    @admin.display(description=_("layers per view"))
    def layers_link(self, obj: Option) -> str:
        if not obj.pk:
            return "—"
        url = reverse("admin:configurator_option_change", args=[obj.pk])
        return format_html('<a href="{}">{}</a>', url, gettext("edit layers (%(count)s)") % {
            "count": obj.layers.count()
        })


class OptionLayerInline(admin.TabularInline):
    """An option's picture in each view: an image, or a grey mask with a tint colour."""

    model = OptionLayer
    form = OptionLayerForm
    formset = ParentInlineFormSet
    extra = 1
    fields = ("view", "image", "tint", "z")


class TextPlacementInline(admin.TabularInline):
    """Where a personal text is drawn in each view; a view without one does not show it."""

    model = TextPlacement
    form = TextPlacementForm
    formset = ParentInlineFormSet
    extra = 0
    fields = ("view", "x", "y", "width", "height", "z")


@admin.register(OptionGroup)
class OptionGroupAdmin(CatalogCheckOnSaveMixin, AtelierModelAdmin):
    form = OptionGroupForm
    list_display = ("code", "display_name", "product", "kind", "position", "required", "default_option")
    list_filter = ("product", "kind")
    list_select_related = ("product", "default_option")
    search_fields = ("code", "name_en", "name_nl", "product__slug")
    fieldsets = (
        (None, {"fields": (
            "product", "code", "name_en", "name_nl", "kind", "position", "required", "default_option",
            "min_count", "max_count",
        )}),
        (_("Personal text"), {
            "classes": ("collapse",),
            "fields": (
                "max_length", "allowed_pattern", "price_per_char", "flat_price", "font", "text_colour",
            ),
        }),
    )
    inlines = (OptionInline, TextPlacementInline)

    def checked_product(self, obj: OptionGroup) -> Product:
        return obj.product

    @admin.display(description=_("name"), ordering="name_en")
    def display_name(self, obj: OptionGroup) -> str:
        return obj.localized("name")


@admin.register(Option)
class OptionAdmin(CatalogCheckOnSaveMixin, AtelierModelAdmin):
    list_display = ("code", "display_name", "group", "product", "price_delta", "is_available", "position")
    list_filter = (("group__product", admin.RelatedOnlyFieldListFilter), "is_available")
    list_select_related = ("group__product",)
    search_fields = ("code", "name_en", "name_nl", "group__code", "group__product__slug")
    inlines = (OptionLayerInline,)

    def checked_product(self, obj: Option) -> Product:
        return obj.group.product

    @admin.display(description=_("name"), ordering="name_en")
    def display_name(self, obj: Option) -> str:
        return obj.localized("name")

    @admin.display(description=_("product"), ordering="group__product__slug")
    def product(self, obj: Option) -> str:
        return obj.group.product.slug


@admin.register(Rule)
class RuleAdmin(CatalogCheckOnSaveMixin, AtelierModelAdmin):
    form = RuleForm
    list_display = ("code", "product", "kind", "is_active", "position")
    list_filter = ("product", "kind", "is_active")
    list_select_related = ("product",)
    search_fields = ("code", "explanation_en", "explanation_nl")
    fields = ("product", *RULE_FIELDS)
    filter_horizontal = ("subjects", "targets")

    def checked_product(self, obj: Rule) -> Product:
        return obj.product


# Published versions and builds: frozen -----------------------------------------------------------


@admin.register(CatalogVersion)
class CatalogVersionAdmin(ViewOnlyAdminMixin, AtelierModelAdmin):
    """Versions are immutable: builds keep the version they were priced with."""

    list_display = ("product", "number", "created_at", "note")
    list_filter = ("product",)
    list_select_related = ("product",)
    search_fields = ("product__slug", "note")
    fields = ("product", "number", "created_at", "note", "checksum", "snapshot_pretty")
    readonly_fields = fields
    actions = ("recompute_unreachable",)

    def has_recompute_permission(self, request: HttpRequest) -> bool:
        """Those who may publish a product may correct what its versions offer."""
        return request.user.has_perm("configurator.change_product")

    @admin.action(description=_("Recompute unreachable options (exact)"), permissions=["recompute"])
    def recompute_unreachable(self, request: HttpRequest, queryset: QuerySet) -> None:
        """Only the stored list changes (configurator/services/unreachable.py); see the README."""
        for version in queryset.select_related("product").defer("snapshot").order_by("product__slug", "number"):
            result = version_unreachable_recompute(version=version)
            level = messages.WARNING if result.error else messages.SUCCESS if result.changed else messages.INFO
            messages.add_message(request, level, unreachable_recomputed_message(result))


    @admin.display(description=_("snapshot"))
    def snapshot_pretty(self, obj: CatalogVersion) -> str:
        return _pretty_json(obj.snapshot)


@admin.register(Build)
class BuildAdmin(AtelierModelAdmin):
    """A build's price is frozen: staff may rename a build, nothing more."""

    form = BuildForm
    list_display = ("short_id", "product", "name", "status", "total", "is_complete", "created_at")
    list_filter = ("product", "status", HiddenFilter)
    list_select_related = ("product",)
    search_fields = ("name", "share_code")
    actions = (hide_designs, unhide_designs)
    fields = (
        "name", "product", "catalog_version", "status", "total", "is_complete", "price_pretty",
        "selections_pretty", "fingerprint", "share_code", "owner_key", "owner_user", "remixed_from",
        "forked_from", "created_at", "updated_at", "shared_at", "hidden_at",
    )
    readonly_fields = tuple(name for name in fields if name != "name")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    @admin.display(description=_("id"), ordering="id")
    def short_id(self, obj: Build) -> str:
        return str(obj.id)[:8]

    @admin.display(description=_("frozen price breakdown"))
    def price_pretty(self, obj: Build) -> str:
        return _pretty_json(obj.price)

    @admin.display(description=_("selections"))
    def selections_pretty(self, obj: Build) -> str:
        return _pretty_json(obj.selections)


def _preview_tag(preview_url: str, alt: str) -> str:
    return format_html('<img src="{}" alt="{}" width="{}" loading="lazy">', preview_url, alt, 240)


@admin.register(Order)
class OrderAdmin(AtelierModelAdmin):
    """Orders keep the frozen build and price; staff move them through production."""

    list_display = ("number", "thumbnail", "product", "name", "country", "total", "status", "estimated_delivery",
                    "created_at")
    list_filter = ("product", "status", "country", "marketing_opt_in")
    list_select_related = ("product", "build")
    search_fields = ("number", "name", "email")
    date_hierarchy = "created_at"
    fields = (
        "number", "status", "thumbnail", "product", "catalog_version", "build", "name", "email",
        "address_line1", "address_line2", "postal_code", "city", "region", "country", "estimated_delivery",
        "marketing_opt_in", "language", "total", "price_pretty", "selections_pretty", "created_at",
    )
    readonly_fields = tuple(name for name in fields if name != "status")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    @admin.display(description=_("preview"))
    def thumbnail(self, obj: Order) -> str:
        from configurator.studio import build_summary

        summary = build_summary(obj.build)
        return _preview_tag(summary.preview.url, summary.alt)

    @admin.display(description=_("price breakdown"))
    def price_pretty(self, obj: Order) -> str:
        return _pretty_json(obj.price)

    @admin.display(description=_("selections"))
    def selections_pretty(self, obj: Order) -> str:
        return _pretty_json(obj.selections)


# auth's and axes's admins (registered before ours: INSTALLED_APPS order) answer bad input as ours do.
check_registered_admins(admin.site)

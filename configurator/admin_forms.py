"""Admin forms: keep staff from wiring one product's rules to another product's options."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.forms.models import BaseInlineFormSet
from django.utils.translation import gettext_lazy as _

from configurator.models import Build, Option, OptionGroup, OptionLayer, Product, ProductView, Rule, TextPlacement
from configurator.services.builds import BuildInvalid, clean_name

RULE_OPTION_FIELDS = ("subjects", "targets")
RULE_FIELDS = (
    "code", "kind", "subjects", "targets", "condition", "min_count", "max_count", "amount",
    "explanation_en", "explanation_nl", "is_active", "position",
)
GROUP_FIELDS = (
    "product", "code", "name_en", "name_nl", "kind", "position", "required", "default_option",
    "min_count", "max_count", "max_length", "allowed_pattern", "price_per_char", "flat_price", "font",
    "text_colour",
)
_UNSET: Any = object()


def _option_label(option: Option) -> str:
    return f"{option.key} – {option.localized('name')}"


def _option_label_with_product(option: Option) -> str:
    return f"{option.group.product.slug} / {_option_label(option)}"


class RuleForm(forms.ModelForm):
    """A rule's subjects and targets must be options of the rule's own product.

    When the product is known (an existing rule, or a rule inline on its product) only that
    product's options are offered; `clean` checks it either way, since the choices of a new
    rule in its own admin span every product.
    """

    class Meta:
        model = Rule
        fields = ("product", *RULE_FIELDS)

    def __init__(self, *args: Any, product: Product | None = _UNSET, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if product is _UNSET:
            product = self.instance.product if self.instance.product_id else None
        for name in RULE_OPTION_FIELDS:
            field = self.fields.get(name)
            if field is None:
                continue
            if product is None:
                field.queryset = Option.objects.select_related("group__product").order_by(
                    "group__product__position", "group__product__slug", "group__position", "position", "id"
                )
                field.label_from_instance = _option_label_with_product
            else:
                field.queryset = (
                    Option.objects.filter(group__product_id=product.pk).select_related("group")
                    if product.pk else Option.objects.none()
                ).order_by("group__position", "position", "id")
                field.label_from_instance = _option_label

    def _product_id(self) -> int | None:
        if "product" in self.fields:
            product = self.cleaned_data.get("product")
            return product.pk if product else None
        return self.instance.product_id

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        product_id = self._product_id()
        if product_id is None:
            return cleaned
        for name in RULE_OPTION_FIELDS:
            foreign = [o for o in cleaned.get(name) or [] if o.group.product_id != product_id]
            if foreign:
                self.add_error(name, ValidationError(
                    _("These options belong to another product: %(options)s. "
                      "A rule can only use options of its own product."),
                    code="other_product",
                    params={"options": ", ".join(_option_label_with_product(o) for o in foreign)},
                ))
        return cleaned


class RuleInlineFormSet(BaseInlineFormSet):
    """Rules edited on their product's page: offer that product's options only."""

    def get_form_kwargs(self, index: int | None) -> dict[str, Any]:
        return {**super().get_form_kwargs(index), "product": self.instance}


class OptionGroupForm(forms.ModelForm):
    """The default option is one of the step's own options (none yet for a new step)."""

    class Meta:
        model = OptionGroup
        fields = GROUP_FIELDS

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields.get("default_option")
        if field is not None:
            own = Option.objects.filter(group_id=self.instance.pk)
            field.queryset = (own if self.instance.pk else Option.objects.none()).order_by("position", "id")
            field.label_from_instance = lambda o: f"{o.code} – {o.localized('name')}"


class BuildForm(forms.ModelForm):
    """Staff may rename a build (e.g. to remove an offensive name); nothing else is editable."""

    class Meta:
        model = Build
        fields = ["name"]

    def clean_name(self) -> str:
        try:
            return clean_name(self.cleaned_data.get("name"))
        except BuildInvalid as exc:
            raise ValidationError(exc.errors["name"]) from exc


class _ProductViewField:
    """Offer only the views of the product the row belongs to (a layer or placement in another
    product's view would never be drawn)."""

    product_path: tuple[str, ...] = ()

    def _limit_views(self, owner: Any) -> None:
        field = self.fields.get("view")
        if field is None:
            return
        product_id = owner
        for name in self.product_path:
            product_id = getattr(product_id, name, None) if product_id is not None else None
        field.queryset = ProductView.objects.filter(product_id=product_id).order_by("position", "id")


class OptionLayerForm(_ProductViewField, forms.ModelForm):
    product_path = ("group", "product_id")

    class Meta:
        model = OptionLayer
        fields = ("view", "image", "tint", "z")

    def __init__(self, *args: Any, parent: Option | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._limit_views(parent if parent is not None and parent.pk else None)


class TextPlacementForm(_ProductViewField, forms.ModelForm):
    product_path = ("product_id",)

    class Meta:
        model = TextPlacement
        fields = ("view", "x", "y", "width", "height", "z")

    def __init__(self, *args: Any, parent: OptionGroup | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._limit_views(parent if parent is not None and parent.pk else None)


class ParentInlineFormSet(BaseInlineFormSet):
    """Hands the inline's parent (option or step) to each form, to limit its views."""

    def get_form_kwargs(self, index: int | None) -> dict[str, Any]:
        return {**super().get_form_kwargs(index), "parent": self.instance}

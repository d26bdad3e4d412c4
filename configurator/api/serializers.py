"""Input validation, and the shapes of the responses for the OpenAPI schema."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from configurator.services.builds import NAME_MAX


class SelectionsField(serializers.JSONField):
    """Step code -> option code, list of option codes, text, or null. Checked by the engine."""

    default_error_messages = {"not_an_object": _("Selections must be an object of step codes.")}

    def to_internal_value(self, data):
        value = super().to_internal_value(data)
        if not isinstance(value, dict):
            self.fail("not_an_object")
        return value


class TextField(serializers.CharField):
    """Only a JSON string: REST framework's CharField would also take 12 or 1e300 as text."""

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


class ActionSerializer(serializers.Serializer):
    group = serializers.CharField(max_length=40, help_text=_("The step that was clicked."))
    option = serializers.CharField(
        max_length=40, allow_null=True, required=False, default=None,
        help_text=_("The option clicked; null clears a single-choice step."),
    )
    selected = serializers.BooleanField(
        default=True, help_text=_("Multiple-choice steps: whether the option goes on or off.")
    )


class QuoteInput(serializers.Serializer):
    product = serializers.SlugField(max_length=50)
    selections = SelectionsField(required=False, default=dict)
    action = ActionSerializer(required=False, allow_null=True, default=None)


class BuildCreateInput(serializers.Serializer):
    product = serializers.SlugField(max_length=50)
    selections = SelectionsField(required=False, default=dict)
    name = TextField(max_length=NAME_MAX, required=False, allow_blank=True, default="", trim_whitespace=False)


class BuildUpdateInput(serializers.Serializer):
    selections = SelectionsField(required=False)
    name = TextField(max_length=NAME_MAX, required=False, allow_blank=True, trim_whitespace=False)


class RemixInput(serializers.Serializer):
    name = TextField(max_length=NAME_MAX, required=False, allow_blank=True, trim_whitespace=False)


# Response shapes (documentation) ---------------------------------------------------------------

class PriceLineOutput(serializers.Serializer):
    kind = serializers.ChoiceField(choices=["base", "option", "text", "rule"])
    label = serializers.CharField()
    amount = serializers.DecimalField(max_digits=12, decimal_places=2)
    group = serializers.CharField(allow_null=True)
    option = serializers.CharField(allow_null=True)
    rule = serializers.CharField(allow_null=True)


class PriceOutput(serializers.Serializer):
    currency = serializers.CharField()
    lines = PriceLineOutput(many=True)
    total = serializers.DecimalField(max_digits=12, decimal_places=2)


class ViolationOutput(serializers.Serializer):
    kind = serializers.ChoiceField(choices=["rule", "group_max", "unavailable", "text_length", "text_chars"])
    step = serializers.CharField(allow_null=True)
    rule = serializers.CharField(allow_null=True)
    options = serializers.ListField(child=serializers.CharField())
    message = serializers.CharField()


class OptionStatusOutput(serializers.Serializer):
    status = serializers.ChoiceField(choices=["selected", "available", "conflict", "unavailable"])
    reasons = serializers.ListField(child=serializers.CharField(), required=False)
    rules = serializers.ListField(child=serializers.CharField(), required=False)


class ChangeOutput(serializers.Serializer):
    step = serializers.CharField()
    to = serializers.ListField(child=serializers.CharField())

    def get_fields(self):
        fields = super().get_fields()
        fields["from"] = serializers.ListField(child=serializers.CharField())
        return fields


class RepairOutput(serializers.Serializer):
    message = serializers.CharField()
    changes = ChangeOutput(many=True)
    fixes = ViolationOutput(many=True)
    selections = serializers.DictField()
    price = PriceOutput()
    valid = serializers.BooleanField()


class MissingOutput(serializers.Serializer):
    step = serializers.CharField()
    name = serializers.CharField()


class QuoteOutput(serializers.Serializer):
    product = serializers.CharField()
    version = serializers.IntegerField()
    selections = serializers.DictField()
    valid = serializers.BooleanField()
    complete = serializers.BooleanField()
    missing = MissingOutput(many=True)
    violations = ViolationOutput(many=True)
    availability = serializers.DictField(child=OptionStatusOutput())
    price = PriceOutput()
    fingerprint = serializers.CharField()
    repair = RepairOutput(allow_null=True)


class ProductOutput(serializers.Serializer):
    slug = serializers.SlugField()
    name = serializers.CharField()
    description = serializers.CharField()
    base_price = serializers.DecimalField(max_digits=10, decimal_places=2)
    currency = serializers.CharField()
    version = serializers.IntegerField()


class OptionOutput(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    price = serializers.DecimalField(max_digits=10, decimal_places=2)
    swatch = serializers.CharField()
    available = serializers.BooleanField()


class GroupOutput(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    kind = serializers.ChoiceField(choices=["single", "multi", "text"])
    required = serializers.BooleanField()
    default = serializers.CharField(allow_null=True)
    min = serializers.IntegerField()
    max = serializers.IntegerField(allow_null=True)
    options = OptionOutput(many=True)
    text = serializers.DictField(required=False)
    size = serializers.BooleanField(help_text="A size: a single choice that changes the price, never the picture.")


class RuleOutput(serializers.Serializer):
    code = serializers.CharField()
    kind = serializers.ChoiceField(choices=["requires", "excludes", "availability", "cardinality", "price"])
    subjects = serializers.ListField(child=serializers.CharField())
    targets = serializers.ListField(child=serializers.CharField())
    condition = serializers.ChoiceField(choices=["all", "any"])
    min = serializers.IntegerField(allow_null=True)
    max = serializers.IntegerField(allow_null=True)
    amount = serializers.DecimalField(max_digits=10, decimal_places=2)
    explanation = serializers.CharField()


class CatalogOutput(ProductOutput):
    groups = GroupOutput(many=True)
    rules = RuleOutput(many=True)


class SharedBuildOutput(serializers.Serializer):
    product = serializers.CharField()
    version = serializers.IntegerField()
    name = serializers.CharField()
    selections = serializers.DictField()
    price = PriceOutput()
    total = serializers.DecimalField(max_digits=12, decimal_places=2)
    fingerprint = serializers.CharField()
    complete = serializers.BooleanField()
    status = serializers.ChoiceField(choices=["draft", "shared", "ordered"])
    stale = serializers.BooleanField()
    remixed_from = serializers.CharField(allow_null=True)
    created_at = serializers.DateTimeField()
    share_code = serializers.CharField(required=False)
    share_url = serializers.URLField(
        required=False, help_text=_("The public page of the shared build (/s/<code>/): the link to post or send.")
    )
    shared_api_url = serializers.URLField(
        required=False, help_text=_("The shared build as JSON (GET /api/shared/<code>/).")
    )
    remix_count = serializers.IntegerField()


class BuildOutput(SharedBuildOutput):
    id = serializers.UUIDField()
    forked_from = serializers.UUIDField(allow_null=True)
    updated_at = serializers.DateTimeField()
    remix_count = None
    shopper_token = serializers.CharField(
        required=False, help_text=_("Send as the X-Atelier-Shopper header to act as this shopper without cookies.")
    )


class RebaseOutput(serializers.Serializer):
    applied = serializers.BooleanField()
    changes = serializers.ListField(child=serializers.DictField())
    price_before = serializers.DecimalField(max_digits=12, decimal_places=2)
    price_after = serializers.DecimalField(max_digits=12, decimal_places=2)
    build = BuildOutput(allow_null=True, help_text=_("The build after the move; null for a preview."))


class ErrorOutput(serializers.Serializer):
    detail = serializers.CharField()
    errors = serializers.DictField(required=False)

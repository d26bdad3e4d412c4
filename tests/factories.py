"""Small factory-boy factories for tests. `factory_for(model)` finds the factory of a model."""

from __future__ import annotations

import uuid
from decimal import Decimal

import factory
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from factory.django import DjangoModelFactory

from configurator.models import (
    AllowedWord,
    BlockedWord,
    Build,
    CatalogVersion,
    DesignReport,
    Option,
    OptionGroup,
    Order,
    Product,
    Rule,
    RuleKind,
)
from configurator.snapshot import product_snapshot, snapshot_checksum
from personalization.models import (
    AudienceSync,
    Campaign,
    ConsentChange,
    Mailing,
    MapLearningJob,
    Motivation,
    MotivationEvaluation,
    MotivationMap,
    MotivationWeight,
    Placement,
    Profile,
    RescoreJob,
    Segment,
    Shopper,
    SyncDelivery,
    Variant,
)


class UserFactory(DjangoModelFactory):
    class Meta:
        model = get_user_model()

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda o: f"{o.username}@example.com")


class AuthGroupFactory(DjangoModelFactory):
    class Meta:
        model = Group

    name = factory.Sequence(lambda n: f"staff group {n}")


class ProductFactory(DjangoModelFactory):
    class Meta:
        model = Product

    slug = factory.Sequence(lambda n: f"product-{n}")
    name_en = factory.Sequence(lambda n: f"Product {n}")
    name_nl = factory.Sequence(lambda n: f"Product {n} (nl)")
    base_price = Decimal("100.00")


class OptionGroupFactory(DjangoModelFactory):
    class Meta:
        model = OptionGroup

    product = factory.SubFactory(ProductFactory)
    code = factory.Sequence(lambda n: f"step{n}")
    name_en = factory.Sequence(lambda n: f"Step {n}")
    name_nl = factory.Sequence(lambda n: f"Stap {n}")
    required = False


class OptionFactory(DjangoModelFactory):
    class Meta:
        model = Option

    group = factory.SubFactory(OptionGroupFactory)
    code = factory.Sequence(lambda n: f"option{n}")
    name_en = factory.Sequence(lambda n: f"Option {n}")
    name_nl = factory.Sequence(lambda n: f"Optie {n}")
    price_delta = Decimal("0.00")


class RuleFactory(DjangoModelFactory):
    """Pass subjects=[...] and targets=[...] as lists of options."""

    class Meta:
        model = Rule
        skip_postgeneration_save = True

    product = factory.SubFactory(ProductFactory)
    code = factory.Sequence(lambda n: f"rule{n}")
    kind = RuleKind.EXCLUDES
    explanation_en = "These do not go together."
    explanation_nl = "Deze passen niet samen."

    @factory.post_generation
    def subjects(self, create, extracted, **kwargs):
        if create and extracted:
            self.subjects.set(extracted)

    @factory.post_generation
    def targets(self, create, extracted, **kwargs):
        if create and extracted:
            self.targets.set(extracted)


class CatalogVersionFactory(DjangoModelFactory):
    """A version frozen from the product's live rows at creation time."""

    class Meta:
        model = CatalogVersion

    product = factory.SubFactory(ProductFactory)
    number = factory.Sequence(lambda n: n + 1)
    snapshot = factory.LazyAttribute(lambda o: product_snapshot(o.product))
    checksum = factory.LazyAttribute(lambda o: snapshot_checksum(o.snapshot))


class BuildFactory(DjangoModelFactory):
    """A row with plausible frozen values; use the build services for a priced, validated build."""

    class Meta:
        model = Build

    product = factory.SubFactory(ProductFactory)
    catalog_version = factory.SubFactory(CatalogVersionFactory, product=factory.SelfAttribute("..product"))
    name = factory.Sequence(lambda n: f"My build {n}")
    selections = factory.LazyFunction(dict)
    price = factory.LazyAttribute(lambda o: {"lines": [], "total": str(o.total), "currency": "EUR"})
    total = Decimal("100.00")
    fingerprint = "0" * 64
    owner_key = factory.LazyFunction(uuid.uuid4)


class OrderFactory(DjangoModelFactory):
    class Meta:
        model = Order

    build = factory.SubFactory(BuildFactory, status="ordered")
    product = factory.SelfAttribute("build.product")
    catalog_version = factory.SelfAttribute("build.catalog_version")
    number = factory.Sequence(lambda n: f"AT-TEST{n:04d}")
    selections = factory.LazyFunction(dict)
    price = factory.LazyAttribute(lambda o: {"lines": [], "total": "100.00", "currency": "EUR"})
    total = Decimal("100.00")
    fingerprint = "0" * 32
    name = "Ann de Vries"
    email = "ann@example.com"
    country = "NL"
    owner_key = factory.LazyFunction(uuid.uuid4)


class BlockedWordFactory(DjangoModelFactory):
    class Meta:
        model = BlockedWord

    word = factory.Sequence(lambda n: f"badword{n}")


class AllowedWordFactory(DjangoModelFactory):
    class Meta:
        model = AllowedWord

    word = factory.Sequence(lambda n: f"fineword{n}")


class DesignReportFactory(DjangoModelFactory):
    class Meta:
        model = DesignReport

    build = factory.SubFactory(BuildFactory, status="shared")
    reason = "offensive"
    details = "Rude badge"


class ShopperFactory(DjangoModelFactory):
    class Meta:
        model = Shopper

    id = factory.LazyFunction(uuid.uuid4)
    analytics = True
    personalization = True


class ConsentChangeFactory(DjangoModelFactory):
    class Meta:
        model = ConsentChange

    shopper = factory.SubFactory(ShopperFactory)
    analytics = True
    personalization = True
    source = "banner"


class MotivationFactory(DjangoModelFactory):
    class Meta:
        model = Motivation
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"motive-{n}")
    name_en = factory.Sequence(lambda n: f"Motive {n}")
    name_nl = factory.Sequence(lambda n: f"Motief {n}")


class MotivationMapFactory(DjangoModelFactory):
    class Meta:
        model = MotivationMap

    version = factory.Sequence(lambda n: n + 1)
    is_current = False


class MotivationWeightFactory(DjangoModelFactory):
    class Meta:
        model = MotivationWeight

    map = factory.SubFactory(MotivationMapFactory)
    product = factory.SubFactory(ProductFactory)
    group = "colour"
    option = factory.Sequence(lambda n: f"option{n}")
    motivation = factory.SubFactory(MotivationFactory)
    weight = 1.0


class RescoreJobFactory(DjangoModelFactory):
    class Meta:
        model = RescoreJob

    map = factory.SubFactory(MotivationMapFactory)


class MapLearningJobFactory(DjangoModelFactory):
    class Meta:
        model = MapLearningJob

    base = factory.SubFactory(MotivationMapFactory)
    total = 30


class MotivationEvaluationFactory(DjangoModelFactory):
    class Meta:
        model = MotivationEvaluation


class ProfileFactory(DjangoModelFactory):
    class Meta:
        model = Profile

    shopper = factory.SubFactory(ShopperFactory)
    scores = factory.LazyFunction(lambda: {"value": 1.5})
    confidence = 0.4


class SegmentFactory(DjangoModelFactory):
    class Meta:
        model = Segment

    name = factory.Sequence(lambda n: f"Segment {n}")
    rules = factory.LazyFunction(lambda: {"op": "and", "items": []})


class CampaignFactory(DjangoModelFactory):
    class Meta:
        model = Campaign

    name = factory.Sequence(lambda n: f"Campaign {n}")
    segment = factory.SubFactory(SegmentFactory)
    placement = Placement.HOME_HERO

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        """Content given to the campaign (headline_en=..., link=...) goes to its variant A."""
        content = {name: kwargs.pop(name) for name in VARIANT_CONTENT if name in kwargs}
        campaign = super()._create(model_class, *args, **kwargs)
        Variant.objects.create(campaign=campaign, code="A", **{
            "headline_en": "Made for you", "headline_nl": "Voor jou gemaakt", **content})
        return campaign


VARIANT_CONTENT = ("headline_en", "headline_nl", "body_en", "body_nl", "cta_en", "cta_nl", "link", "image", "weight",
                   "motivation")


class VariantFactory(DjangoModelFactory):
    class Meta:
        model = Variant

    campaign = factory.SubFactory(CampaignFactory)
    code = factory.Sequence(lambda n: f"v{n}")
    headline_en = factory.Sequence(lambda n: f"Variant {n}")
    headline_nl = factory.Sequence(lambda n: f"Variant {n} (NL)")



class AccessAttemptFactory(DjangoModelFactory):
    """django-axes: failed admin logins (the admin's unlock deletes these)."""

    class Meta:
        model = AccessAttempt

    username = factory.Sequence(lambda n: f"someone{n}")
    ip_address = "10.0.0.1"
    user_agent = "pytest"
    http_accept = "text/html"
    path_info = "/admin/login/"
    get_data = ""
    post_data = ""
    failures_since_start = 1


class AccessLogFactory(DjangoModelFactory):
    class Meta:
        model = AccessLog

    username = factory.Sequence(lambda n: f"someone{n}")
    ip_address = "10.0.0.1"
    user_agent = "pytest"
    http_accept = "text/html"
    path_info = "/admin/login/"


class AccessFailureLogFactory(DjangoModelFactory):
    class Meta:
        model = AccessFailureLog

    username = factory.Sequence(lambda n: f"someone{n}")
    ip_address = "10.0.0.1"
    user_agent = "pytest"
    http_accept = "text/html"
    path_info = "/admin/login/"


class AudienceSyncFactory(DjangoModelFactory):
    class Meta:
        model = AudienceSync

    segment = factory.SubFactory(SegmentFactory)
    name = factory.Sequence(lambda n: f"Audience {n}")
    url = "https://crm.example/hooks/audience"
    secret = "a-long-shared-secret-for-tests"


class SyncDeliveryFactory(DjangoModelFactory):
    class Meta:
        model = SyncDelivery

    sync = factory.SubFactory(AudienceSyncFactory)
    payload = factory.LazyFunction(lambda: {"added": [], "removed": []})


class MailingFactory(DjangoModelFactory):
    class Meta:
        model = Mailing

    campaign = factory.SubFactory(CampaignFactory)
    origin = "https://shop.example"


def factory_for(model: type) -> type[DjangoModelFactory] | None:
    """The factory in this module that makes `model`, if there is one."""
    for candidate in globals().values():
        if (
            isinstance(candidate, type)
            and issubclass(candidate, DjangoModelFactory)
            and candidate is not DjangoModelFactory
            and candidate._meta.model is model
        ):
            return candidate
    return None

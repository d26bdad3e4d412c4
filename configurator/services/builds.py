"""Saving, editing, sharing, remixing and rebasing builds.

A build is priced by the engine on the server with the catalog version it was made with; the
price is frozen on the row. Shared and ordered builds never change: editing one forks a draft.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from configurator import signals
from configurator.engine import Catalog, Pins, minimal_repair, normalize, quote, to_plain
from configurator.explain import diff_payload, errors_payload, price_payload, violations_payload
from configurator.identity import Owner
from configurator.models import Build, BuildStatus, CatalogVersion, Product
from configurator.personal_text import text_problems
from configurator.snapshot import catalog_for
from configurator.tasks import enqueue_on_commit, social_card_render

NAME_MAX = 80
UNSET: Any = object()


class BuildNotFound(Exception):
    """No such build for this owner (another shopper's private build looks exactly like this)."""


class BuildInvalid(Exception):
    def __init__(self, errors: dict[str, list[str]]):
        super().__init__(errors)
        self.errors = errors


@dataclass(frozen=True)
class RebaseResult:
    build: Build
    changes: list[dict[str, Any]]
    price_before: str
    price_after: str
    applied: bool


def clean_name(value: Any) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise BuildInvalid({"name": [_("Give the name as text.")]})
    text = unicodedata.normalize("NFC", value)
    text = "".join(ch for ch in text if unicodedata.category(ch)[0] != "C")
    text = " ".join(text.split())
    if len(text) > NAME_MAX:
        raise BuildInvalid({"name": [_("Use at most %(max)s characters.") % {"max": NAME_MAX}]})
    return text


def _priced(cat: Catalog, selections: Any) -> tuple[dict, dict, str, bool]:
    """(plain selections, price payload, fingerprint, complete), or BuildInvalid."""
    result = quote(cat, selections)
    if result.errors:
        raise BuildInvalid({"selections": errors_payload(result.errors)})
    evaluation = result.evaluation
    if not evaluation.valid:
        raise BuildInvalid({
            "selections": {"violations": [v["message"] for v in violations_payload(cat, evaluation.violations)]}
        })
    problems = text_problems(cat, evaluation.state)
    if problems:
        raise BuildInvalid({"selections": problems})
    return (
        to_plain(cat, evaluation.state),
        price_payload(cat, evaluation.price),
        evaluation.fingerprint,
        evaluation.complete,
    )


def _assign(build: Build, cat: Catalog, selections: Any) -> None:
    plain, price, fingerprint, complete = _priced(cat, selections)
    build.selections = plain
    build.price = price
    build.total = Decimal(price["total"])
    build.fingerprint = fingerprint
    build.is_complete = complete


def _current_version(product: Product) -> CatalogVersion:
    if not product.is_active or product.current_version_id is None:
        raise BuildInvalid({"product": [_("This product is not available.")]})
    return product.current_version


@transaction.atomic
def build_save(*, product: Product, selections: Any, owner: Owner, name: Any = "") -> Build:
    version = _current_version(product)
    build = Build(
        product=product, catalog_version=version, name=clean_name(name),
        owner_key=owner.shopper_id, owner_user_id=owner.user_id, saved_at=timezone.now(),
    )
    _assign(build, catalog_for(version), selections)
    build.save()
    signals.build_saved.send(sender=Build, build=build, created=True)
    return build


def owned_for_update(build: Build, owner: Owner) -> Build:
    found = Build.objects.owned_by(shopper_id=owner.shopper_id, user=owner.user).select_for_update()
    try:
        return found.get(pk=build.pk)
    except Build.DoesNotExist:
        raise BuildNotFound() from None


def _fork(build: Build, owner: Owner) -> Build:
    return Build(
        product_id=build.product_id, catalog_version_id=build.catalog_version_id, name=build.name,
        selections=build.selections, price=build.price, total=build.total,
        fingerprint=build.fingerprint, is_complete=build.is_complete,
        owner_key=owner.shopper_id, owner_user_id=owner.user_id, forked_from=build,
        remixed_from=build.remixed_from,
    )


@transaction.atomic
def build_update(*, build: Build, owner: Owner, selections: Any = UNSET, name: Any = UNSET) -> Build:
    """Change your own build. A shared or ordered build is frozen: you get a new draft instead."""
    build = owned_for_update(build, owner)
    target = _fork(build, owner) if build.is_frozen else build
    if name is not UNSET:
        target.name = clean_name(name)
    if selections is not UNSET:
        _assign(target, catalog_for(build.catalog_version_id), selections)
    target.saved_at = timezone.now()
    target.save()
    signals.build_saved.send(sender=Build, build=target, created=target is not build)
    return target


@transaction.atomic
def build_share(*, build: Build, owner: Owner) -> Build:
    """Freeze the build and make it visible by its share code (an ordered build stays ordered)."""
    build = owned_for_update(build, owner)
    if build.shared_at is None:
        if build.status == BuildStatus.DRAFT:
            build.status = BuildStatus.SHARED
        build.shared_at = timezone.now()
        build.save(update_fields=["status", "shared_at", "updated_at"])
        signals.build_shared.send(sender=Build, build=build)
        enqueue_on_commit(social_card_render, str(build.pk))
    return build


@transaction.atomic
def build_remix(*, source: Build, owner: Owner, name: Any = UNSET) -> Build:
    """A new draft for `owner`, copied from a shared build (or one of their own)."""
    is_own = Build.objects.owned_by(shopper_id=owner.shopper_id, user=owner.user).filter(pk=source.pk).exists()
    if not source.is_shared and not is_own:
        raise BuildNotFound()
    remix = _fork(source, owner)
    remix.forked_from = None
    remix.remixed_from = source
    remix.name = clean_name(name) if name is not UNSET else source.name
    remix.save()
    signals.build_remixed.send(sender=Build, build=remix, source=source)
    signals.build_saved.send(sender=Build, build=remix, created=True)
    return remix


@transaction.atomic
def build_copy(*, source: Build, owner: Owner) -> Build:
    """`source` in `owner`'s My designs, for a design e-mailed to another device (see
    configurator.services.design_links): the owner's own build is itself, a copy made before is
    that copy, else a new draft copied from it. The caller has checked that `owner` may have it."""
    mine = Build.objects.owned_by(shopper_id=owner.shopper_id, user=owner.user)
    if mine.filter(pk=source.pk).exists():
        return source
    earlier = mine.filter(copied_from=source).order_by("-created_at").first()
    if earlier is not None:
        return earlier
    copy = _fork(source, owner)
    copy.forked_from = None
    copy.copied_from = source
    copy.save()
    signals.build_saved.send(sender=Build, build=copy, created=True)
    return copy


def _rebased_selections(old: Catalog, new: Catalog, plain: dict) -> dict:
    """Old choices carried over where the new catalog still has them, then minimally repaired."""
    carried: dict[str, Any] = {}
    for group in new.groups:
        if group.code not in plain:
            continue
        value = plain[group.code]
        if group.kind == "text":
            carried[group.code] = value
        elif group.kind == "multi":
            carried[group.code] = [c for c in value or [] if new.option_in(group, c)]
        elif value is None or new.option_in(group, value):
            carried[group.code] = value
    state, _ = normalize(new, carried)
    mask = minimal_repair(new, state.mask, Pins())
    if mask is not None:
        state = state.with_mask(mask)
    return to_plain(new, state)


@dataclass(frozen=True)
class RebasePlan:
    version: CatalogVersion
    selections: dict[str, Any]
    changes: list[dict[str, Any]]
    price_before: str
    price_after: str


def build_rebase_plan(*, build: Build) -> RebasePlan:
    """What moving `build` to its product's current catalog would change. Saves nothing; the
    caller decides who may see it (a shared build's plan is as public as the build)."""
    version = _current_version(build.product)
    old, new = catalog_for(build.catalog_version_id), catalog_for(version)
    selections = _rebased_selections(old, new, dict(build.selections))
    probe = Build(product_id=build.product_id)
    _assign(probe, new, selections)
    return RebasePlan(
        version, probe.selections, diff_payload(old, new, build.selections, probe.selections),
        f"{build.total:.2f}", f"{probe.total:.2f}",
    )


@transaction.atomic
def build_rebase(*, build: Build, owner: Owner, apply: bool) -> RebaseResult:
    """Move a stale build to the product's current catalog: the nearest valid build there, with
    the diff. With apply=False nothing is saved. A frozen build is forked, never changed."""
    build = owned_for_update(build, owner)
    previous = build.catalog_version_id
    plan = build_rebase_plan(build=build)
    if plan.version.pk == previous:  # already on the current catalog: nothing moves, nothing is forked
        return RebaseResult(build, plan.changes, plan.price_before, plan.price_after, apply)
    target = _fork(build, owner) if build.is_frozen else build
    target.catalog_version = plan.version
    _assign(target, catalog_for(plan.version), plan.selections)
    result = RebaseResult(target, plan.changes, plan.price_before, plan.price_after, apply)
    if apply and plan.version.pk != previous:
        target.save()
        signals.build_rebased.send(sender=Build, build=target, previous_version_id=previous, changes=plan.changes)
    return result


@transaction.atomic
def build_remix_current(*, source: Build, owner: Owner) -> Build:
    """A remix of a shared build, moved onto the current catalog ("update to the current collection")."""
    remix = build_remix(source=source, owner=owner)
    return build_rebase(build=remix, owner=owner, apply=True).build


@transaction.atomic
def build_delete(*, build: Build, owner: Owner) -> None:
    """Delete your own draft or shared build. Ordered builds stay, since an order refers to them."""
    build = owned_for_update(build, owner)
    if build.status == BuildStatus.ORDERED:
        raise BuildInvalid({"build": [_("An ordered build cannot be deleted.")]})
    signals.build_deleted.send(sender=Build, build=build)
    build.delete()

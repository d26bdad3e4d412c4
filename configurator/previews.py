"""Preview images: rendered once per (catalog version, fingerprint, view), then served from a
cache row. A request must carry the build's selections, and they must make a valid build of that
version with that very fingerprint, so nobody can make the server draw arbitrary pictures."""

from __future__ import annotations

import io
import logging
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import timedelta
from functools import cached_property

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.http import QueryDict
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from atelier.storage import error_code, headroom_check, storage_failed
from configurator.engine import Catalog, State, evaluate, normalize, to_plain
from configurator.models import CatalogVersion, ImageKind, RenderedImage
from configurator.querystate import plain_from_query, query_from_plain
from configurator.render import compose, layers_for
from configurator.render.compose import Prepared, TextLayer, UnknownView, canvas_size, prepare_layer
from configurator.snapshot import catalog_for

MAX_PIXELS = 4_000_000
ZOOM = 2  # the zoom is drawn at twice the canvas (zoom_scale)
# A cache row's time says when it was last served (for evicting the least recently used), to
# within this: serving costs at most one UPDATE per render per interval.
TOUCH_EVERY = timedelta(hours=1)

logger = logging.getLogger(__name__)


class PreviewRefused(Exception):
    """The request does not name a valid build of that catalog version."""


class RenderUnavailable(Exception):
    """The image was drawn but could not be stored (the disk is full or failing): the caller
    answers "try again later". Saves, shares and orders never need a stored image."""


class _LayerCache:
    """Decoded, tinted, canvas-sized layers: they repeat across thousands of builds. Bounded by
    their decoded size (a zoom layer is four times a preview's), least recently used out first."""

    def __init__(self, max_bytes: int = 256 * 2**20) -> None:
        self._items: OrderedDict[tuple, Prepared] = OrderedDict()
        self._lock = threading.Lock()
        self._max_bytes = max_bytes
        self._bytes = 0

    def get(self, name: str, tint: str | None, size: tuple[int, int]) -> Prepared:
        key = (name, tint, size)
        with self._lock:
            image = self._items.get(key)
            if image is not None:
                self._items.move_to_end(key)
                return image
        try:
            with default_storage.open(name) as handle:
                image = prepare_layer(Image.open(handle), size, tint)
        except Exception as exc:  # the layer's file is gone or unreadable, or its storage is away
            logger.warning("could not read layer %s (%s); answering 503", name, error_code(exc))
            storage_failed(exc)
            raise RenderUnavailable(error_code(exc)) from exc
        with self._lock:
            if key not in self._items:
                self._items[key] = image
                self._bytes += _decoded_bytes(image.image)
            while self._bytes > self._max_bytes and len(self._items) > 1:
                self._bytes -= _decoded_bytes(self._items.popitem(last=False)[1].image)
        return image


    def clear(self) -> None:
        with self._lock:
            self._items.clear()
            self._bytes = 0


def _decoded_bytes(image: Image.Image) -> int:
    return image.width * image.height * len(image.getbands())


layer_cache = _LayerCache()


def zoom_scale(cat: Catalog) -> int:
    """How many times the canvas the zoom is drawn: twice, unless that passes MAX_PIXELS."""
    width, height = canvas_size(cat)
    return ZOOM if width * height * ZOOM * ZOOM <= MAX_PIXELS else 1


def render_preview(cat: Catalog, state: State, view: str | None = None, *, zoom: bool = False) -> Image.Image:
    """One view of the build (default: the first); PreviewRefused for a view it does not have.
    The zoom is the same picture at `zoom_scale` times the canvas: each layer is scaled from the
    size it is stored at (a layer uploaded at twice the canvas keeps its full detail there) and
    personal text is drawn at the larger size, so it stays sharp."""
    width, height = canvas_size(cat)
    if width * height > MAX_PIXELS:
        raise PreviewRefused("canvas too large")
    try:
        layers = layers_for(cat, state, view)
    except UnknownView:
        raise PreviewRefused("unknown view") from None
    scale = zoom_scale(cat) if zoom else 1
    size = (width * scale, height * scale)
    if scale != 1:
        layers = [replace(layer, box=tuple(v * scale for v in layer.box)) if isinstance(layer, TextLayer) else layer
                  for layer in layers]
    return compose(layers, size, lambda name, tint: layer_cache.get(name, tint, size), settings.FONT_DIR)


def card_views(cat: Catalog) -> list[str]:
    """The views a social card shows: its best two (the first two marked for the card, else the
    first two)."""
    marked = [v.code for v in cat.views if v.on_card]
    return (marked or [v.code for v in cat.views])[:2]


def encode_preview(image: Image.Image) -> bytes:
    """Previews sit on an opaque backdrop, so JPEG (full colour resolution, for crisp text and
    edges) is a third of the bytes of a PNG and encodes about eight times faster."""
    buffer = io.BytesIO()
    (image if image.mode == "RGB" else image.convert("RGB")).save(buffer, format="JPEG", quality=90, subsampling=0)
    return buffer.getvalue()


@dataclass(frozen=True)
class PreviewRef:
    version_id: int
    fingerprint: str
    query: str
    view: str | None = None  # None: the product's first view, at the address without a view

    @property
    def url(self) -> str:
        return self.url_for(self.view)

    @cached_property
    def _stem(self) -> str:
        """The first view's address without ".jpg": another view's is `<stem>/<view>.jpg`, its
        zoom `<stem>/<view>/zoom.jpg` (the URL conf's "preview" and "preview_zoom"; a test holds
        them to reverse()). One reverse() per build instead of three per view: a click's answer
        names every view's pictures, and reverse() was an eighth of the click."""
        return reverse("preview", args=[self.version_id, self.fingerprint]).removesuffix(".jpg")

    def zoom_url(self, view: str) -> str:
        """The address of the enlarged picture of one view (render_preview(zoom=True))."""
        return self._with_query(f"{self._stem}/{view}/zoom.jpg")

    def url_for(self, view: str | None) -> str:
        """The address of the same build in another view."""
        return self._with_query(f"{self._stem}/{view}.jpg" if view else f"{self._stem}.jpg")

    def _with_query(self, path: str) -> str:
        return f"{path}?{self.query}" if self.query else path


def picture_query(cat: Catalog, state: State) -> str:
    """The selections a preview address carries: all but sizes, which never change the picture
    (so a new size keeps the very same image address and the browser's cached copy)."""
    query = query_from_plain(cat, to_plain(cat, state))
    sizes = {f"{group.code}=" for group in cat.groups if group.size}
    if not sizes:
        return query
    return "&".join(pair for pair in query.split("&") if pair[:pair.find("=") + 1] not in sizes)


def preview_ref(cat: Catalog, version_id: int, state: State, fingerprint: str, view: str | None = None) -> PreviewRef:
    return PreviewRef(version_id, fingerprint, picture_query(cat, state), view)


def rendered_open(fetch: Callable[[bool], RenderedImage]):
    """The file of the cached image `fetch(redraw)` returns, open for reading. A row whose file
    went missing (media restored from an older backup, a cleared folder) is drawn again, as a
    reader regenerates any cached file it lacks; the warm path costs no storage lookup."""
    try:
        return fetch(False).file.open("rb")
    except FileNotFoundError:
        return fetch(True).file.open("rb")


def _store(version_id: int, fingerprint: str, kind: str, variant: str, data: bytes, size, ext: str,
           view: str = "") -> RenderedImage:
    """Write the file and point the cache row at it. Replaying it is harmless. A file is never
    replaced under a reader: when the name is taken (two requests drew the same image at once),
    storage picks a fresh one and the row points there."""
    suffix = "".join(f"-{part}" for part in (view, variant) if part)
    name = f"rendered/{version_id}/{kind}-{fingerprint}{suffix}.{ext}"
    try:
        headroom_check()
        saved = default_storage.save(name, ContentFile(data))  # whole or not at all (atelier.storage)
    except Exception as exc:  # OSError from a disk; botocore's own errors from object storage
        from configurator.services.renders import renders_evict_soon

        logger.warning("could not store %s (%s); answering 503", name, error_code(exc))
        storage_failed(exc)
        renders_evict_soon()
        raise RenderUnavailable(error_code(exc)) from exc
    # One statement (INSERT ... ON CONFLICT DO UPDATE): a concurrent request that stored the same
    # picture first is overwritten with an equal one, and the row is touched.
    return RenderedImage.objects.bulk_create(
        [RenderedImage(catalog_version_id=version_id, fingerprint=fingerprint, kind=kind, view=view, variant=variant,
                       file=saved, width=size[0], height=size[1])],
        update_conflicts=True, unique_fields=["catalog_version", "fingerprint", "kind", "view", "variant"],
        update_fields=["file", "width", "height", "created_at"],
    )[0]


def _touched(row: RenderedImage) -> RenderedImage:
    """The row served, its time moved forward if it is older than TOUCH_EVERY (least recently
    used renders are evicted first: configurator.services.renders)."""
    now = timezone.now()
    if now - row.created_at > TOUCH_EVERY:
        RenderedImage.objects.filter(pk=row.pk).update(created_at=now)
        row.created_at = now
    return row


def named_build(cat: Catalog, query: QueryDict, fingerprint: str) -> State:
    """The build a preview address names; PreviewRefused unless its query is a valid build of
    `cat` whose fingerprint is the one in the address."""
    state, errors = normalize(cat, plain_from_query(cat, query))
    result = evaluate(cat, state)
    if errors or not result.valid or result.fingerprint != fingerprint:
        raise PreviewRefused("not a valid build of this version")
    return state


def preview_fetch(
    *, version_id: int, fingerprint: str, query: QueryDict, view: str | None = None,
    before_render: Callable[[], None] | None = None, redraw: bool = False, zoom: bool = False,
) -> RenderedImage:
    """The cached preview of one view (default: the first), rendering it on a miss;
    PreviewRefused unless the view is one of the product's and the query is a valid build of
    that version whose fingerprint is the one asked for, RenderUnavailable when it cannot be
    stored. `before_render` runs only when it is about to draw (the web view counts renders
    against a rate limit there). The zoom (`render_preview(zoom=True)`) is a row of its own, the
    variant "zoom"."""
    variant = "zoom" if zoom else ""
    if view is not None:  # a named view's row is found by its code without compiling the catalog
        row = None if redraw else RenderedImage.objects.filter(
            catalog_version_id=version_id, fingerprint=fingerprint, kind=ImageKind.PREVIEW, view=view, variant=variant
        ).first()
        if row is not None:
            return _touched(row)
    if not CatalogVersion.objects.filter(pk=version_id).exists():
        raise PreviewRefused("unknown version")
    cat = catalog_for(version_id)
    shown = cat.view(view)
    if shown is None:
        raise PreviewRefused("unknown view")
    if view is None:
        row = None if redraw else RenderedImage.objects.filter(
            catalog_version_id=version_id, fingerprint=fingerprint, kind=ImageKind.PREVIEW, view=shown.code,
            variant=variant,
        ).first()
        if row is not None:
            return _touched(row)
    state = named_build(cat, query, fingerprint)
    if before_render is not None:
        before_render()
    image = render_preview(cat, state, shown.code, zoom=zoom)
    return _store(version_id, fingerprint, ImageKind.PREVIEW, variant, encode_preview(image), image.size, "jpg",
                  view=shown.code)


def social_card_variant(*, build, language: str, fmt: str = "card") -> str:
    """A social image shows the build's name and price, so its cache row is per (version,
    fingerprint, variant): the format (none for the card), the language and a digest of the name
    and the price (a size changes the price but not the fingerprint)."""
    import hashlib

    digest = hashlib.sha256(f"{build.name}|{build.total}".encode()).hexdigest()[:12]
    return f"{'' if fmt == 'card' else fmt + '-'}{language[:2]}-{digest}"


def card_shots(cat: Catalog, state: State) -> list[Image.Image]:
    """The views a social image shows, drawn."""
    return [render_preview(cat, state, view) for view in card_views(cat)]


def social_image_fetch(*, build, language: str, fmt: str = "card", before_render: Callable[[], None] | None = None,
                       redraw: bool = False,
                       shots: Callable[[Catalog, State], list[Image.Image]] = card_shots) -> RenderedImage:
    """The build's social image in a format of configurator.render.social.FORMATS and a language,
    rendering (and caching) it on a miss (calling `before_render` first, as preview_fetch does).
    The name and the price are drawn as they are, the price in that language's format."""
    from django.utils import translation

    from configurator.i18n import pick
    from configurator.render.social import FORMATS, social_image
    from configurator.templatetags.atelier import eur

    language = language[:2]
    variant = social_card_variant(build=build, language=language, fmt=fmt)
    row = None if redraw else RenderedImage.objects.filter(
        catalog_version_id=build.catalog_version_id, fingerprint=build.fingerprint,
        kind=ImageKind.SOCIAL, variant=variant,
    ).first()
    if row is not None:
        return _touched(row)
    if before_render is not None:
        before_render()
    cat = catalog_for(build.catalog_version_id)
    state, _errors = normalize(cat, build.selections)
    with translation.override(language):
        title = build.name or pick(cat.name)
        subtitle = pick(cat.name) if build.name else ""
        price = eur(build.total)
    image = social_image(fmt, shots(cat, state), title, subtitle, price, settings.FONT_DIR)
    if social_image_type(fmt)[0] == "png":
        buffer = io.BytesIO()
        image.save(buffer, format="PNG", compress_level=1)
        data = buffer.getvalue()
    else:
        data = encode_preview(image)
    return _store(build.catalog_version_id, build.fingerprint, ImageKind.SOCIAL, variant, data, FORMATS[fmt].size,
                  social_image_type(fmt)[0])


def social_image_type(fmt: str) -> tuple[str, str]:
    """(extension, content type) of a social image. The card stays a PNG (its address has always
    been card.png); the larger formats are JPEGs (as encode_preview writes them), which a phone
    saves in a fifth of the time and a third of the bytes, and which the networks store anyway."""
    return ("png", "image/png") if fmt == "card" else ("jpg", "image/jpeg")


def social_card_fetch(*, build, language: str, before_render: Callable[[], None] | None = None,
                      redraw: bool = False) -> RenderedImage:
    """The build's 1200x630 social card in a language (see social_image_fetch)."""
    return social_image_fetch(build=build, language=language, before_render=before_render, redraw=redraw)


def social_cards_fetch(*, build) -> list[RenderedImage]:
    """The build's social card in every language (what sharing queues). The views are drawn at
    most once for all of them: only the name and the price are drawn per language."""
    drawn: list[Image.Image] = []

    def shots(cat: Catalog, state: State) -> list[Image.Image]:
        if not drawn:
            drawn.extend(card_shots(cat, state))
        return drawn

    return [social_image_fetch(build=build, language=code, shots=shots) for code, _name in settings.LANGUAGES]

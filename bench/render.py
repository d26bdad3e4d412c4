"""Preview and social-card rendering, in process, on the seeded demo city car (issue #3).

- Cold preview: `render_preview` + `encode_preview` of a build never rendered before, with the layer
  cache warm (the layers of every build measured are decoded and tinted beforehand, as they are
  on a server that has been up a while). Limit measured in the same run: a bare Pillow
  `alpha_composite` of the very same layers, decoded and tinted, canvas-sized as stored, onto a
  blank canvas of the same size (`compose` composites only the part of each layer that draws
  anything, which is part of what is measured).
  Target: median ratio <= 2.
- Social card: `social_card_fetch` as it runs on a cache miss, minus its database (the cache
  lookup finds no row and the store keeps the bytes): normalize, render the card's two views
  (#12), draw the 1200x630 card, PNG-encode it. Limit: bare composites of those two views;
  target ratio <= 5.
- Social images for every network (#16): the same for the square (1080x1080), portrait
  (1080x1350) and story (1080x1920) images (`social_image_fetch`, JPEG-encoded), each against
  the same bare composites measured in the same run; target ratio <= 5 each.
- Warm request: the preview view requested twice through Django's test client; the second
  request must be served from the cache row without rendering again.

Builds are random valid builds: random options per step, kept only when the engine says the
build is valid (personal texts left empty), each build distinct.
"""

from __future__ import annotations

import gc
import random
import shutil
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import SimpleNamespace

from django.conf import settings
from django.core.files.storage import default_storage
from django.db import connection
from PIL import Image

from bench.common import Result, median
from configurator import previews
from configurator.engine import Catalog, State, evaluate, normalize, to_plain
from configurator.engine.catalog import MULTI, SINGLE
from configurator.models import ImageKind, RenderedImage
from configurator.render import Layer, layers_for
from configurator.render.compose import Prepared, canvas_size
from configurator.render.social import FORMATS
from configurator.selectors import product_ref
from configurator.snapshot import catalog_for

PRODUCT = "city-car"
BACKGROUND = "#f4f1ea"  # compose()'s default backdrop
BUILD_NAME = "Weekend runabout"


def random_builds(cat: Catalog, count: int, seed: int = 3) -> list[State]:
    """`count` distinct valid builds: random options in every step, invalid draws thrown away."""
    rng = random.Random(seed)
    builds: dict[str, State] = {}
    for _ in range(count * 200):
        if len(builds) == count:
            break
        raw: dict[str, object] = {}
        for group in cat.groups:
            codes = [cat.options[i].code for i in group.options]
            if group.kind == SINGLE:
                raw[group.code] = rng.choice(codes + ([] if group.required else [None]))
            elif group.kind == MULTI:
                raw[group.code] = rng.sample(codes, rng.randint(0, len(codes)))
        state, errors = normalize(cat, raw)
        evaluation = evaluate(cat, state)
        if not errors and evaluation.valid:
            builds.setdefault(evaluation.fingerprint, state)
    return list(builds.values())


def prepared_layers(cat: Catalog, state: State, view: str | None = None) -> list[Image.Image]:
    """The build's image layers in one view (default: the first), decoded and tinted (through
    `compose`'s cache, so that is warm too), each back on a canvas-sized transparent image as
    the layer is stored: what a bare composite draws. (`compose` itself composites only the part
    of each layer that draws anything; that saving is part of what is measured.)"""
    size = canvas_size(cat)
    layers = []
    for layer in layers_for(cat, state, view):
        if isinstance(layer, Layer):
            prepared: Prepared = previews.layer_cache.get(layer.image, layer.tint, size)
            whole = Image.new("RGBA", size, (0, 0, 0, 0))
            whole.paste(prepared.image, prepared.offset)
            layers.append(whole)
    return layers


def bare_composite(layers: list[Image.Image], size: tuple[int, int]) -> Image.Image:
    canvas = Image.new("RGBA", size, BACKGROUND)
    for layer in layers:
        canvas.alpha_composite(layer)
    return canvas


def _seconds(work: Callable[[], object]) -> float:
    start = time.perf_counter()
    work()
    return time.perf_counter() - start


def _paired(builds: list[State], subject: Callable[[State], object],
            bare: Callable[[State], object]) -> tuple[list[float], list[float]]:
    """Each build once through `subject` and once through `bare`, the order alternating."""
    subject_times, bare_times = [], []
    gc_was_enabled = gc.isenabled()
    gc.disable()
    try:
        for i, state in enumerate(builds):
            if i % 2:
                bare_times.append(_seconds(lambda s=state: bare(s)))
                subject_times.append(_seconds(lambda s=state: subject(s)))
            else:
                subject_times.append(_seconds(lambda s=state: subject(s)))
                bare_times.append(_seconds(lambda s=state: bare(s)))
    finally:
        if gc_was_enabled:
            gc.enable()
    return subject_times, bare_times


@contextmanager
def _no_database() -> Iterator[list[bytes]]:
    """`configurator.previews` with its cache table stubbed out: every lookup misses and every
    store keeps the encoded bytes in the list yielded, instead of writing a row and a file."""
    stored: list[bytes] = []
    missing = SimpleNamespace(first=lambda: None)
    table = SimpleNamespace(objects=SimpleNamespace(filter=lambda **_lookup: missing))

    def keep(version_id, fingerprint, kind, variant, data, size, ext="png"):
        stored.append(data)
        return SimpleNamespace(fingerprint=fingerprint, kind=kind, variant=variant, size=size)

    saved = previews.RenderedImage, previews._store
    previews.RenderedImage, previews._store = table, keep
    try:
        yield stored
    finally:
        previews.RenderedImage, previews._store = saved


def _ratio_result(name: str, subject: list[float], bare: list[float], limit: float, note: str,
                  issue: int = 3) -> Result:
    measured, baseline = median(subject) * 1000, median(bare) * 1000
    ratio = measured / baseline if baseline else float("inf")
    return Result(issue, name, measured, "ms", baseline, ratio, f"ratio <= {limit:g}", ratio <= limit, note)


def reset_rendered() -> int:
    """Empty the bench's own render cache (rows and files), so every run starts cold alike.
    Refuses to touch anything but the benchmark database and the benchmark MEDIA_ROOT."""
    from bench.server import BENCH_DB

    media = settings.MEDIA_ROOT
    if connection.settings_dict.get("NAME") != BENCH_DB or getattr(settings, "BENCH_FILES", None) not in media.parents:
        return 0
    deleted, _ = RenderedImage.objects.all().delete()
    shutil.rmtree(media / "rendered", ignore_errors=True)
    return deleted


def warm_request(cat: Catalog, version_id: int, state: State) -> Result:
    """GET the preview of a build twice through the real view; count the renders of each."""
    from django.test import Client

    evaluation = evaluate(cat, state)
    ref = previews.preview_ref(cat, version_id, state, evaluation.fingerprint)
    for row in RenderedImage.objects.filter(catalog_version_id=version_id, fingerprint=evaluation.fingerprint,
                                            kind=ImageKind.PREVIEW):
        default_storage.delete(row.file.name)
        row.delete()
    calls: list[int] = []
    original = previews.render_preview

    def counting(*args, **kwargs):
        calls.append(1)
        return original(*args, **kwargs)

    client, renders, answers = Client(), [], []
    previews.render_preview = counting
    try:
        for _ in range(2):
            before = len(calls)
            response = client.get(ref.url)
            body = b"".join(response.streaming_content) if response.streaming else response.content
            response.close()
            renders.append(len(calls) - before)
            answers.append(response.status_code == 200 and body.startswith(b"\xff\xd8\xff"))  # a JPEG
    finally:
        previews.render_preview = original
    again = renders[1] > 0
    ok = not again and renders[0] == 1 and all(answers)
    note = f"(cold request rendered {renders[0]}x, warm request {renders[1]}x; JPEG answered: {answers})"
    return Result(3, f"warm preview request renders again: {'yes' if again else 'no'}", float(renders[1]),
                  "renders", None, None, "no", ok, note)


def run(builds: int = 30) -> list[Result]:
    ref = product_ref(slug=PRODUCT)
    cat = catalog_for(ref.version_id)
    size = canvas_size(cat)
    states = random_builds(cat, builds + 2)
    warmup, checked, states = states[0], states[1], states[2:]
    card_views = previews.card_views(cat)
    for state in states:  # the layer cache warm: decoded and tinted, as a running server has them
        for view in card_views:
            prepared_layers(cat, state, view)
    previews.encode_preview(previews.render_preview(cat, warmup))  # first-use costs of Pillow and zlib
    layers = {id(state): prepared_layers(cat, state) for state in states}
    note = f"(median of {len(states)} random valid {PRODUCT} builds, {size[0]}x{size[1]})"

    cold, bare = _paired(
        states,
        lambda state: previews.encode_preview(previews.render_preview(cat, state)),
        lambda state: bare_composite(layers[id(state)], size),
    )
    results = [_ratio_result("cold preview render + JPEG encode vs bare alpha_composite", cold, bare, 2, note)]

    def saved(state: State) -> SimpleNamespace:
        """What social_card_fetch reads of a saved build."""
        evaluation = evaluate(cat, state)
        return SimpleNamespace(catalog_version_id=ref.version_id, fingerprint=evaluation.fingerprint,
                               selections=to_plain(cat, state), name=BUILD_NAME, total=evaluation.price.total)

    saved_builds = {id(state): saved(state) for state in [warmup, *states]}

    def card(state: State) -> None:
        previews.social_card_fetch(build=saved_builds[id(state)], language="en")

    # The card shows the design from its best two views (#12): its limit is the bare composite
    # of each of those views.
    card_layers = {id(state): [prepared_layers(cat, state, view) for view in card_views] for state in states}

    def bare_card(state: State) -> None:
        for view_layers in card_layers[id(state)]:
            bare_composite(view_layers, size)

    with _no_database() as stored:
        card(warmup)  # fonts and the imports social_card_fetch makes on first use
        social, bare = _paired(states, card, bare_card)
    card_note = (note[:-1] + f", views {' and '.join(card_views)}, 1200x630 card, "
                 f"PNG ~{median([len(b) for b in stored]) / 1024:.0f} KiB)")
    results.append(_ratio_result("social card (render + card + PNG) vs bare alpha_composite", social, bare, 5,
                                 card_note))
    results.extend(network_images(states, saved_builds, warmup, bare_card, note))
    results.append(warm_request(cat, ref.version_id, checked))
    return results


IMAGE_FORMATS = ("square", "portrait", "story")


def image_name(fmt: str) -> str:
    width, height = FORMATS[fmt].size
    return f"social image {fmt} {width}x{height} (render + image + JPEG) vs bare alpha_composite"


def network_images(states: list[State], saved_builds: dict, warmup: State, bare_card: Callable[[State], None],
                   note: str) -> list[Result]:
    """Each picture for the networks (#16), as on a cache miss, against the card's bare limit."""
    results = []
    for fmt in IMAGE_FORMATS:
        def draw(state: State, fmt: str = fmt) -> None:
            previews.social_image_fetch(build=saved_builds[id(state)], language="en", fmt=fmt)

        with _no_database() as stored:
            draw(warmup)
            subject, bare = _paired(states, draw, bare_card)
        size_note = note[:-1] + f", JPEG ~{median([len(b) for b in stored]) / 1024:.0f} KiB)"
        results.append(_ratio_result(image_name(fmt), subject, bare, 5, size_note, issue=16))
    return results

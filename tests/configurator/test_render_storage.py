"""Rendered files on a full disk, and the render quota (issue #11, section 2).

Previews and social cards are written whole or not at all; a disk that cannot take them gets a
503 with Retry-After for those images only, while saves, shares, orders and pages go on; a
periodic task keeps the renders within their quota, least recently used out first. Checked with a
storage that raises ENOSPC, and on a real 1 MiB tmpfs that the tests mount and unmount.
"""

from __future__ import annotations

import errno
import io
import os
import re
import shutil
import subprocess
import uuid
from datetime import timedelta
from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.signals import request_finished
from django.db import close_old_connections
from django.test import Client
from django.utils import timezone
from PIL import Image

from atelier.storage import AtomicFileSystemStorage, storage_failures_forget
from configurator.identity import Owner
from configurator.models import Build, Order, RenderedImage
from configurator.render.quota import LOW_WATER, CachedFile, eviction_plan
from configurator.services import build_save, build_share, order_place
from configurator.services import renders as render_service
from configurator.services.renders import renders_evict
from configurator.services.social_cards import social_cards_sweep
from configurator.tasks import renders_evict as renders_evict_task
from configurator.tasks import social_card_render
from tests.configurator.conftest import make_car
from tests.conftest import missing_service

pytestmark = pytest.mark.django_db

CONTACT = {"name": "Ann de Vries", "email": "ann@example.com", "country": "NL",
           "address_line1": "Keizersgracht 1", "postal_code": "1015 CJ", "city": "Amsterdam"}
TOKEN = "health-token-for-these-tests"


@pytest.fixture(autouse=True)
def _settings(settings):
    settings.ATELIER_RATELIMIT_ENABLED = False  # these tests draw many images
    settings.ATELIER_HEALTH_TOKEN = TOKEN
    storage_failures_forget()
    yield
    storage_failures_forget()


def preview_url(query: str = "wheels=w17") -> str:
    html = Client().get(f"/en/configure/car/?{query}").content.decode()
    return re.search(r'<figure class="preview".*?<img src="([^"]+)"', html, re.S).group(1).replace("&amp;", "&")


def fetch(url: str, **headers):
    """GET `url` and read it whole (closing the file it streams, so a test disk can be unmounted)."""
    response = Client().get(url, **headers)
    body = b"".join(response.streaming_content) if response.streaming else response.content
    request_finished.disconnect(close_old_connections)  # as the test client does: keep the test's transaction
    try:
        response.close()
    finally:
        request_finished.connect(close_old_connections)
    return response, body


def rendered_files() -> list[str]:
    """Every file under MEDIA_ROOT/rendered, temporary ones (dot files) included."""
    from django.conf import settings

    root = Path(settings.MEDIA_ROOT) / "rendered"
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()) if root.exists() else []


def health() -> dict:
    return Client().get("/health/", HTTP_AUTHORIZATION=f"Bearer {TOKEN}").json()


def shared(car, owner, name: str = "Mine") -> Build:
    return build_share(build=build_save(product=car, selections={"wheels": "w17"}, owner=owner, name=name),
                       owner=owner)


def assert_503_without_an_image_or_a_trace(response, body: bytes) -> None:
    assert response.status_code == 503
    assert response["Retry-After"] == "60"
    assert response["Content-Type"].startswith("text/html")
    text = body.decode()
    assert "<img" not in text and "Traceback" not in text and "ENOSPC" not in text
    assert "storage is full" in text


# --- a storage that raises ENOSPC ---------------------------------------------------------------


class _DiskFullAfter:
    """Content of which the disk takes the first kilobyte, then is full."""

    def __init__(self, content) -> None:
        self.content = content

    def chunks(self):
        self.content.seek(0)
        yield self.content.read()[:1024]
        raise OSError(errno.ENOSPC, "No space left on device")


class FullDiskStorage(AtomicFileSystemStorage):
    def _save(self, name, content):
        return super()._save(name, _DiskFullAfter(content))


@pytest.fixture
def full_disk(settings):
    settings.STORAGES = {**settings.STORAGES, "default": {"BACKEND": f"{__name__}.FullDiskStorage"}}


def test_a_preview_that_cannot_be_stored_is_503_with_retry_after_and_leaves_no_file(car, full_disk):
    response, body = fetch(preview_url())
    assert_503_without_an_image_or_a_trace(response, body)
    assert rendered_files() == []  # neither the real name nor the temporary file
    assert not RenderedImage.objects.exists()


def test_api_and_htmx_clients_get_json(car, full_disk):
    response, _body = fetch(preview_url(), HTTP_ACCEPT="application/json")
    assert response.status_code == 503 and response["Retry-After"] == "60"
    assert response.json() == {"detail": "The image cannot be stored right now. Please try again in a minute."}


def test_a_social_card_that_cannot_be_stored_is_503(car, owner, full_disk):
    build = shared(car, owner)
    response, body = fetch(f"/s/{build.share_code}/card.png")
    assert_503_without_an_image_or_a_trace(response, body)
    assert rendered_files() == []


def test_health_says_storage_is_degraded_after_a_failed_write(car, full_disk):
    fetch(preview_url())
    data = health()
    assert data["status"] == "degraded"
    assert data["checks"]["storage"]["ok"] is False and data["checks"]["storage"]["error"] == "ENOSPC"


def test_saves_shares_orders_and_pages_keep_working(car, owner, full_disk, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):  # the share's card task runs, and fails quietly
        build = shared(car, owner, name="Full disk")
    assert build.status == "shared"
    placed = order_place(build=build, owner=owner, **CONTACT)
    assert Order.objects.filter(number=placed.number).exists()
    for url in ("/en/", "/en/configure/car/?wheels=w17", f"/s/{build.share_code}/"):
        assert Client().get(url).status_code == 200, url
    assert rendered_files() == []


def test_the_card_task_and_the_sweep_give_up_quietly_instead_of_retrying(car, owner, full_disk):
    build = shared(car, owner)
    assert social_card_render(str(build.pk)) == []  # no exception, so no autoretry piles up files
    Build.objects.filter(pk=build.pk).update(shared_at=timezone.now() - timedelta(minutes=5))
    assert social_cards_sweep() == 0
    assert rendered_files() == []


def test_a_failed_write_asks_for_an_eviction_once_a_minute(car, full_disk, monkeypatch,
                                                           django_capture_on_commit_callbacks):
    sent = []
    monkeypatch.setattr(renders_evict_task, "delay", lambda: sent.append(1))
    url = preview_url()
    with django_capture_on_commit_callbacks(execute=True):
        fetch(url)
        fetch(url)
    assert sent == [1]


# --- writing whole or not at all ----------------------------------------------------------------


def test_a_stored_file_is_complete_and_no_temporary_file_stays(tmp_path):
    storage = AtomicFileSystemStorage(location=tmp_path)
    name = storage.save("rendered/1/a.png", ContentFile(b"x" * 100_000))
    assert (tmp_path / name).read_bytes() == b"x" * 100_000
    assert [p.name for p in (tmp_path / "rendered/1").iterdir()] == ["a.png"]


def test_a_taken_name_is_never_replaced_under_a_reader(tmp_path):
    storage = AtomicFileSystemStorage(location=tmp_path)
    first = storage.save("rendered/1/a.png", ContentFile(b"first"))
    second = storage.save("rendered/1/a.png", ContentFile(b"second"))
    assert first != second
    assert storage.open(first).read() == b"first" and storage.open(second).read() == b"second"


def test_a_write_that_fails_leaves_nothing_behind(tmp_path):
    storage = FullDiskStorage(location=tmp_path)
    with pytest.raises(OSError) as raised:
        storage.save("rendered/1/a.png", ContentFile(b"x" * 10_000))
    assert raised.value.errno == errno.ENOSPC
    assert list((tmp_path / "rendered/1").iterdir()) == []


def test_text_content_is_stored_too(tmp_path):
    storage = AtomicFileSystemStorage(location=tmp_path)
    assert storage.open(storage.save("notes/a.txt", ContentFile("héllo"))).read() == "héllo".encode()


# --- which renders go: the plan -----------------------------------------------------------------

NOW = timezone.now()


def cached(name: str, size: int, minutes_ago: float, row: int | None = 1) -> CachedFile:
    return CachedFile(name, size, NOW - timedelta(minutes=minutes_ago), row)


def plan(files, quota, **kwargs) -> list[str]:
    return [f.name for f in eviction_plan(files, quota_bytes=quota, now=NOW, grace=timedelta(minutes=10), **kwargs)]


def test_within_the_quota_nothing_goes():
    assert plan([cached("a", 10, 100), cached("b", 10, 1)], quota=20) == []


def test_over_the_quota_the_least_recently_used_go_first_down_to_the_low_water_mark():
    files = [cached("new", 10, 1), cached("oldest", 10, 300), cached("old", 10, 200), cached("mid", 10, 100)]
    assert plan(files, quota=30) == ["oldest", "old"]  # 40 > 30: down to 27 (LOW_WATER = 0.9)
    assert LOW_WATER == 0.9


def test_files_no_row_points_at_go_once_older_than_the_grace_time():
    files = [cached("kept", 10, 1), cached("lost-race", 10, 60, row=None), cached("in-flight", 10, 2, row=None)]
    assert plan(files, quota=1000) == ["lost-race"]


def test_a_full_disk_evicts_below_the_quota_to_make_the_free_space_floor():
    files = [cached("a", 100, 30), cached("b", 100, 20), cached("c", 100, 10)]
    assert plan(files, quota=10_000, free_bytes=50, min_free_bytes=200) == ["a", "b"]


# --- which renders go: on storage ---------------------------------------------------------------


def render_rows(count: int) -> list[RenderedImage]:
    """`count` previews drawn through the view, the first the least recently used."""
    texts = ["A", "B", "C", "D", "E", "F", "G", "H"][:count]
    for text in texts:
        response, _body = fetch(preview_url(f"wheels=w17&badge={text}"))
        assert response.status_code == 200
    rows = list(RenderedImage.objects.order_by("pk"))
    for age, row in zip(range(len(rows), 0, -1), rows, strict=True):
        RenderedImage.objects.filter(pk=row.pk).update(created_at=timezone.now() - timedelta(hours=age))
    return rows


def test_eviction_deletes_the_least_recently_used_rows_and_files(car):
    rows = render_rows(4)
    sizes = [default_storage.size(row.file.name) for row in rows]
    report = renders_evict(quota_bytes=int(sum(sizes[2:]) / LOW_WATER) + 1)  # room for the newest two
    assert report.evicted == 2 and report.files == 4
    assert list(RenderedImage.objects.order_by("pk")) == rows[2:]
    assert [default_storage.exists(row.file.name) for row in rows] == [False, False, True, True]


def test_an_evicted_preview_is_drawn_again_on_request(car):
    url = preview_url("wheels=w17&badge=A")
    _first, body = fetch(url)
    renders_evict(quota_bytes=0)
    assert not RenderedImage.objects.exists() and rendered_files() == []
    again, body_again = fetch(url)
    assert again.status_code == 200 and body_again == body


def test_a_render_served_while_eviction_runs_is_kept(car, monkeypatch):
    rows = render_rows(2)
    listed = render_service.render_files

    def listed_then_served(**kwargs):
        files = listed(**kwargs)
        RenderedImage.objects.filter(pk=rows[0].pk).update(created_at=timezone.now() + timedelta(seconds=1))
        return files

    monkeypatch.setattr(render_service, "render_files", listed_then_served)
    renders_evict(quota_bytes=0)
    assert list(RenderedImage.objects.all()) == [rows[0]]
    assert default_storage.exists(rows[0].file.name) and not default_storage.exists(rows[1].file.name)


def test_leftovers_no_row_points_at_are_removed_after_the_grace_time(car):
    render_rows(1)
    old = default_storage.save("rendered/1/preview-lost-race.jpg", ContentFile(b"x"))
    temp = default_storage.path("rendered/1/.preview-x.jpg.1234abcd.part")
    Path(temp).write_bytes(b"half")
    young = default_storage.save("rendered/1/preview-in-flight.jpg", ContentFile(b"x"))
    hour_ago = (timezone.now() - timedelta(hours=1)).timestamp()
    os.utime(default_storage.path(old), (hour_ago, hour_ago))
    os.utime(temp, (hour_ago, hour_ago))
    renders_evict()
    assert not default_storage.exists(old) and not os.path.exists(temp)
    assert default_storage.exists(young) and RenderedImage.objects.count() == 1


def test_serving_a_render_marks_it_used_at_most_once_an_hour(car):
    url = preview_url()
    fetch(url)
    row = RenderedImage.objects.get()
    RenderedImage.objects.filter(pk=row.pk).update(created_at=timezone.now() - timedelta(minutes=30))
    fetch(url)
    assert timezone.now() - RenderedImage.objects.get().created_at > timedelta(minutes=29)  # not yet
    RenderedImage.objects.filter(pk=row.pk).update(created_at=timezone.now() - timedelta(hours=2))
    fetch(url)
    assert timezone.now() - RenderedImage.objects.get().created_at < timedelta(minutes=1)


def test_eviction_changes_nothing_frozen_and_the_card_is_drawn_again(car, owner):
    build = shared(car, owner, name="Frozen")
    before = (build.total, build.selections, build.fingerprint)
    fetch(f"/s/{build.share_code}/card.png")
    fetch(preview_url())
    renders_evict(quota_bytes=0)
    assert not RenderedImage.objects.exists()
    build.refresh_from_db()
    assert (build.total, build.selections, build.fingerprint) == before
    assert Client().get(f"/s/{build.share_code}/").status_code == 200
    response, body = fetch(f"/s/{build.share_code}/card.png")
    assert response.status_code == 200 and Image.open(io.BytesIO(body)).size == (1200, 630)


def test_the_quota_task_is_on_the_beat_schedule(settings, car):
    schedule = {entry["task"]: entry for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert schedule["configurator.renders_evict"]["schedule"] == settings.ATELIER_RENDER_EVICT_SECONDS
    render_rows(2)
    settings.ATELIER_RENDER_QUOTA_BYTES = 0
    result = renders_evict_task()
    assert (result["files"], result["evicted"]) == (2, 2) and not RenderedImage.objects.exists()


# --- a real small file system -------------------------------------------------------------------


@pytest.fixture
def small_disk(settings, tmp_path):
    """MEDIA_ROOT on a 1 MiB tmpfs that this test mounts and unmounts (needs root)."""
    mount = tmp_path / "small-disk"
    mount.mkdir()
    mount_bin, umount_bin = shutil.which("mount"), shutil.which("umount")
    if os.geteuid() != 0:
        missing_service("a tmpfs mount for the full-disk tests needs root")
    if not mount_bin or not umount_bin:
        missing_service("no mount(8)/umount(8) to make a small file system")
    done = subprocess.run([mount_bin, "-t", "tmpfs", "-o", "size=1m,mode=0755", "tmpfs", str(mount)],
                          capture_output=True, text=True, timeout=30)
    if done.returncode:
        missing_service(f"cannot mount a tmpfs: {done.stderr.strip()}")
    settings.MEDIA_ROOT = str(mount)
    try:
        yield mount
    finally:
        if subprocess.run([umount_bin, str(mount)], capture_output=True, timeout=30).returncode:
            subprocess.run([umount_bin, "-l", str(mount)], check=True, timeout=30)


def fill(disk: Path, *, leave: int = 0) -> Path:
    """Fill the disk, then free `leave` bytes again; returns the filler file."""
    filler = disk / "filler"
    fd = os.open(filler, os.O_WRONLY | os.O_CREAT, 0o600)
    try:
        for size in (1 << 16, 1 << 12, 1):
            block = b"\0" * size
            while True:
                try:
                    os.write(fd, block)
                except OSError as exc:
                    if exc.errno != errno.ENOSPC:
                        raise
                    break
        if leave:
            os.ftruncate(fd, os.fstat(fd).st_size - leave)
    finally:
        os.close(fd)
    return filler


def test_a_real_full_disk(small_disk, settings, django_capture_on_commit_callbacks):
    settings.ATELIER_STORAGE_MIN_FREE_BYTES = 0  # let the disk itself refuse
    car, owner = make_car(), Owner(shopper_id=uuid.uuid4())
    build = build_save(product=car, selections={"wheels": "w18"}, owner=owner, name="Almost full")
    url = preview_url()
    filler = fill(small_disk, leave=8192)  # room for part of a preview (about 14 kB), not all of it

    response, body = fetch(url)
    assert_503_without_an_image_or_a_trace(response, body)
    assert rendered_files() == []  # the half-written temporary file is gone too
    storage = health()["checks"]["storage"]
    assert (storage["ok"], storage["error"]) == (False, "ENOSPC")
    with django_capture_on_commit_callbacks(execute=True):
        build = build_share(build=build, owner=owner)
    response, body = fetch(f"/s/{build.share_code}/card.png")
    assert_503_without_an_image_or_a_trace(response, body)
    order_place(build=build, owner=owner, **CONTACT)
    for page in ("/en/", "/en/configure/car/?wheels=w17", f"/s/{build.share_code}/"):
        assert Client().get(page).status_code == 200, page
    assert rendered_files() == []

    filler.unlink()  # space again: the same URL draws a complete image
    response, body = fetch(url)
    assert response.status_code == 200
    Image.open(io.BytesIO(body)).load()
    assert rendered_files() == [f"{car.current_version_id}/{Path(RenderedImage.objects.get().file.name).name}"]


def test_renders_leave_the_free_space_floor_to_the_database(small_disk, settings):
    settings.ATELIER_STORAGE_MIN_FREE_BYTES = 512 * 1024
    make_car()
    url = preview_url()
    fill(small_disk, leave=256 * 1024)  # a preview would fit, but below the floor
    response, body = fetch(url)
    assert_503_without_an_image_or_a_trace(response, body)
    assert health()["status"] == "degraded"


def test_the_quota_keeps_a_small_disk_from_filling(small_disk, settings):
    settings.ATELIER_STORAGE_MIN_FREE_BYTES = 0
    settings.ATELIER_RENDER_QUOTA_BYTES = 48 * 1024
    make_car()
    for round_ in range(3):  # every distinct badge text is a new render; the quota is the bound
        for letter in "ABCDEFGH":
            response, _body = fetch(preview_url(f"wheels=w17&badge={letter}{round_}"))
            assert response.status_code == 200
        renders_evict()
        used = sum(p.stat().st_size for p in (small_disk / "rendered").rglob("*") if p.is_file())
        assert used <= settings.ATELIER_RENDER_QUOTA_BYTES
    assert RenderedImage.objects.count() == len(rendered_files()) >= 1

"""Moderation end to end: the default word lists in the database, what the shopper is told, and
reporting and hiding a shared design (issue #11, section 1)."""

from __future__ import annotations

import uuid

import pytest
from django.conf import settings as django_settings
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import translation

from configurator.engine import default_state
from configurator.identity import Owner, sign_shopper
from configurator.models import AllowedWord, BlockedWord, Build, DesignReport, ReportStatus
from configurator.moderation.defaults import default_allowed, default_blocked
from configurator.personal_text import blocked_in, text_problems
from configurator.services import build_hide, build_save, build_share, build_unhide, word_lists_seed
from configurator.snapshot import catalog_for

pytestmark = pytest.mark.django_db

STUDIO = "/en/configure/car/"


def client_of(owner: Owner | None = None) -> Client:
    client = Client()
    if owner is not None:
        client.cookies[django_settings.ATELIER_SHOPPER_COOKIE] = sign_shopper(owner.shopper_id)
    return client


@pytest.fixture
def seeded_words(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        word_lists_seed()


@pytest.fixture
def shared(car, owner) -> Build:
    return build_share(build=build_save(product=car, selections={"wheels": "w17"}, owner=owner, name="Weekend"),
                       owner=owner)


# -- the default lists ---------------------------------------------------------------------


def test_seed_demo_installs_the_default_lists(monkeypatch):
    monkeypatch.setattr("configurator.management.commands.seed_demo.demo_seed", lambda **kwargs: [])
    assert not BlockedWord.objects.exists()
    call_command("seed_demo", stdout=None)
    assert BlockedWord.objects.count() == len(default_blocked())
    assert AllowedWord.objects.count() == len(default_allowed())
    assert set(BlockedWord.objects.values_list("language", flat=True)) == {"en", "nl"}
    assert BlockedWord.objects.get(word="fuck").match == "part"
    assert BlockedWord.objects.filter(is_default=False).count() == 0


def test_seeding_again_adds_nothing_and_keeps_staff_edits():
    word_lists_seed()
    BlockedWord.objects.filter(word="kut").update(note="staff note")
    BlockedWord.objects.create(word="klapstuk", language="nl")
    assert word_lists_seed() == (0, 0)
    assert BlockedWord.objects.get(word="kut").note == "staff note"
    assert BlockedWord.objects.filter(word="klapstuk").exists()


def test_without_the_seed_nothing_is_blocked_and_with_it_disguises_are(django_capture_on_commit_callbacks):
    assert not blocked_in("SH1T")
    with django_capture_on_commit_callbacks(execute=True):
        word_lists_seed()
    assert blocked_in("SH1T") and blocked_in("K u t") and blocked_in("F.U.C.K")
    assert not blocked_in("CLASSIC") and not blocked_in("KUTTER")


def test_a_word_staff_add_is_refused_and_an_exception_lets_it_through(seeded_words, django_capture_on_commit_callbacks):
    assert not blocked_in("KLAPSTUK")
    with django_capture_on_commit_callbacks(execute=True):
        BlockedWord.objects.create(word="klapstuk", language="nl")
    assert blocked_in("KL4PSTUK")
    with django_capture_on_commit_callbacks(execute=True):
        AllowedWord.objects.create(word="klapstuk")
    assert not blocked_in("KLAPSTUK")


def test_staff_can_allow_a_default_word(seeded_words, django_capture_on_commit_callbacks):
    assert blocked_in("SEXY")
    with django_capture_on_commit_callbacks(execute=True):
        AllowedWord.objects.create(word="sexy", note="our brand says it")
    assert not blocked_in("SEXY")
    assert blocked_in("SEX")


# -- what the shopper is told --------------------------------------------------------------


@pytest.mark.parametrize(("language", "expected"), [
    ("en", "This text contains a word we cannot print. Please choose something else."),
    ("nl", "Deze tekst bevat een woord dat we niet kunnen drukken. Kies iets anders."),
])
def test_the_reason_names_no_word_in_the_shoppers_language(car, seeded_words, language, expected):
    cat = catalog_for(car.current_version)
    with translation.override(language):
        problems = text_problems(cat, default_state(cat).with_text("badge", "SH1T"))
    assert problems == {"badge": [expected]}
    assert not any(word in expected.lower() for word in ("shit", "sh1t"))


def test_the_studio_refuses_a_disguised_word_live_and_takes_a_look_alike(car, seeded_words):
    refused = Client().get(f"{STUDIO}?badge=K4NKER", HTTP_HX_REQUEST="true").content.decode()
    assert "contains a word we cannot print" in refused
    fine = Client().get(f"{STUDIO}?badge=KUTTER", HTTP_HX_REQUEST="true").content.decode()
    assert "contains a word we cannot print" not in fine


def test_a_disguised_word_is_not_saved(car, seeded_words):
    response = Client().post("/en/configure/car/save/", {"state": "badge=F U C K", "name": "x"}, follow=True)
    assert "Not saved" in response.content.decode()
    assert not Build.objects.exists()


# -- reporting a shared design -------------------------------------------------------------


def test_a_shared_page_offers_a_report_link_to_visitors_but_not_to_its_owner(shared, owner):
    report_url = reverse("shared-report", args=[shared.share_code])
    assert report_url in Client().get(f"/s/{shared.share_code}/").content.decode()
    assert report_url not in client_of(owner).get(f"/s/{shared.share_code}/").content.decode()


def test_a_report_is_stored_for_staff(shared):
    client = Client()
    assert client.get(f"/s/{shared.share_code}/report/?lang=nl").status_code == 200
    response = client.post(f"/s/{shared.share_code}/report/?lang=nl", {"reason": "offensive", "details": "Rude badge"})
    assert response.status_code == 302 and response["Location"] == f"/s/{shared.share_code}/?lang=nl"
    report = DesignReport.objects.get()
    assert (report.build, report.reason, report.details, report.language, report.status) == (
        shared, "offensive", "Rude badge", "nl", ReportStatus.OPEN,
    )


@pytest.mark.parametrize("data", [
    {},
    {"reason": "boring"},
    {"reason": "offensive", "details": "x" * 1001},
    {"reason": "offensive", "details": "nul\x00byte"},
])
def test_bad_report_input_is_400_and_stores_nothing(shared, data):
    response = Client().post(f"/s/{shared.share_code}/report/", data)
    assert response.status_code == 400
    assert "Please correct the errors below." in response.content.decode()
    assert not DesignReport.objects.exists()


def test_a_draft_or_a_missing_design_cannot_be_reported(car, owner):
    draft = build_save(product=car, selections={}, owner=owner)
    assert Client().post(f"/s/{draft.share_code}/report/", {"reason": "other"}).status_code == 404
    assert Client().post("/s/nosuchcode/report/", {"reason": "other"}).status_code == 404
    assert not DesignReport.objects.exists()


def test_reports_are_rate_limited(shared, settings):
    settings.ATELIER_RATELIMITS = {**settings.ATELIER_RATELIMITS, "report": "2/h", "report_ip": "10/h"}
    client = client_of(Owner(uuid.uuid4()))
    url = f"/s/{shared.share_code}/report/"
    assert [client.post(url, {"reason": "other"}).status_code for _ in range(2)] == [302, 302]
    refused = client.post(url, {"reason": "other"})
    assert refused.status_code == 429
    assert 1 <= int(refused["Retry-After"]) <= 3600
    assert "Too many requests" in refused.content.decode()
    assert DesignReport.objects.count() == 2


# -- hiding a shared design ----------------------------------------------------------------


def test_a_hidden_design_is_gone_for_everyone_but_its_owner(shared, owner):
    DesignReport.objects.create(build=shared, reason="offensive")
    build_hide(build=shared)
    code = shared.share_code
    visitor = Client()
    page = visitor.get(f"/s/{code}/")
    assert page.status_code == 410
    assert "This design is no longer available" in page.content.decode()
    assert visitor.get(f"/s/{code}/card.png").status_code == 410
    api = visitor.get(f"/api/shared/{code}/")
    assert api.status_code == 410 and "no longer available" in api.json()["detail"]
    assert visitor.post(f"/s/{code}/remix/").status_code == 410
    assert visitor.post(f"/api/shared/{code}/remix/", {}, content_type="application/json").status_code == 410
    assert visitor.post(f"/s/{code}/report/", {"reason": "other"}).status_code == 410
    assert DesignReport.objects.get().status == ReportStatus.HIDDEN

    mine = client_of(owner)
    own_page = mine.get(f"/s/{code}/")
    assert own_page.status_code == 200 and "only you can see it" in own_page.content.decode()
    assert mine.get(f"/s/{code}/card.png").status_code == 200
    assert mine.get(f"/api/shared/{code}/").status_code == 200
    assert mine.get(f"/en/designs/{shared.pk}/").status_code == 200


def test_a_design_shown_again_is_public_again(shared):
    build_hide(build=shared)
    build_unhide(build=shared)
    assert Client().get(f"/s/{shared.share_code}/").status_code == 200


def test_staff_hide_reported_designs_from_the_admin(admin_client, shared):
    report = DesignReport.objects.create(build=shared, reason="hateful", details="Look at the badge")
    changelist = reverse("admin:configurator_designreport_changelist")
    listing = admin_client.get(changelist)
    assert listing.status_code == 200 and "Look at the badge" in listing.content.decode()
    admin_client.post(changelist, {"action": "hide_designs", "_selected_action": [report.pk]})
    shared.refresh_from_db()
    assert shared.is_hidden
    assert Client().get(f"/s/{shared.share_code}/").status_code == 410
    hidden_builds = admin_client.get(reverse("admin:configurator_build_changelist"), {"hidden": "yes"})
    assert shared.name in hidden_builds.content.decode()


def test_staff_dismiss_a_report_and_the_design_stays(admin_client, shared):
    report = DesignReport.objects.create(build=shared, reason="other")
    admin_client.post(reverse("admin:configurator_designreport_changelist"),
                      {"action": "dismiss_reports", "_selected_action": [report.pk]})
    report.refresh_from_db()
    assert report.status == ReportStatus.DISMISSED
    assert Client().get(f"/s/{shared.share_code}/").status_code == 200

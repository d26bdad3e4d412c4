"""Staff screens of motivations, map versions, rescore jobs and profiles."""

from __future__ import annotations

import re
import uuid
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from personalization.models import Event, Motivation, MotivationMap, Profile, RescoreJob, RescoreStatus
from personalization.services import consent_set
from personalization.services.motivations import map_weights, motivation_map_edit, motivation_map_seed
from personalization.services.profiles import profile_recompute


@pytest.fixture
def current_map(car):
    v1 = motivation_map_seed()
    return motivation_map_edit(base=v1, user=None, changes={
        (car.pk, "trim", "sport", "performance"): 1.0,
        (car.pk, "wheels", "w16", "value"): 0.8,
        (car.pk, "badge", "", "self-expression"): 1.0,
    })


@pytest.fixture
def profile(car, current_map):
    shopper_id = uuid.uuid4()
    consent_set(shopper_id=shopper_id, analytics=True, personalization=True, marketing=False, source="banner")
    Event.objects.create(type="option_selected", occurred_at=timezone.now() - timedelta(hours=1), shopper_id=shopper_id,
                         product=car, group="wheels", option="w17",
                         properties={"previous": ["w16"], "version": car.current_version_id})
    Event.objects.create(type="option_selected", occurred_at=timezone.now(), shopper_id=shopper_id, product=car,
                         group="trim", option="sport", properties={"previous": [], "version": car.current_version_id})
    return profile_recompute(shopper_id=shopper_id)


def form_data(html: str) -> dict[str, str]:
    """The values a browser would post from the map's change form."""
    data = {}
    for tag in re.findall(r"<input[^>]*>", html):
        name = re.search(r'name="([^"]+)"', tag)
        if name and "type=\"submit\"" not in tag:
            value = re.search(r'value="([^"]*)"', tag)
            data[name.group(1)] = value.group(1) if value else ""
    return data


@pytest.mark.django_db
@pytest.mark.parametrize("name", ["motivation", "motivationmap", "motivationweight", "rescorejob", "profile"])
def test_changelists_render_for_staff(admin_client, profile, name):
    response = admin_client.get(reverse(f"admin:personalization_{name}_changelist"))
    assert response.status_code == 200


@pytest.mark.django_db
def test_change_pages_render(admin_client, profile, current_map, car):
    motivation = Motivation.objects.get(code="value")
    assert admin_client.get(reverse("admin:personalization_motivation_change", args=[motivation.pk])).status_code == 200
    assert admin_client.get(reverse("admin:personalization_motivation_add")).status_code == 200
    assert admin_client.get(reverse("admin:personalization_motivationmap_changelist"), {"q": "x"}).status_code == 200
    page = admin_client.get(reverse("admin:personalization_motivationmap_change", args=[current_map.pk]),
                            {"product": car.pk})
    assert page.status_code == 200
    assert "17-inch Aero" in page.content.decode()  # the grid lists the product's options
    assert "Rescore history with this version" in page.content.decode()
    shown = admin_client.get(reverse("admin:personalization_profile_change", args=[profile.pk]))
    assert shown.status_code == 200
    body = shown.content.decode()
    assert "Chose 17-inch Aero over 16-inch Standard" in body
    assert "<progress" in body


@pytest.mark.django_db
def test_maps_and_profiles_cannot_be_added_or_deleted_by_hand(admin_client, current_map, profile):
    assert admin_client.get(reverse("admin:personalization_motivationmap_add")).status_code == 403
    assert admin_client.get(reverse("admin:personalization_motivationmap_delete", args=[current_map.pk])).status_code == 403
    assert admin_client.get(reverse("admin:personalization_profile_add")).status_code == 403


@pytest.mark.django_db
def test_saving_the_weight_grid_creates_a_new_version(admin_client, current_map, car):
    url = reverse("admin:personalization_motivationmap_change", args=[current_map.pk])
    data = form_data(admin_client.get(url, {"product": car.pk}).content.decode())
    assert data["w|trim|sport|performance"] == "1.0"
    data.update({"w|trim|sport|performance": "0.5", "w|trim|electric|sustainability": "1", "w|wheels|w16|value": "",
                 "note": "electric counts"})
    before = map_weights(current_map)

    response = admin_client.post(f"{url}?product={car.pk}", data)

    assert response.status_code == 302
    created = MotivationMap.objects.get(is_current=True)
    assert created.version == current_map.version + 1
    assert response["Location"].startswith(reverse("admin:personalization_motivationmap_change", args=[created.pk]))
    assert created.note == "electric counts" and created.created_by.username == "admin"
    weights = map_weights(created)
    assert weights[(car.pk, "trim", "sport", "performance")] == 0.5
    assert weights[(car.pk, "trim", "electric", "sustainability")] == 1.0
    assert (car.pk, "wheels", "w16", "value") not in weights
    assert weights[(car.pk, "badge", "", "self-expression")] == 1.0
    current_map.refresh_from_db()
    assert map_weights(current_map) == before and not current_map.is_current
    assert current_map.note != "electric counts"


@pytest.mark.django_db
def test_staff_set_the_undetermined_threshold_in_a_new_version(admin_client, current_map, car):
    url = reverse("admin:personalization_motivationmap_change", args=[current_map.pk])
    data = form_data(admin_client.get(url, {"product": car.pk}).content.decode())
    assert data["threshold"] == "0.4"
    response = admin_client.post(f"{url}?product={car.pk}", {**data, "threshold": "0.6"})
    assert response.status_code == 302
    created = MotivationMap.objects.get(is_current=True)
    assert created.pk != current_map.pk and created.parameters["threshold"] == 0.6


@pytest.mark.django_db
def test_saving_an_unchanged_grid_makes_no_version(admin_client, current_map, car):
    url = reverse("admin:personalization_motivationmap_change", args=[current_map.pk])
    data = form_data(admin_client.get(url, {"product": car.pk}).content.decode())
    assert admin_client.post(f"{url}?product={car.pk}", data).status_code == 302
    assert MotivationMap.objects.count() == 2


@pytest.mark.django_db
def test_a_negative_weight_is_refused(admin_client, current_map, car):
    url = reverse("admin:personalization_motivationmap_change", args=[current_map.pk])
    data = form_data(admin_client.get(url, {"product": car.pk}).content.decode())
    data["w|trim|sport|performance"] = "-1"
    assert admin_client.post(f"{url}?product={car.pk}", data).status_code == 200  # the form again, with the error
    assert MotivationMap.objects.count() == 2


@pytest.mark.django_db
def test_rescore_button_and_action_start_a_job(admin_client, current_map, profile, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        response = admin_client.post(reverse("admin:personalization_motivationmap_rescore", args=[current_map.pk]))
    assert response.status_code == 302
    assert response["Location"] == reverse("admin:personalization_rescorejob_changelist")
    assert len(callbacks) == 1
    job = RescoreJob.objects.get(map=current_map)
    assert job.status == RescoreStatus.QUEUED

    listing = admin_client.get(reverse("admin:personalization_rescorejob_changelist"))
    assert listing.status_code == 200
    assert "<progress" in listing.content.decode()
    assert listing.headers["Refresh"] == "3"  # reloads itself while the job runs

    with django_capture_on_commit_callbacks():
        admin_client.post(reverse("admin:personalization_motivationmap_changelist"), {
            "action": "rescore_with_version", "_selected_action": [current_map.pk]})
    assert RescoreJob.objects.filter(map=current_map).count() == 1  # the running job, not a second one
    RescoreJob.objects.update(status=RescoreStatus.DONE)
    assert "Refresh" not in admin_client.get(reverse("admin:personalization_rescorejob_changelist")).headers


@pytest.mark.django_db
def test_profiles_can_be_recomputed_from_admin(admin_client, profile):
    Profile.objects.filter(pk=profile.pk).update(scores={}, event_count=0)
    admin_client.post(reverse("admin:personalization_profile_changelist"), {
        "action": "recompute", "_selected_action": [profile.pk]})
    profile.refresh_from_db()
    assert profile.event_count == 2 and profile.scores["performance"] > 0


@pytest.mark.django_db
def test_shoppers_without_staff_rights_are_sent_to_the_login(client, current_map):
    response = client.get(reverse("admin:personalization_motivationmap_change", args=[current_map.pk]))
    assert response.status_code == 302 and "/login/" in response["Location"]

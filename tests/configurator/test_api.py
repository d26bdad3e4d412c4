import json

import pytest
from django.test import Client

from configurator.identity import sign_shopper

pytestmark = pytest.mark.django_db


@pytest.fixture
def api():
    return Client()


def post(client, url, data, **extra):
    return client.post(url, json.dumps(data), content_type="application/json", **extra)


def patch(client, url, data, **extra):
    return client.patch(url, json.dumps(data), content_type="application/json", **extra)


def test_products_list(api, car):
    response = api.get("/api/products/")
    assert response.status_code == 200
    assert response.json() == [{
        "slug": "car", "name": "Car", "description": "", "base_price": "20000.00", "currency": "EUR", "version": 1,
    }]


def test_product_catalog_in_dutch(api, car):
    data = api.get("/api/products/car/", HTTP_ACCEPT_LANGUAGE="nl").json()
    assert data["name"] == "Auto"
    assert [g["code"] for g in data["groups"]] == ["trim", "wheels", "packs", "badge"]
    rule = next(r for r in data["rules"] if r["code"] == "electric-no-18")
    assert rule["explanation"] == "18 inch velgen passen niet bij het batterijmodel"
    assert rule["subjects"] == ["trim.electric"]


def test_unknown_product_is_404(api, car):
    assert api.get("/api/products/boat/").status_code == 404


def test_quote_prices_and_explains(api, car):
    response = post(api, "/api/quote/", {"product": "car", "selections": {"trim": "electric"}})
    data = response.json()
    assert response.status_code == 200
    assert data["valid"] is True
    assert data["price"]["total"] == "26000.00"
    assert data["availability"]["wheels.w18"]["status"] == "conflict"
    assert data["availability"]["wheels.w18"]["reasons"] == [
        "Not with Electric: 18-inch wheels don't fit the battery model"
    ]
    assert data["availability"]["wheels.w17"]["status"] == "available"


def test_quote_offers_the_minimal_repair_for_a_conflicting_click(api, car):
    response = post(api, "/api/quote/", {
        "product": "car", "selections": {"wheels": "w18"}, "action": {"group": "trim", "option": "electric"},
    })
    repair = response.json()["repair"]
    assert response.json()["valid"] is False
    assert repair["message"] == "Choosing Electric will change your wheels from 18-inch Sport to 17-inch Aero."
    assert repair["changes"] == [{"step": "wheels", "from": ["w18"], "to": ["w17"]}]
    assert repair["selections"]["trim"] == "electric"
    assert repair["valid"] is True


def test_quote_explanations_follow_the_language(api, car):
    response = post(api, "/api/quote/", {
        "product": "car", "selections": {"wheels": "w18"}, "action": {"group": "trim", "option": "electric"},
    }, HTTP_ACCEPT_LANGUAGE="nl")
    assert response.json()["repair"]["message"].startswith("Kiezen van Elektrisch")


@pytest.mark.parametrize("body", [
    "{not json", "[]", '"text"', "null", '{"product": 5}', '{"product": "car", "selections": []}',
    '{"product": "car", "selections": {"trim": ["a"]}}', '{"product": "car", "selections": {"trim": "rocket"}}',
    '{"product": "car", "selections": {"nope": 1}}', '{"product": "car", "action": {"group": "trim", "option": "x"}}',
    '{"product": "car", "action": "electric"}', '{"product": "car", "selections": {"badge": 12}}',
    '{"product": "car", "selections": {"packs": "family"}}', '{"product": "boat"}',
])
def test_quote_bad_input_is_400_json(api, car, body):
    response = api.post("/api/quote/", body, content_type="application/json")
    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"
    assert response.json()["detail"]


def test_quote_names_the_bad_field(api, car):
    response = post(api, "/api/quote/", {"product": "car", "selections": {"trim": "rocket"}})
    assert response.json()["errors"] == {"selections": {"trim": ["There is no option “rocket” in this step."]}}


def test_huge_body_is_413(api, car):
    body = json.dumps({"product": "car", "selections": {"badge": "A" * 400_000}})
    response = api.post("/api/quote/", body, content_type="application/json")
    assert response.status_code == 413
    assert "too large" in response.json()["detail"]


def test_hostile_personal_text_is_a_violation_not_an_error(api, car):
    response = post(api, "/api/quote/", {"product": "car", "selections": {"badge": "<script>"}})
    assert response.status_code == 200
    kinds = {v["kind"] for v in response.json()["violations"]}
    assert kinds == {"text_chars"}


def test_create_build_ignores_a_client_price(api, car):
    response = post(api, "/api/builds/", {
        "product": "car", "selections": {"wheels": "w17"}, "name": "Weekend", "total": "1.00",
        "price": {"total": "1.00"},
    })
    data = response.json()
    assert response.status_code == 201
    assert data["total"] == "20400.00"
    assert data["name"] == "Weekend"
    assert data["status"] == "draft"
    assert "share_code" not in data  # a draft is private
    assert response.cookies["atelier_shopper"].value


def test_create_invalid_build_is_400_and_saves_nothing(api, car):
    from configurator.models import Build

    response = post(api, "/api/builds/", {"product": "car", "selections": {"trim": "electric", "wheels": "w18"}})
    assert response.status_code == 400
    assert "battery" in json.dumps(response.json()["errors"])
    assert not Build.objects.exists()


def test_owner_can_read_and_update_through_the_cookie(api, car):
    build = post(api, "/api/builds/", {"product": "car"}).json()
    assert api.get(f"/api/builds/{build['id']}/").status_code == 200
    response = patch(api, f"/api/builds/{build['id']}/", {"selections": {"wheels": "w18"}, "name": "Fast"})
    assert response.status_code == 200
    assert response.json()["total"] == "20900.00"
    assert [b["id"] for b in api.get("/api/builds/").json()] == [build["id"]]


def test_header_token_works_without_cookies(car):
    created = post(Client(), "/api/builds/", {"product": "car"}).json()
    other = Client()
    response = other.get(f"/api/builds/{created['id']}/", HTTP_X_ATELIER_SHOPPER=created["shopper_token"])
    assert response.status_code == 200


def test_another_shoppers_build_is_404_and_unchanged(api, car):
    build = post(api, "/api/builds/", {"product": "car"}).json()
    stranger = Client()
    post(stranger, "/api/builds/", {"product": "car"})  # the stranger has an identity of their own
    url = f"/api/builds/{build['id']}/"
    assert stranger.get(url).status_code == 404
    assert patch(stranger, url, {"name": "Mine now"}).status_code == 404
    assert stranger.delete(url).status_code == 404
    assert post(stranger, url + "share/", {}).status_code == 404
    assert post(stranger, url + "remix/", {}).status_code == 404
    assert stranger.get(url + "rebase/").status_code == 404
    assert api.get(url).json()["name"] == ""


def test_forged_shopper_token_is_ignored(api, car):
    import uuid

    build = post(api, "/api/builds/", {"product": "car"}).json()
    forged = sign_shopper(uuid.uuid4())[:-2] + "xx"
    assert Client().get(f"/api/builds/{build['id']}/", HTTP_X_ATELIER_SHOPPER=forged).status_code == 404


def test_share_then_public_read_and_remix(api, car):
    build = post(api, "/api/builds/", {"product": "car", "selections": {"wheels": "w17"}}).json()
    shared = post(api, f"/api/builds/{build['id']}/share/", {}).json()
    assert shared["status"] == "shared"
    code = shared["share_code"]
    public = Client().get(f"/api/shared/{code}/").json()
    assert public["selections"]["wheels"] == "w17"
    assert "id" not in public
    friend = Client()
    remix = post(friend, f"/api/shared/{code}/remix/", {"name": "My take"})
    assert remix.status_code == 201
    assert remix.json()["remixed_from"] == code
    assert Client().get(f"/api/shared/{code}/").json()["remix_count"] == 1


def test_drafts_are_not_visible_by_share_code(api, car):
    from configurator.models import Build

    build = post(api, "/api/builds/", {"product": "car"}).json()
    code = Build.objects.get(pk=build["id"]).share_code
    assert Client().get(f"/api/shared/{code}/").status_code == 404
    assert post(Client(), f"/api/shared/{code}/remix/", {}).status_code == 404


def test_editing_a_shared_build_forks_with_201(api, car):
    build = post(api, "/api/builds/", {"product": "car"}).json()
    post(api, f"/api/builds/{build['id']}/share/", {})
    response = patch(api, f"/api/builds/{build['id']}/", {"selections": {"wheels": "w17"}})
    assert response.status_code == 201
    assert response.json()["forked_from"] == build["id"]


def test_rebase_preview_and_apply(api, car):
    from configurator.models import Option
    from configurator.services import product_publish

    build = post(api, "/api/builds/", {"product": "car", "selections": {"wheels": "w17"}}).json()
    Option.objects.filter(code="w17").delete()
    product_publish(product=car)
    url = f"/api/builds/{build['id']}/rebase/"
    preview = api.get(url).json()
    assert preview["applied"] is False
    assert preview["changes"][0]["step"] == "wheels"
    applied = post(api, url, {}).json()
    assert applied["build"]["version"] == 2
    assert applied["build"]["stale"] is False


def test_bad_build_id_is_404(api, car):
    assert api.get("/api/builds/not-a-uuid/").status_code == 404


def test_openapi_schema_and_docs(api, car):
    schema = api.get("/api/schema/", HTTP_ACCEPT="application/json")
    assert schema.status_code == 200
    paths = schema.json()["paths"]
    assert "/api/quote/" in paths and "/api/builds/{build_id}/rebase/" in paths
    docs = api.get("/api/docs/")
    assert docs.status_code == 200
    assert b"cdn" not in docs.content.lower()

"""The API's `share_url` is the page a person opens; the JSON of a shared build is `shared_api_url`."""

import json

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


def post(client, url, data):
    return client.post(url, json.dumps(data), content_type="application/json")


@pytest.fixture
def shared(car) -> dict:
    api = Client()
    build = post(api, "/api/builds/", {"product": "car", "selections": {"wheels": "w17"}}).json()
    return post(api, f"/api/builds/{build['id']}/share/", {}).json()


def test_share_url_is_the_page_a_person_opens(shared):
    code = shared["share_code"]
    assert shared["share_url"] == f"http://testserver/s/{code}/"
    page = Client().get(shared["share_url"])
    assert page.status_code == 200 and page["Content-Type"].startswith("text/html")


def test_the_json_of_the_shared_build_is_under_shared_api_url(shared):
    code = shared["share_code"]
    assert shared["shared_api_url"] == f"http://testserver/api/shared/{code}/"
    data = Client().get(shared["shared_api_url"]).json()
    assert data["share_url"] == shared["share_url"] and data["selections"]["wheels"] == "w17"


def test_a_draft_has_neither(car):
    build = post(Client(), "/api/builds/", {"product": "car"}).json()
    assert "share_url" not in build and "shared_api_url" not in build


def test_the_schema_documents_both(car):
    schema = Client().get("/api/schema/", HTTP_ACCEPT="application/json").json()
    for name in ("SharedBuildOutput", "BuildOutput"):
        fields = schema["components"]["schemas"][name]["properties"]
        assert fields["share_url"]["format"] == "uri"
        assert "/s/<code>/" in fields["share_url"]["description"]
        assert "/api/shared/<code>/" in fields["shared_api_url"]["description"]

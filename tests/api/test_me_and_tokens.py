"""GET /api/v1/me/, a shopper's token, the schema and its Swagger UI."""

import pytest
from rest_framework.test import APIClient

from tests.api.clients import token_client
from tests.canary import homepage_flag_set

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]

PASSWORD = "correct horse battery"


def test_me_gives_the_callers_identity_home_and_variant(shopper):
    homepage_flag_set(0, everyone=True)
    client = APIClient()
    client.force_authenticate(shopper)

    assert client.get("/api/v1/me/").json() == {
        "id": shopper.pk,
        "email": shopper.email,
        "home_city": "Lyon",
        "variant": "treatment",
    }


def test_me_without_credentials_is_a_json_401():
    response = APIClient().get("/api/v1/me/")

    assert response.status_code == 401
    assert "credentials were not provided" in response.json()["detail"]


def test_a_shopper_creates_uses_and_revokes_a_token(shopper):
    created = APIClient().post(
        "/api/v1/auth/token/", {"email": shopper.email, "password": PASSWORD}, format="json"
    )
    assert created.status_code == 201
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {created.json()['token']}")
    assert client.get("/api/v1/me/").json()["id"] == shopper.pk

    assert client.delete("/api/v1/auth/token/").status_code == 204

    assert client.get("/api/v1/me/").status_code == 401


def test_a_wrong_password_gets_no_token(shopper):
    response = APIClient().post(
        "/api/v1/auth/token/", {"email": shopper.email, "password": "guess"}, format="json"
    )

    assert response.status_code == 401
    assert response.json() == {"detail": "Wrong email or password."}


def test_a_token_request_without_email_is_a_400_naming_it():
    response = APIClient().post("/api/v1/auth/token/", {"password": "x"}, format="json")

    assert response.status_code == 400 and list(response.json()) == ["email"]


def test_the_schema_and_swagger_ui_are_served_without_a_cdn(client):
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    docs = client.get("/api/docs/")

    assert schema.status_code == 200
    assert "/api/v1/recommendations/" in schema.json()["paths"]
    assert docs.status_code == 200
    html = docs.content.decode()
    assert "/static/drf_spectacular_sidecar/" in html and "cdn" not in html.lower()


@pytest.mark.parametrize("path", ["/api/v1/me", "/api/v1/recommendations", "/api/schema"])
def test_a_get_without_the_trailing_slash_is_redirected_to_the_endpoint_with_its_query(
    shopper, path
):
    client = token_client(shopper)

    response = client.get(path, {"limit": "2"})
    followed = client.get(path, {"limit": "2"}, follow=True)

    assert response.status_code == 308
    assert response["Location"] == f"{path}/?limit=2"
    assert followed.status_code == 200


def test_a_token_post_without_the_trailing_slash_stays_a_post_with_its_body(shopper):
    credentials = {"email": shopper.email, "password": PASSWORD}

    response = APIClient().post("/api/v1/auth/token", credentials, format="json")
    followed = APIClient().post("/api/v1/auth/token", credentials, format="json", follow=True)

    assert response.status_code == 308
    assert response["Location"] == "/api/v1/auth/token/"
    assert followed.status_code == 201
    assert followed.json()["token"]
    assert followed.redirect_chain == [("/api/v1/auth/token/", 308)]


@pytest.mark.parametrize("path", ["/api/v1/nothing-here", "/api/v1", "/api/v1/me/extra"])
def test_a_path_naming_no_endpoint_even_with_a_slash_is_a_json_404(path):
    response = APIClient().get(path)

    assert response.status_code == 404
    assert response.json() == {"detail": "No such API endpoint."}

"""Token auth, roles and the one error format, seen from an API client."""

import re

import pytest
from django.core import mail
from django.core.management import CommandError, call_command
from rest_framework.test import APIClient

from gauntlet.accounts.models import Qualification, Role, User
from tests.conftest import client_for
from tests.factories import PASSWORD, ContractorFactory

pytestmark = pytest.mark.django_db


def assert_error(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.content
    body = response.json()
    assert set(body) == {"error"}
    assert set(body["error"]) == {"code", "message", "fields"}
    assert body["error"]["code"] == code
    assert body["error"]["message"]
    return body["error"]


def test_token_is_issued_for_the_right_password_and_works(contractor: User, anon_client: APIClient) -> None:
    response = anon_client.post("/api/v1/auth/token/", {"email": contractor.email, "password": PASSWORD})
    assert response.status_code == 200
    token = response.json()["token"]
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    me = client.get("/api/v1/me/").json()
    assert me["email"] == contractor.email
    assert me["role"] == "contractor"
    assert me["qualification"] == "qualified"


def test_wrong_password_gets_a_400_that_says_so(contractor: User, anon_client: APIClient) -> None:
    response = anon_client.post("/api/v1/auth/token/", {"email": contractor.email, "password": "nope"})
    error = assert_error(response, 400, "invalid_credentials")
    assert "password" in error["message"].lower()


def test_token_request_with_missing_fields_names_them(anon_client: APIClient) -> None:
    error = assert_error(anon_client.post("/api/v1/auth/token/", {}), 400, "validation_error")
    assert set(error["fields"]) == {"email", "password"}


def test_missing_token_gets_401(anon_client: APIClient) -> None:
    assert_error(anon_client.get("/api/v1/me/"), 401, "not_authenticated")


def test_bad_token_gets_401(anon_client: APIClient) -> None:
    anon_client.credentials(HTTP_AUTHORIZATION="Token not-a-real-token")
    assert_error(anon_client.get("/api/v1/me/"), 401, "authentication_failed")


def test_contractor_on_a_manager_endpoint_gets_403(contractor_client: APIClient) -> None:
    error = assert_error(contractor_client.get("/api/v1/contractors/"), 403, "permission_denied")
    assert "manager" in error["message"].lower()


def test_manager_lists_and_updates_contractors(manager_client: APIClient, contractor: User) -> None:
    listing = manager_client.get("/api/v1/contractors/").json()
    assert [row["email"] for row in listing["results"]] == [contractor.email]
    response = manager_client.patch(
        f"/api/v1/contractors/{contractor.pk}/", {"hourly_rate": "21.50", "qualification": "probation"}
    )
    assert response.status_code == 200
    contractor.contractor_profile.refresh_from_db()
    assert str(contractor.contractor_profile.hourly_rate) == "21.50"
    assert contractor.contractor_profile.qualification == Qualification.PROBATION


def test_negative_rate_is_refused_with_a_field_error(manager_client: APIClient, contractor: User) -> None:
    error = assert_error(
        manager_client.patch(f"/api/v1/contractors/{contractor.pk}/", {"hourly_rate": "-1"}),
        400,
        "validation_error",
    )
    assert "hourly_rate" in error["fields"]


def test_malformed_json_gets_400_not_500(manager_client: APIClient, contractor: User) -> None:
    response = manager_client.generic(
        "PATCH", f"/api/v1/contractors/{contractor.pk}/", "{not json", content_type="application/json"
    )
    error = assert_error(response, 400, "malformed_request")
    assert "parse" in error["message"].lower()


def test_unknown_contractor_is_404_in_the_error_format(manager_client: APIClient) -> None:
    assert_error(manager_client.patch("/api/v1/contractors/999999/", {"is_active": False}), 404, "not_found")


def test_signup_requires_email_verification_before_a_token(anon_client: APIClient) -> None:
    browser = APIClient(enforce_csrf_checks=False)
    response = browser.post(
        "/accounts/signup/",
        {
            "email": "new.rater@example.com",
            "password1": "a long new password 42",
            "password2": "a long new password 42",
        },
        format="multipart",
    )
    assert response.status_code in (302, 200)
    user = User.objects.get(email="new.rater@example.com")
    assert user.role == Role.CONTRACTOR
    assert user.contractor_profile.qualification == Qualification.PROBATION
    token_try = anon_client.post(
        "/api/v1/auth/token/", {"email": "new.rater@example.com", "password": "a long new password 42"}
    )
    assert_error(token_try, 403, "email_unverified")

    assert len(mail.outbox) == 1
    link = re.search(r"https?://\S+/accounts/confirm-email/\S+/", mail.outbox[0].body)
    assert link, mail.outbox[0].body
    path = "/" + link.group(0).split("/", 3)[3]
    confirm = browser.post(path)
    assert confirm.status_code == 302
    token_ok = anon_client.post(
        "/api/v1/auth/token/", {"email": "new.rater@example.com", "password": "a long new password 42"}
    )
    assert token_ok.status_code == 200


def test_password_reset_sends_a_mail(contractor: User) -> None:
    browser = APIClient()
    response = browser.post("/accounts/password/reset/", {"email": contractor.email}, format="multipart")
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    assert "/accounts/password/reset/key/" in mail.outbox[0].body


def test_create_account_command_makes_a_verified_login(capsys: pytest.CaptureFixture[str]) -> None:
    call_command(
        "create_account", email="Boss@Example.com", password="a long manager password 7", role="manager"
    )
    assert "created manager boss@example.com" in capsys.readouterr().out
    user = User.objects.get(email="boss@example.com")
    assert user.is_manager and user.is_staff
    client = APIClient()
    response = client.post(
        "/api/v1/auth/token/", {"email": "boss@example.com", "password": "a long manager password 7"}
    )
    assert response.status_code == 200
    assert client_for(user).get("/api/v1/contractors/").status_code == 200


def test_create_account_command_refuses_duplicates_and_bad_roles() -> None:
    ContractorFactory(email="taken@example.com")
    with pytest.raises(CommandError, match="already exists"):
        call_command(
            "create_account", email="taken@example.com", password="a long password 99", role="contractor"
        )
    with pytest.raises(CommandError, match="role"):
        call_command("create_account", email="x@example.com", password="a long password 99", role="admin")

"""The credentials `make demo` prints log in, to the API and to the admin, over real HTTP."""

import re

import pytest
import requests
from django.core.management import call_command


@pytest.mark.django_db(transaction=True)
def test_printed_demo_credentials_log_in_over_http(live_server, capsys: pytest.CaptureFixture[str]) -> None:
    call_command("demo_setup", "--no-data")
    printed = capsys.readouterr().out
    accounts = re.findall(r"(manager|contractor)\s+(\S+@\S+)\s+password: (\S+)", printed)
    assert {role for role, _, _ in accounts} == {"manager", "contractor"}
    call_command("demo_setup", "--no-data")  # idempotent
    assert capsys.readouterr().out == printed

    for role, email, password in accounts:
        token = requests.post(
            f"{live_server.url}/api/v1/auth/token/", json={"email": email, "password": password}, timeout=10
        )
        assert token.status_code == 200, token.text
        me = requests.get(
            f"{live_server.url}/api/v1/me/",
            headers={"Authorization": f"Token {token.json()['token']}"},
            timeout=10,
        )
        assert me.json()["role"] == role

    _, manager_email, manager_password = next(a for a in accounts if a[0] == "manager")
    browser = requests.Session()
    login_page = browser.get(f"{live_server.url}/admin/login/", timeout=10)
    csrf = browser.cookies["csrftoken"]
    assert "csrfmiddlewaretoken" in login_page.text
    response = browser.post(
        f"{live_server.url}/admin/login/?next=/admin/",
        data={"username": manager_email, "password": manager_password, "csrfmiddlewaretoken": csrf},
        headers={"Referer": f"{live_server.url}/admin/login/"},
        timeout=10,
    )
    assert response.status_code == 200
    assert response.url.endswith("/admin/")
    # A manager (staff, not superuser) sees and may change every model.
    assert "Contractor profiles" in response.text
    assert "Users" in response.text
    assert "You don’t have permission" not in response.text

"""Signing in and out, and the pages nobody sees without signing in."""

import pytest

from tests.integration.conftest import PASSWORD, csrf_token


def test_signing_in_opens_the_panel(client, auth):
    auth.make_user("administrator", "ada@school.example.org", name="Ada Lovelace")

    response = auth.login("ADA@school.example.org")

    assert response.status_code == 302
    assert response.headers["Location"] == "/admin/"
    assert "Ada Lovelace" in client.get("/admin/").get_data(as_text=True)


def test_a_director_starts_on_the_dashboards(client, auth):
    auth.make_user("director", "dora@school.example.org")

    response = auth.login("dora@school.example.org")

    assert response.headers["Location"] == "/dashboards/"


def test_a_wrong_password_is_refused_without_saying_which_part_was_wrong(client, auth):
    auth.make_user("administrator", "ada@school.example.org")

    response = auth.login("ada@school.example.org", "not the password")

    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "do not match an active account" in page
    assert client.get("/admin/programme/").status_code == 302


def test_an_unknown_email_gets_the_same_message(client, auth):
    response = auth.login("nobody@school.example.org")

    assert "do not match an active account" in response.get_data(as_text=True)


def test_a_deactivated_account_cannot_sign_in(client, auth):
    user = auth.make_user("facilitator")
    user.active = False
    from admin.extensions import db

    db.session.commit()

    response = auth.login(user.email)

    assert "do not match an active account" in response.get_data(as_text=True)


def test_sign_in_without_a_csrf_token_is_refused(client, auth):
    auth.make_user("administrator", "ada@school.example.org")

    response = client.post(
        "/login", data={"email": "ada@school.example.org", "password": PASSWORD}
    )

    assert response.status_code == 400
    assert client.get("/admin/programme/").status_code == 302


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        ("/admin/programme/", "/admin/programme/"),
        ("https://evil.example/", "/admin/"),
        ("//evil.example/", "/admin/"),
        ("/\\evil.example", "/admin/"),
        ("javascript:alert(1)", "/admin/"),
    ],
)
def test_next_only_leads_to_this_site(client, auth, target, expected):
    auth.make_user("administrator", "ada@school.example.org")
    token = csrf_token(client)

    response = client.post(
        "/login",
        query_string={"next": target},
        data={
            "email": "ada@school.example.org",
            "password": PASSWORD,
            "csrf_token": token,
        },
    )

    assert response.headers["Location"] == expected


def test_signing_out_closes_the_panel(client, auth):
    auth.login_as("administrator")

    response = auth.logout()

    assert response.status_code == 302
    assert client.get("/admin/").status_code == 302


def test_every_admin_page_asks_a_signed_out_visitor_to_sign_in(app, client):
    admin_rules = [
        rule
        for rule in app.url_map.iter_rules()
        if rule.rule.startswith("/admin")
        and "static" not in rule.endpoint
        and not rule.arguments
    ]
    assert len(admin_rules) > 10

    for rule in admin_rules:
        response = client.get(rule.rule)
        assert response.status_code in (302, 401, 403, 404, 405), rule.rule
        if response.status_code == 302:
            assert "/login" in response.headers["Location"], rule.rule


def test_repeated_failed_sign_ins_are_slowed_down(app, client, auth):
    app.config["PLP_LOGIN_RATE_LIMIT"] = "10/minute"
    auth.make_user("administrator", "ada@school.example.org")

    statuses = [
        auth.login("ada@school.example.org", "wrong").status_code for _ in range(12)
    ]

    assert statuses[:10] == [200] * 10
    assert statuses[-1] == 429


def test_only_failed_sign_ins_count_towards_the_limit(app, client, auth):
    app.config["PLP_LOGIN_RATE_LIMIT"] = "3/minute"
    auth.make_user("administrator", "ada@school.example.org")

    for _ in range(5):
        assert auth.login("ada@school.example.org").status_code == 302
        auth.logout()

    assert auth.login("ada@school.example.org", "wrong").status_code == 200


def test_too_many_failed_sign_ins_get_a_page_that_says_what_to_do(app, client, auth):
    app.config["PLP_LOGIN_RATE_LIMIT"] = "1/minute"
    auth.make_user("administrator", "ada@school.example.org")
    auth.login("ada@school.example.org", "wrong")

    response = auth.login("ada@school.example.org", "wrong")

    page = response.get_data(as_text=True)
    assert response.status_code == 429
    assert "Too many attempts" in page
    assert "wait a minute" in page


def test_a_refused_page_explains_itself_and_leads_back(client, auth):
    auth.login_as("finance")

    response = client.get("/admin/import/")

    page = response.get_data(as_text=True)
    assert response.status_code == 403
    assert "Not open to you" in page
    assert 'href="/"' in page


def test_the_start_address_leads_each_role_to_its_own_start(client, auth):
    assert client.get("/").headers["Location"] == "/login"
    auth.login_as("director")

    assert client.get("/").headers["Location"] == "/dashboards/"


def test_the_sign_in_page_names_the_school_from_the_settings(app, client):
    app.config["PLP_SCHOOL_NAME"] = "Harbour School"

    page = client.get("/login").get_data(as_text=True)

    assert "Peer-Learning Programmes of the Harbour School" in page

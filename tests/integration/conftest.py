"""Integration tests: the Flask application with a real database."""

import re

import pytest

from admin.extensions import db, limiter
from app import create_app
from plp.services.accounts import create_user
from tests.conftest import empty_all_tables

PASSWORD = "a long test password"


@pytest.fixture
def app(database_url, tmp_path):
    """Yield the application on an empty database, with CSRF switched on."""
    app = create_app(
        {
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": database_url,
            "SECRET_KEY": "test secret",
            # Generous here; the rate-limit test tightens it again.
            "PLP_LOGIN_RATE_LIMIT": "1000/minute",
        }
    )
    with app.app_context():
        yield app
        db.session.remove()
        with db.engine.begin() as connection:
            empty_all_tables(connection)
        db.engine.dispose()
    limiter.reset()


@pytest.fixture
def client(app):
    """Return a browser-like test client."""
    return app.test_client()


@pytest.fixture
def runner(app):
    """Return a runner for the `flask` commands."""
    return app.test_cli_runner()


def csrf_token(client, url: str = "/login") -> str:
    """Return the CSRF token from the form on a page."""
    page = client.get(url).get_data(as_text=True)
    found = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page)
    if found is None:
        found = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert found, f"no CSRF token on {url}"
    return found.group(1)


class Auth:
    """Sign staff in and out through the real sign-in form."""

    def __init__(self, client):
        self.client = client

    def make_user(self, role: str, email: str | None = None, name: str | None = None):
        """Create an account with the test password and return it."""
        email = email or f"{role}@school.example.org"
        return create_user(db.session, email, role, PASSWORD, name=name)

    def login(self, email: str, password: str = PASSWORD):
        """Sign in with the form, CSRF token and all."""
        token = csrf_token(self.client)
        return self.client.post(
            "/login",
            data={"email": email, "password": password, "csrf_token": token},
        )

    def login_as(self, role: str, email: str | None = None):
        """Create an account for a role, sign in with it and return it."""
        user = self.make_user(role, email)
        response = self.login(user.email)
        assert response.status_code == 302, response.get_data(as_text=True)
        return user

    def logout(self):
        """Sign out with the form."""
        token = csrf_token(self.client, "/admin/")
        return self.client.post("/logout", data={"csrf_token": token})


@pytest.fixture
def auth(client):
    """Return the sign-in helper for the test client."""
    return Auth(client)

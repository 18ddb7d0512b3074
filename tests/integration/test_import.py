"""The import from the command line and from the panel's Import page."""

import re
from io import BytesIO
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from admin.extensions import db
from plp.db import Base
from plp.models import Client
from tests.integration.conftest import csrf_token

DATA = Path(__file__).parents[1] / "data"
SAMPLE = DATA / "sample-school.xlsx"
BAD = DATA / "bad-school.xlsx"
PAGE = "/admin/import/"

BAD_PROBLEM_LINES = [
    "Mentors row 3, Email: not-an-email is not an e-mail address",
    "Mentors row 4, Capacity: -1 is negative",
    "Clients row 2, Name: a formula, not text (a name must be typed in)",
    "Clients row 4, Email: the same as row 3",
    "Programmes row 2, Currency: GBX is not an ISO 4217 currency",
    "Programmes row 3, Start date: 31/02/2026 is not a date",
    "Programmes row 3, Agreed budget: 10.005 has more than two decimals",
    "Programmes row 4, Client email: no such client",
    "Matches row 2, State: married is not a known state",
]


def row_counts() -> dict[str, int]:
    """Count the rows of every table."""
    return {
        table.name: db.session.execute(select(func.count()).select_from(table)).scalar()
        for table in Base.metadata.sorted_tables
    }


@pytest.fixture
def facilitators(auth):
    """Create the two facilitators the sample's programmes name."""
    auth.make_user("facilitator", "facilitator@school.example.org")
    auth.make_user("facilitator", "facilitator2@school.example.org")


@pytest.fixture
def admin(auth, facilitators):
    """Create an administrator, not signed in."""
    return auth.make_user("administrator", "admin@school.example.org")


# The command line


def test_the_command_imports_the_sample_and_prints_counts(runner, admin):
    result = runner.invoke(args=["plp", "import", str(SAMPLE), "--as", admin.email])

    assert result.exit_code == 0, result.output
    assert "Mentors: 8 created, 0 updated, 0 unchanged" in result.output
    assert "Clients: 7 created" in result.output
    assert "Programmes: 6 created" in result.output
    assert "Matches: 6 created" in result.output
    counts = row_counts()
    assert (counts["mentors"], counts["clients"], counts["programmes"]) == (8, 7, 6)
    assert counts["matches"] == 6


def test_the_command_run_twice_leaves_the_same_records(runner, admin):
    runner.invoke(args=["plp", "import", str(SAMPLE), "--as", admin.email])
    first = row_counts()

    result = runner.invoke(args=["plp", "import", str(SAMPLE), "--as", admin.email])

    assert result.exit_code == 0, result.output
    assert "Mentors: 0 created, 0 updated, 8 unchanged" in result.output
    assert row_counts() == first


def test_the_command_lists_every_problem_and_fails(runner, admin):
    before = row_counts()

    result = runner.invoke(args=["plp", "import", str(BAD), "--as", admin.email])

    assert result.exit_code != 0
    lines = result.output.splitlines()
    for expected in BAD_PROBLEM_LINES:
        assert any(line.startswith(expected) for line in lines), expected
    assert "Nothing was imported: the workbook has 9 problems." in result.output
    assert row_counts() == before


def test_the_command_refuses_a_file_that_is_not_a_workbook(runner, admin, tmp_path):
    path = tmp_path / "school.xlsx"
    path.write_text("Name,Email\n")

    result = runner.invoke(args=["plp", "import", str(path), "--as", admin.email])

    assert result.exit_code != 0
    assert "Workbook: the file is not an Excel workbook (.xlsx)" in result.output
    assert "Traceback" not in result.output


def test_the_command_needs_an_administrator(runner, auth, facilitators):
    result = runner.invoke(
        args=["plp", "import", str(SAMPLE), "--as", "facilitator@school.example.org"]
    )

    assert result.exit_code != 0
    assert "Only an administrator may import" in result.output
    assert row_counts()["mentors"] == 0


def test_the_command_needs_a_known_account(runner, admin):
    result = runner.invoke(
        args=["plp", "import", str(SAMPLE), "--as", "nobody@school.example.org"]
    )

    assert result.exit_code != 0
    assert "nobody@school.example.org is not an active staff account" in result.output


def test_the_template_command_writes_the_empty_workbook(runner, tmp_path):
    path = tmp_path / "template.xlsx"

    result = runner.invoke(args=["plp", "import-template", str(path)])

    assert result.exit_code == 0, result.output
    workbook = load_workbook(path)
    assert workbook.sheetnames == [
        "Read me",
        "Mentors",
        "Clients",
        "Programmes",
        "Matches",
    ]
    assert [cell.value for cell in workbook["Matches"][1]] == [
        "Client email",
        "Mentor email",
        "Role",
        "State",
    ]


# The Import page


def upload(client, path_or_bytes, name: str = "school.xlsx"):
    """Send a workbook through the Import page's form, CSRF token and all."""
    token = csrf_token(client, PAGE)
    content = (
        path_or_bytes.read_bytes() if isinstance(path_or_bytes, Path) else path_or_bytes
    )
    return client.post(
        PAGE,
        data={"csrf_token": token, "workbook": (BytesIO(content), name)},
        content_type="multipart/form-data",
    )


def table_rows(page: str, table_id: str) -> list[list[str]]:
    """Return the text of each body row's cells in one of the page's tables."""
    table = re.search(rf'<table[^>]*id="{table_id}".*?</table>', page, re.S)
    assert table, f"no table {table_id} on the page"
    body = table.group(0).split("<tbody>")[1]
    return [
        [cell.strip() for cell in re.findall(r"<td>(.*?)</td>", row, re.S)]
        for row in re.findall(r"<tr>(.*?)</tr>", body, re.S)
    ]


def test_the_page_offers_the_form_and_the_template(client, auth):
    auth.login_as("administrator")

    page = client.get(PAGE).get_data(as_text=True)

    assert 'type="file"' in page
    assert "/admin/import/template" in page
    assert "Agreed budget" in page


def test_the_page_imports_the_sample_and_shows_counts(client, auth, facilitators):
    auth.login_as("administrator")

    response = upload(client, SAMPLE)

    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "The workbook was imported." in page
    assert table_rows(page, "import-counts") == [
        ["Mentors", "8", "0", "0"],
        ["Clients", "7", "0", "0"],
        ["Programmes", "6", "0", "0"],
        ["Matches", "6", "0", "0"],
    ]
    assert "Consents recorded as given: 6" in page
    assert db.session.scalar(select(func.count(Client.id))) == 7


def test_the_page_shows_every_problem_and_writes_nothing(client, auth, facilitators):
    auth.login_as("administrator")
    before = row_counts()

    response = upload(client, BAD)

    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Nothing was imported: the workbook has 9 problems." in page
    shown = [" ".join(cells) for cells in table_rows(page, "import-problems")]
    assert len(shown) == 9
    assert "Clients 2 Name a formula, not text (a name must be typed in)" in shown
    assert "Programmes 2 Currency GBX is not an ISO 4217 currency" in shown
    assert "Programmes 3 Start date 31/02/2026 is not a date" in shown
    assert any(line.startswith("Matches 2 State married is not a") for line in shown)
    assert row_counts() == before


def test_the_page_keeps_formula_like_text_as_text(client, auth, facilitators):
    auth.login_as("administrator")

    upload(client, SAMPLE)

    jonas = db.session.execute(
        select(Client).where(Client.email == "jonas.w@clients.example.org")
    ).scalar_one()
    assert (jonas.political_aims, jonas.campaign) == (
        "-30% fares for students",
        "=SUM(1,1) Bus Campaign",
    )


def test_the_page_refuses_a_file_that_is_not_a_workbook(client, auth):
    auth.login_as("administrator")

    response = upload(client, b"%PDF-1.4 not a workbook", name="school.pdf")

    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "the file is not an Excel workbook (.xlsx)" in page


def test_the_page_asks_for_a_file(client, auth):
    auth.login_as("administrator")
    token = csrf_token(client, PAGE)

    response = client.post(PAGE, data={"csrf_token": token})

    assert "Choose a workbook to import." in response.get_data(as_text=True)


def test_an_upload_without_a_csrf_token_is_refused(client, auth, facilitators):
    auth.login_as("administrator")

    response = client.post(
        PAGE,
        data={"workbook": (BytesIO(SAMPLE.read_bytes()), "school.xlsx")},
        content_type="multipart/form-data",
    )

    assert response.status_code == 400
    assert row_counts()["mentors"] == 0


def test_the_page_sends_the_template(client, auth):
    auth.login_as("administrator")

    response = client.get("/admin/import/template")

    assert response.status_code == 200
    assert "import-template.xlsx" in response.headers["Content-Disposition"]
    workbook = load_workbook(BytesIO(response.data))
    assert "Mentors" in workbook.sheetnames


def test_the_import_page_is_on_the_administrators_home(client, auth):
    auth.login_as("administrator")

    assert PAGE in client.get("/admin/").get_data(as_text=True)


@pytest.mark.parametrize("url", [PAGE, "/admin/import/template"])
def test_signed_out_visitors_are_sent_to_sign_in(client, url):
    response = client.get(url)

    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")


@pytest.mark.parametrize("role", ["facilitator", "coordinator", "director", "finance"])
@pytest.mark.parametrize("url", [PAGE, "/admin/import/template"])
def test_other_roles_cannot_open_the_page(client, auth, role, url):
    auth.login_as(role, email=f"{role}.staff@school.example.org")

    assert client.get(url).status_code == 403


@pytest.mark.parametrize("role", ["facilitator", "coordinator", "director", "finance"])
def test_other_roles_cannot_import(client, auth, facilitators, role):
    auth.login_as(role, email=f"{role}.staff@school.example.org")
    token = csrf_token(client, "/admin/")

    response = client.post(
        PAGE,
        data={
            "csrf_token": token,
            "workbook": (BytesIO(SAMPLE.read_bytes()), "school.xlsx"),
        },
        content_type="multipart/form-data",
    )

    assert response.status_code == 403
    assert row_counts()["mentors"] == 0


def test_other_roles_do_not_see_the_import_on_their_home(client, auth):
    auth.login_as("facilitator", email="f.staff@school.example.org")

    assert PAGE not in client.get("/admin/").get_data(as_text=True)

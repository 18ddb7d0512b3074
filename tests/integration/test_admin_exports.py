"""CSV and Excel exports of admin lists: what the role may see, exactly."""

import csv
from datetime import date, datetime
from decimal import Decimal
from io import BytesIO, StringIO

import pytest
from openpyxl import load_workbook

from admin.extensions import db
from plp.models import BudgetRevision
from tests.integration import factories
from tests.integration.factories import (
    build_school,
)

# One application for the module and an empty database for each test (see the
# factories module).
panel = factories.panel
app = factories.app

FORMULA = '=HYPERLINK("http://evil.example","Click")'


def _csv_rows(client, url: str) -> list[dict]:
    response = client.get(url)
    assert response.status_code == 200
    return list(csv.DictReader(StringIO(response.get_data(as_text=True))))


def _xlsx_sheet(client, url: str):
    response = client.get(url)
    assert response.status_code == 200
    return load_workbook(BytesIO(response.get_data())).active


def _column(sheet, title: str) -> list:
    titles = [cell.value for cell in sheet[1]]
    index = titles.index(title)
    return [row[index] for row in sheet.iter_rows(min_row=2)]


def test_a_csv_export_lists_the_rows_and_columns_of_the_list(client, auth):
    auth.login_as("finance")
    school = build_school(db.session)

    rows = _csv_rows(client, "/admin/expense/export/csv/")

    assert rows == [
        {
            "Programme": school.programme.reference,
            "Incurred on": "2026-04-20",
            "Amount": "120.00",
            "Currency": "EUR",
            "Budget line": f"{school.programme.reference} · mentoring: Line 1 "
            "(1,000.00 EUR)",
            "Payee": "Hotel Europa",
            "Reference": "INV-0042",
        }
    ]


def test_an_excel_export_keeps_amounts_as_numbers_and_dates_as_dates(client, auth):
    auth.login_as("finance")
    build_school(db.session)

    sheet = _xlsx_sheet(client, "/admin/expense/export/xlsx/")

    amount = _column(sheet, "Amount")[0]
    incurred = _column(sheet, "Incurred on")[0]
    assert (amount.data_type, amount.value) == ("n", 120)
    assert incurred.value == datetime(2026, 4, 20)


def test_an_exchange_rate_keeps_all_eight_decimals(client, auth):
    auth.login_as("finance")
    build_school(db.session)

    rows = _csv_rows(client, "/admin/exchange_rate/export/csv/")
    sheet = _xlsx_sheet(client, "/admin/exchange_rate/export/xlsx/")

    assert rows[0]["Rate"] == "1.16250000"
    assert Decimal(str(_column(sheet, "Rate")[0].value)) == Decimal("1.1625")


def test_text_that_looks_like_a_formula_stays_text(client, auth):
    user = auth.login_as("facilitator")
    school = build_school(db.session, user)
    school.programme.campaign = FORMULA
    db.session.commit()

    rows = _csv_rows(client, "/admin/programme/export/csv/")
    cell = _column(_xlsx_sheet(client, "/admin/programme/export/xlsx/"), "Campaign")[0]

    assert rows[0]["Campaign"] == "'" + FORMULA
    assert (cell.data_type, cell.value) == ("s", FORMULA)


def test_moments_are_exported_in_the_schools_time_zone(app, client, auth, monkeypatch):
    monkeypatch.setitem(app.config, "PLP_TIMEZONE", "Asia/Tokyo")
    auth.login_as("administrator")
    school = build_school(db.session)
    moment = datetime.fromisoformat("2026-03-01T23:30:17.123456+00:00")
    school.match.state_changed_at = moment
    db.session.commit()

    rows = _csv_rows(client, "/admin/match/export/csv/")
    sheet = _xlsx_sheet(client, "/admin/match/export/xlsx/")

    assert rows[0]["State since"] == "2026-03-02 08:30 JST"
    assert _column(sheet, "State since")[0].value == datetime(2026, 3, 2, 8, 30, 17)


def test_the_list_shows_moments_in_the_schools_time_zone(
    app, client, auth, monkeypatch
):
    monkeypatch.setitem(app.config, "PLP_TIMEZONE", "America/New_York")
    auth.login_as("administrator")
    school = build_school(db.session)
    school.match.state_changed_at = datetime.fromisoformat("2026-07-01T03:15:00+00:00")
    db.session.commit()

    page = client.get("/admin/match/").get_data(as_text=True)

    assert "2026-06-30 23:15 EDT" in page


def test_an_export_follows_the_search_of_the_list(client, auth):
    auth.login_as("administrator")
    build_school(db.session)
    other = build_school(db.session)

    rows = _csv_rows(
        client, f"/admin/programme/export/csv/?search={other.programme.reference}"
    )

    assert [row["Reference"] for row in rows] == [other.programme.reference]


@pytest.mark.parametrize(
    ("endpoint", "column", "plant"),
    [
        ("agenda_item", "Learning agenda", lambda school: school.agenda),
        ("programme", "Client", lambda school: school.client),
        ("seminar_enrolment", "Seminar", lambda school: school.enrolment.seminar),
    ],
)
def test_formulas_from_related_records_stay_text(client, auth, endpoint, column, plant):
    auth.login_as("administrator")
    school = build_school(db.session)
    record = plant(school)
    for name in ("title", "name", "description"):
        if hasattr(record, name):
            setattr(record, name, FORMULA)
    db.session.commit()

    rows = _csv_rows(client, f"/admin/{endpoint}/export/csv/")
    cell = _column(_xlsx_sheet(client, f"/admin/{endpoint}/export/xlsx/"), column)[0]

    assert rows[0][column].startswith("'")
    assert FORMULA in rows[0][column]
    assert cell.data_type == "s"
    assert FORMULA in cell.value


def test_negative_amounts_stay_numbers_in_a_csv(client, auth):
    auth.login_as("finance")
    school = build_school(db.session)
    taken_away = BudgetRevision(
        budget=school.budget,
        budget_line=school.line,
        amount_change=Decimal("-100.00"),
        reason="Fewer trips",
        approved_by=school.approver,
        approved_on=date(2026, 4, 1),
    )
    db.session.add(taken_away)
    db.session.commit()

    rows = _csv_rows(client, "/admin/budget_revision/export/csv/")

    assert "-100.00" in [row["Amount change"] for row in rows]


def test_amounts_in_an_excel_export_have_the_money_format(client, auth):
    auth.login_as("finance")
    build_school(db.session)

    sheet = _xlsx_sheet(client, "/admin/expense/export/xlsx/")
    rate = _column(_xlsx_sheet(client, "/admin/exchange_rate/export/xlsx/"), "Rate")

    assert _column(sheet, "Amount")[0].number_format == "#,##0.00"
    assert rate[0].number_format != "#,##0.00"

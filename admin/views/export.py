"""Exports of an admin list: CSV, and Excel with typed cells and text kept text."""

import csv
from datetime import date
from decimal import Decimal
from io import BytesIO, StringIO

from flask import Response
from openpyxl import Workbook
from werkzeug.utils import secure_filename

from admin.formatting import XLSX_FORMATTERS, safe_cell_text
from plp.db import Rate

XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

# Values a cell can hold as they are; anything else is written as its text.
_CELL_TYPES = (str, int, Decimal, date, bool)

# How Excel shows an amount of money: thousands separated, always two decimals.
MONEY_FORMAT = "#,##0.00"


def csv_response(view) -> Response:
    """Send the rows of a view's list, as filtered, as a CSV file.

    Flask-Admin streams its CSV after the request's database session has
    closed, so related records cannot load; this one is written first.
    """
    text = StringIO()
    writer = csv.writer(text)
    writer.writerow([title for _, title in view._export_columns])

    _, rows = view._export_data()
    for record in rows:
        writer.writerow(
            [
                _csv_cell(view.get_export_value(record, name))
                for name, _ in view._export_columns
            ]
        )

    filename = secure_filename(view.get_export_name("csv"))
    return Response(
        text.getvalue(),
        headers={"Content-Disposition": f"attachment;filename={filename}"},
        mimetype="text/csv",
    )


def xlsx_response(view) -> Response:
    """Send the rows of a view's list, as filtered, as an Excel workbook."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = view.name[:31]
    sheet.append([title for _, title in view._export_columns])

    _, rows = view._export_data()
    for record in rows:
        values = [_cell_value(view, record, name) for name, _ in view._export_columns]
        sheet.append(values)
    _keep_text_as_text(sheet)
    _show_amounts_as_money(view, sheet)

    stream = BytesIO()
    workbook.save(stream)
    filename = secure_filename(view.get_export_name("xlsx"))
    return Response(
        stream.getvalue(),
        headers={"Content-Disposition": f"attachment;filename={filename}"},
        mimetype=XLSX_MIMETYPE,
    )


def _csv_cell(value) -> str:
    """Write any value as text a spreadsheet will never run as a formula."""
    if value is None:
        return ""
    return safe_cell_text(str(value))


def _cell_value(view, record, name):
    value = view._get_list_value(
        None, record, name, view.column_formatters_export, XLSX_FORMATTERS
    )
    if value is None or isinstance(value, _CELL_TYPES):
        return value
    return str(value)


def _keep_text_as_text(sheet) -> None:
    """Store text that looks like a formula as text, so Excel never runs it.

    openpyxl reads a string starting with "=" as a formula; a campaign called
    "=HYPERLINK(...)" must stay the words the School typed.
    """
    for row in sheet.iter_rows(min_row=2):
        for cell in row:
            if isinstance(cell.value, str):
                cell.data_type = "s"
                if safe_cell_text(cell.value) != cell.value:
                    cell.quotePrefix = True


def _show_amounts_as_money(view, sheet) -> None:
    """Give every amount of money the number format finance reads."""
    rates = {
        index
        for index, (name, _) in enumerate(view._export_columns)
        if isinstance(
            getattr(view.model.__table__.columns.get(name), "type", None), Rate
        )
    }
    for row in sheet.iter_rows(min_row=2):
        for index, cell in enumerate(row):
            if isinstance(cell.value, Decimal) and index not in rates:
                cell.number_format = MONEY_FORMAT

"""Form fields for the School's values, and the converter that uses them everywhere.

The converter is what makes a rule hold on every form: each Money column gets
a MoneyField, each date an HTML date input and each enum a choice of the
School's own words, in create and edit forms, inline rows and inline edits
alike; and every related-record picker offers only the rows in the signed-in
user's scope.
"""

import json
from decimal import Decimal

from flask_admin.contrib.sqla import fields as sqla_fields
from flask_admin.contrib.sqla.form import AdminModelConverter
from flask_admin.form import Select2Widget
from flask_admin.model.form import converts
from flask_admin.model.widgets import XEditableWidget
from wtforms import fields, validators
from wtforms.fields.choices import Choice, SelectChoice

from admin.extensions import db
from admin.views.scope import scope_to_user
from plp.errors import InvalidValue
from plp.models import Budget, BudgetLine, Need, NeedsAssessment, Programme
from plp.values import parse_currency, parse_exact, parse_languages, parse_money

# Decimals an exchange rate keeps (plp.db.Rate).
RATE_PLACES = 8

# What Flask-Admin's selects send for "no choice".
BLANK_CHOICE = "__None"


class ExactNumberField(fields.StringField):
    """A number typed as text and read exactly, never rounded.

    A number input would let the browser round; text keeps what was typed so
    that 10.005 is refused with a message instead of becoming 10.01.
    """

    def __init__(self, label=None, validators=None, **kwargs):
        kwargs.setdefault("render_kw", {"inputmode": "decimal"})
        super().__init__(label, validators, **kwargs)

    def parse(self, text: str) -> Decimal:
        """Return the typed number, raising InvalidValue if it is not one."""
        raise NotImplementedError

    def process_formdata(self, valuelist):
        """Read the typed number exactly, or record why it cannot be one."""
        text = valuelist[0].strip() if valuelist else ""
        self.data = None
        if text:
            try:
                self.data = self.parse(text)
            except InvalidValue as problem:
                raise ValueError(str(problem)) from None

    def _value(self) -> str:
        if self.raw_data:
            return self.raw_data[0]
        return "" if self.data is None else str(self.data)


class MoneyField(ExactNumberField):
    """An amount of money, refused beyond two decimals or below zero."""

    def __init__(self, *args, allow_negative=False, more_than_zero=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.allow_negative = allow_negative
        self.more_than_zero = more_than_zero

    def parse(self, text: str) -> Decimal:
        amount = parse_money(text, allow_negative=self.allow_negative)
        if self.more_than_zero and amount == 0:
            raise InvalidValue(f"{text} is not more than zero")
        return amount


class RateField(ExactNumberField):
    """An exchange rate: more than zero, at most eight decimals."""

    def parse(self, text: str) -> Decimal:
        rate = parse_exact(text, RATE_PLACES, "a rate")
        if rate <= 0:
            raise InvalidValue(f"{text} is not more than zero")
        return rate


class ChoicesAsNamedTuples:
    """Yield WTForms Choice tuples, which WTForms 3.3 expects of every select.

    Flask-Admin 2.2 still yields plain tuples, which WTForms deprecates.
    """

    def iter_choices(self):
        for value, label, *rest in super().iter_choices():
            # WTForms shows an empty label as the value: "__None" for no choice.
            yield Choice(value, label or " ", *rest)


class QuerySelectField(ChoicesAsNamedTuples, sqla_fields.QuerySelectField):
    """A related record chosen from a query; named as Flask-Admin's for x-editable."""

    def pre_validate(self, form) -> None:
        """Refuse a posted record that is not among the choices, even if blank is."""
        posted = self._formdata not in (None, "", BLANK_CHOICE)
        if posted and self.data is None:
            raise validators.ValidationError(self.gettext("Not a valid choice"))
        super().pre_validate(form)


class QuerySelectMultipleField(
    ChoicesAsNamedTuples, sqla_fields.QuerySelectMultipleField
):
    """Related records chosen from a query."""


class EnumSelectField(fields.SelectField):
    """A choice among an enum's values, shown as the words the School uses."""

    widget = Select2Widget()

    def __init__(
        self, enum_class, label=None, validators=None, allow_blank=False, **kwargs
    ):
        self.enum_class = enum_class
        self.allow_blank = allow_blank
        choices = [SelectChoice(member.value) for member in enum_class]
        if allow_blank:
            choices.insert(0, SelectChoice(BLANK_CHOICE, ""))
        super().__init__(
            label, validators, coerce=self._member, choices=choices, **kwargs
        )

    def _member(self, value):
        if value in (None, "", BLANK_CHOICE):
            return None
        return value if isinstance(value, self.enum_class) else self.enum_class(value)


class ReadOnlyField(fields.StringField):
    """Show a value that this form must not change, such as a generated code."""

    def __init__(self, label=None, validators=None, **kwargs):
        kwargs.setdefault("render_kw", {"readonly": True})
        super().__init__(label, validators, **kwargs)

    def process_formdata(self, valuelist):
        """Ignore whatever was posted: the value is not the form's to set."""

    def populate_obj(self, obj, name):
        """Leave the record's value as it is."""

    def _value(self) -> str:
        return "" if self.data is None else str(self.data)


class SchoolXEditableWidget(XEditableWidget):
    """The inline-edit widget, taught the School's own field types."""

    def get_kwargs(self, field, kwargs):
        """Describe a School field to x-editable; defer to Flask-Admin otherwise."""
        if isinstance(field, ExactNumberField):
            kwargs["data-type"] = "text"
            return kwargs
        if isinstance(field, EnumSelectField):
            choices = [{"value": c.value, "text": c.label} for c in field.choices]
            kwargs["data-type"] = "select2"
            kwargs["data-source"] = json.dumps(choices)
            return kwargs
        return super().get_kwargs(field, kwargs)


def prettify_name(name: str) -> str:
    """Return a field's name in sentence case: "start_date" is "Start date"."""
    words = name.replace("_", " ").strip()
    return words[:1].upper() + words[1:]


class SchoolModelConverter(AdminModelConverter):
    """Turn model columns into the School's fields, with pickers kept in scope."""

    def _get_label(self, name: str, field_args) -> str:
        # Flask-Admin leaves a field missing from column_labels to WTForms,
        # which writes it in title case ("Incurred On").
        if "label" in field_args:
            return field_args["label"]
        labels = getattr(self.view, "column_labels", None) or {}
        return labels.get(name) or prettify_name(name)

    @converts("Money")
    def convert_money(self, column, field_args, **extra):
        """Give every amount of money a field that refuses rounding."""
        _require_unless_nullable(column, field_args)
        return MoneyField(**field_args)

    @converts("Rate")
    def convert_rate(self, column, field_args, **extra):
        """Give every exchange rate an exact field."""
        _require_unless_nullable(column, field_args)
        return RateField(**field_args)

    @converts("sqlalchemy.sql.sqltypes.Enum")
    def convert_enum(self, column, field_args, **extra):
        """Offer an enum's values and hand the model the enum member."""
        if column.nullable:
            field_args["allow_blank"] = True
        return EnumSelectField(column.type.enum_class, **field_args)

    @converts("Date")
    def convert_date(self, field_args, **extra):
        """Use the browser's date input, which always sends YYYY-MM-DD."""
        return fields.DateField(**field_args)

    def _model_select_field(self, prop, multiple, remote_model, **kwargs):
        if getattr(self.view, "_form_ajax_refs", {}).get(prop.key):
            # Looked up as the user types, through the view's scoped loader.
            return super()._model_select_field(prop, multiple, remote_model, **kwargs)
        # Known shortcoming: a picker lists every row in the user's scope. A
        # facilitator's scope is small, but an administrator of a School the
        # size of the benchmark (20,000 programmes) gets pages of many
        # thousand options; such pickers should become scoped AJAX lookups,
        # and need and budget line pickers should follow the chosen programme.
        factory = kwargs.get("query_factory") or _all_rows(remote_model)

        def rows_in_scope():
            return scope_to_user(factory(), remote_model)

        kwargs["query_factory"] = rows_in_scope
        if multiple:
            return QuerySelectMultipleField(**kwargs)
        _start_blank(kwargs)
        return QuerySelectField(**kwargs)


def _all_rows(model):
    return lambda: picker_order(db.session.query(model), model)


def picker_order(query, model):
    """Order a picker's options the way staff look for them.

    Programmes by reference; needs and budget lines by their programme's
    reference first, so each programme's rows stand together.
    """
    if model is Programme:
        return query.order_by(Programme.reference)
    if model is BudgetLine:
        query = query.join(BudgetLine.budget).join(Budget.programme)
        return query.order_by(
            Programme.reference, BudgetLine.category, BudgetLine.description
        )
    if model is Need:
        query = query.join(Need.assessment).join(NeedsAssessment.programme)
        return query.order_by(Programme.reference, Need.area)
    return query.order_by(model.id)


def _start_blank(kwargs) -> None:
    """Make a required picker start at "choose…", never at an arbitrary record."""
    if kwargs.get("allow_blank"):
        return
    kwargs["allow_blank"] = True
    kwargs["blank_text"] = "choose…"
    checks = [
        check
        for check in kwargs.get("validators") or []
        if not isinstance(check, validators.InputRequired)
    ]
    kwargs["validators"] = [RecordChosen(), *checks]


class RecordChosen:
    """Require a record to be chosen, keeping any other error already found."""

    field_flags = {"required": True}

    def __call__(self, form, field):
        # Unlike DataRequired, this keeps "Not a valid choice" for a record the
        # user may not pick: that is the message that says what went wrong.
        if field.data is None and not field.errors:
            raise validators.StopValidation("A value is required.")


def _require_unless_nullable(column, field_args) -> None:
    checks = field_args.setdefault("validators", [])
    required = any(isinstance(check, validators.InputRequired) for check in checks)
    if not column.nullable and not required:
        checks.append(validators.InputRequired("A value is required."))


def languages_filter(value):
    """Normalise comma-separated ISO 639 codes; refuse unknown ones."""
    if not value:
        return None
    try:
        return parse_languages(value) or None
    except InvalidValue as problem:
        raise ValueError(str(problem)) from None


def currency_filter(value):
    """Normalise an ISO 4217 currency code; refuse anything else."""
    if not value:
        return value
    try:
        return parse_currency(value)
    except InvalidValue as problem:
        raise ValueError(str(problem)) from None


def currency_args() -> dict:
    """Return the form arguments of a currency code field.

    A fresh dict each time: Flask-Admin appends to the lists it is given.
    """
    return {"filters": [currency_filter]}


def languages_args() -> dict:
    """Return the form arguments of a field of language codes."""
    return {"filters": [languages_filter]}

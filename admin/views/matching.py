"""Introductions, consents, agreements and the facilitators' check-ins.

A mentor appears on these pages only by alias code: in lists, details,
forms, search, sort, filters and the mentor picker alike.

A match moves only through the workflow's steps (`plp.services.matching`):
the "Next steps" panel on its details page and the list's bulk actions call
them; no form, inline edit or bulk delete sets its state. Only a shortlisted
match never proposed can be deleted, singly or in bulk, and the deletion is
audited; anything later is declined or withdrawn instead.
"""

import logging

from flask import flash, redirect, request, url_for
from flask_admin import expose
from flask_admin.actions import action
from flask_login import current_user

from admin.extensions import db
from admin.views.base import SchoolModelView, inline
from admin.views.documents import DOCUMENT_ROLES
from admin.views.fields import picker_order
from plp.enums import (
    MATCH_STATES_DISCLOSED,
    Channel,
    ConsentDecision,
    ConsentSide,
    Role,
)
from plp.enums import MatchState as M
from plp.errors import DomainError, InvalidValue
from plp.models import Match, Mentor, MentoringSession, Programme
from plp.rules import PROGRAMMES_NOT_MATCHING
from plp.services import matching
from plp.services.agreements import (
    committed_on_line,
    finalise_agreement,
    line_limit,
    lines_for_match,
)
from plp.services.audit import record_event
from plp.values import record_id

logger = logging.getLogger(__name__)

MATCHERS = (Role.ADMINISTRATOR, Role.FACILITATOR)

BULK_CONFIRM = "Take this step for every selected match? All of them, or none."

# What each step is called on a button, and what its confirmation asks.
STEP_LABELS = {
    "propose": "Propose the match",
    "record_consent": "Record the {side} side's word",
    "withdraw_consent": "Withdraw the {side} side's consent",
    "hold_interview": "Record the interview",
    "invite": "Record the client's invitation",
    "accept": "Record the mentor's acceptance",
    "finalise": "Finalise the agreement",
    "decline": "Decline the match",
    "withdraw": "Withdraw the match",
}

# What a confirmed step leaves behind, where it can still be taken back.
CANNOT_UNDO = "This cannot be undone from this page."
_CONSEQUENCE = {
    "record_consent": (
        "A yes can be withdrawn until both sides have said yes; a no ends the "
        "introduction."
    ),
}

# The channels a side's word reaches the School through, as offered in forms.
CHANNELS = [channel for channel in Channel if channel != Channel.IMPORT]


def programmes_matching():
    """Offer the programmes that still look for mentors, by reference."""
    query = db.session.query(Programme).filter(
        Programme.status.not_in(PROGRAMMES_NOT_MATCHING)
    )
    return picker_order(query, Programme)


def approachable_mentors():
    """Return the condition that leaves out mentors nobody may approach."""
    return Mentor.do_not_approach.is_(False)


class MatchView(SchoolModelView):
    """Introductions between a programme's client and a mentor or coach.

    The state is shown but never set here: the matching workflow moves it.
    A new match starts shortlisted; the rules refuse a mentor the programme
    may not approach, whichever way the form is posted.
    """

    read_roles = (*MATCHERS, Role.COORDINATOR)
    write_roles = MATCHERS

    column_list = ("programme", "mentor", "need", "role", "state", "state_changed_at")
    column_details_list = (
        *column_list,
        "proposed_at",
        "disclosed_at",
        "end_reason",
        "created_at",
    )
    search_hint = "Search by programme reference or mentor alias code"
    column_searchable_list = ("programme.reference", "mentor.alias_code")
    column_filters = ("state", "role", "state_changed_at")
    column_sortable_list = (
        ("programme", "programme.reference"),
        ("mentor", "mentor.alias_code"),
        "role",
        "state",
        "state_changed_at",
    )
    column_default_sort = ("state_changed_at", True)
    column_labels = {
        "mentor": "Mentor or coach (alias)",
        "state_changed_at": "State since",
        "created_at": "Recorded",
    }
    form_columns = ("programme", "mentor", "need", "role", "state")
    form_readonly_columns = ("state",)
    form_fixed_columns = ("programme", "mentor")
    form_args = {"programme": {"query_factory": programmes_matching}}
    form_ajax_refs = {
        "mentor": {
            "fields": ("alias_code",),
            "where": approachable_mentors,
            "placeholder": "Type part of an alias code",
            "minimum_input_length": 0,
        }
    }
    column_descriptions = {
        "state": "Moved on only by the matching workflow; a new match is shortlisted.",
    }

    details_template = "admin/match_details.html"

    def on_model_change(self, form, model, is_created):
        """Start every new match at the first step of the workflow, audited."""
        super().on_model_change(form, model, is_created)
        if is_created:
            model.state = M.SHORTLISTED
            actor = current_user._get_current_object()
            note = "added by hand, not from a shortlist"
            record_event(
                db.session, actor, model, "shortlisted", None, M.SHORTLISTED, note
            )

    def delete_model(self, model) -> bool:
        """Delete a match only while it is shortlisted, and audit the deletion."""
        return self._delete([model.id]) > 0

    @action("delete", "Delete", "Delete every selected match? All of them, or none.")
    def action_delete(self, ids):
        """Delete the selected shortlisted matches, all of them or none."""
        deleted = self._delete([record_id(i) for i in ids])
        if deleted:
            matches = "match" if deleted == 1 else "matches"
            flash(f"Deleted {deleted} shortlisted {matches}.", "success")

    def _delete(self, match_ids: list[int | None]) -> int:
        try:
            return matching.delete_shortlisted(
                db.session, current_user._get_current_object(), match_ids
            )
        except DomainError as refusal:
            db.session.rollback()
            flash(str(refusal), "error")
            return 0

    def render(self, template, **kwargs):
        """Give a match's details the steps the signed-in user may take now."""
        model = kwargs.get("model")
        if template == self.details_template and model is not None:
            kwargs["next_steps"] = [
                _step_form(model, step)
                for step in matching.steps_open_to(current_user, model)
            ]
            kwargs["channels"] = CHANNELS
            kwargs["documents"] = _documents_of(model)
        return super().render(template, **kwargs)

    @expose("/step/", methods=("POST",))
    def step_view(self):
        """Take one workflow step on a match, then go back to its details."""
        match_id = record_id(request.form.get("id", ""))
        name = request.form.get("step", "")
        take = _STEP_TAKERS.get(name)
        if match_id is None or take is None:
            flash("Nothing was done: no such step or match.", "error")
            return redirect(url_for(".index_view"))

        try:
            take(current_user._get_current_object(), match_id, request.form)
        except DomainError as refusal:
            db.session.rollback()
            flash(str(refusal), "error")
        else:
            state = db.session.get(Match, match_id).state
            flash(f"Done: the introduction's stage is now “{state}”.", "success")

        if self.get_one(str(match_id)) is None:
            return redirect(url_for(".index_view"))
        return redirect(url_for(".details_view", id=match_id))

    def is_action_allowed(self, name: str) -> bool:
        """Offer the workflow's bulk steps to the roles that take them."""
        if name in matching.BULK_STEPS:
            return current_user.role in MATCHERS
        return super().is_action_allowed(name)

    def _take_for_all(self, step_name: str, ids: list[str]) -> None:
        match_ids = [record_id(i) for i in ids]
        try:
            matches = matching.take_step_for_all(
                db.session, current_user._get_current_object(), step_name, match_ids
            )
        except DomainError as refusal:
            db.session.rollback()
            flash(str(refusal), "error")
            return
        label = STEP_LABELS[step_name]
        flash(f"{label}: done for {len(matches)} matches.", "success")

    @action("propose", "Propose", BULK_CONFIRM)
    def propose(self, ids):
        """Propose the selected shortlisted matches."""
        self._take_for_all("propose", ids)

    @action("hold_interview", "Record the interview", BULK_CONFIRM)
    def hold_interview(self, ids):
        """Record that the selected disclosed matches held their interview."""
        self._take_for_all("hold_interview", ids)

    @action("invite", "Record the client's invitation", BULK_CONFIRM)
    def invite(self, ids):
        """Record the clients' invitations after the interviews."""
        self._take_for_all("invite", ids)

    @action("accept", "Record the mentor's acceptance", BULK_CONFIRM)
    def accept(self, ids):
        """Record the mentors' acceptances of the invitations."""
        self._take_for_all("accept", ids)


def _documents_of(match: Match) -> list[tuple[str, str]]:
    """Return the printable documents of a match the signed-in user may open."""
    if current_user.role not in DOCUMENT_ROLES:
        return []
    links = [
        ("Anonymous mentor profile, for the client", "documents.mentor_profile"),
        ("Anonymous client brief, for the mentor", "documents.client_brief"),
    ]
    if match.state in MATCH_STATES_DISCLOSED:
        links.append(("Introduction letter", "documents.introduction_letter"))
    return [(title, url_for(endpoint, match_id=match.id)) for title, endpoint in links]


def _step_form(match: Match, step: matching.OpenStep) -> dict:
    """Describe the form of one open step for the details page."""
    label = STEP_LABELS[step.name].format(side=step.side)
    form = {
        "name": step.name,
        "side": step.side,
        "label": label,
        "confirm": f"{label}? {_CONSEQUENCE.get(step.name, CANNOT_UNDO)}",
    }
    if step.name == "record_consent":
        given = match.current_consent(step.side) == ConsentDecision.GIVEN
        form["decisions"] = (
            [ConsentDecision.REFUSED]
            if given
            else [
                ConsentDecision.GIVEN,
                ConsentDecision.REFUSED,
            ]
        )
    if step.name == "finalise":
        form["lines"] = [
            {
                "id": line.id,
                "label": line.description,
                "limit": line_limit(db.session, line),
                "committed": committed_on_line(db.session, line.id),
            }
            for line in lines_for_match(db.session, match)
        ]
        form["currency"] = match.programme.currency
        form["role"] = match.role
    if step.name in ("decline", "withdraw") and step.side is None:
        form["sides"] = list(ConsentSide)
    return form


def _side(form, required: bool = True) -> ConsentSide | None:
    value = form.get("side", "")
    if not value and not required:
        return None
    try:
        return ConsentSide(value)
    except ValueError:
        raise InvalidValue(
            f"Side: {value or 'nothing'} is not client or mentor"
        ) from None


def _decision(form) -> ConsentDecision:
    value = form.get("decision", "")
    if value not in (ConsentDecision.GIVEN, ConsentDecision.REFUSED):
        raise InvalidValue(f"Decision: {value or 'nothing'} is not given or refused")
    return ConsentDecision(value)


def _simple(service):
    return lambda actor, match_id, form: service(db.session, actor, match_id)


def _ending(service):
    def take(actor, match_id, form):
        side = _side(form, required=False)
        return service(db.session, actor, match_id, form.get("reason", ""), side)

    return take


def _record_consent(actor, match_id, form):
    side, decision = _side(form), _decision(form)
    channel, note = form.get("channel", ""), form.get("note")
    return matching.record_consent(
        db.session, actor, match_id, side, decision, channel, note
    )


def _withdraw_consent(actor, match_id, form):
    side, channel = _side(form), form.get("channel", "")
    return matching.withdraw_consent(
        db.session, actor, match_id, side, channel, form.get("note")
    )


def _finalise(actor, match_id, form):
    return finalise_agreement(
        db.session,
        actor,
        match_id,
        record_id(form.get("budget_line_id", "")),
        form.get("fee", ""),
        form.get("sessions_planned", ""),
        form.get("start_date"),
        form.get("end_date"),
    )


# Each step's name, as the panel posts it, and how its form is taken.
_STEP_TAKERS = {
    "propose": _simple(matching.propose),
    "record_consent": _record_consent,
    "withdraw_consent": _withdraw_consent,
    "hold_interview": _simple(matching.hold_interview),
    "invite": _simple(matching.invite),
    "accept": _simple(matching.accept),
    "finalise": _finalise,
    "decline": _ending(matching.decline),
    "withdraw": _ending(matching.withdraw),
}


class ConsentView(SchoolModelView):
    """Each side's recorded word on disclosure: read here, never changed."""

    read_roles = (*MATCHERS, Role.COORDINATOR)
    write_roles = ()

    column_list = (
        "match",
        "side",
        "decision",
        "channel",
        "recorded_by",
        "recorded_at",
        "imported",
    )
    column_details_list = (*column_list, "note")
    column_searchable_list = ("note",)
    column_filters = ("side", "decision", "channel", "recorded_at", "imported")
    column_sortable_list = ("side", "decision", "channel", "recorded_at")
    column_default_sort = ("recorded_at", True)


class AgreementView(SchoolModelView):
    """Finalised mentoring and coaching agreements and their logged sessions.

    An agreement is made only by finalising an accepted match, which checks
    the budget and the mentor's capacity; here its sessions, dates and status
    are kept up to date. Its fee and budget line stay as finalised.
    """

    read_roles = (*MATCHERS, Role.COORDINATOR, Role.FINANCE)
    write_roles = MATCHERS
    create_roles = ()
    # An agreement is ended early, never deleted: its fee was committed and
    # its history belongs to the programme's accounts and audit trail.
    delete_roles = ()

    column_list = (
        "programme",
        "mentor",
        "role",
        "fee",
        "programme.currency",
        "sessions_planned",
        "start_date",
        "end_date",
        "status",
    )
    column_details_list = (
        "match",
        *column_list,
        "budget_line",
        "finalised_at",
        "sessions",
    )
    search_hint = "Search by programme reference or mentor alias code"
    column_searchable_list = ("programme.reference", "mentor.alias_code")
    column_filters = ("status", "role", "start_date", "end_date")
    column_sortable_list = (
        ("programme", "programme.reference"),
        ("mentor", "mentor.alias_code"),
        "role",
        "fee",
        "start_date",
        "end_date",
        "status",
    )
    column_default_sort = ("start_date", True)
    column_labels = {"mentor": "Mentor or coach (alias)"}
    form_columns = (
        "match",
        "budget_line",
        "fee",
        "sessions_planned",
        "start_date",
        "end_date",
        "status",
    )
    form_readonly_columns = ("budget_line", "fee")
    form_fixed_columns = ("match",)
    column_descriptions = {
        "match": "Agreements are made by finalising an accepted match.",
        "fee": "Committed against the budget line when the agreement was finalised.",
    }
    inline_models = (inline(MentoringSession),)


class CheckInView(SchoolModelView):
    """Facilitators' monitoring check-ins on their programmes."""

    read_roles = MATCHERS
    write_roles = MATCHERS

    column_list = ("programme", "held_on", "rating", "facilitator", "notes")
    column_searchable_list = ("programme.reference", "notes")
    column_filters = ("rating", "held_on")
    column_sortable_list = (
        ("programme", "programme.reference"),
        "held_on",
        "rating",
        ("facilitator", "facilitator.name"),
    )
    column_default_sort = ("held_on", True)
    column_labels = {"facilitator": "Recorded by"}
    form_columns = ("programme", "held_on", "rating", "notes")

    def on_model_change(self, form, model, is_created):
        """Record who held the check-in."""
        super().on_model_change(form, model, is_created)
        if is_created:
            model.facilitator = current_user._get_current_object()

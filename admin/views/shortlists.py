"""Finding candidates: the matching weights, shortlists and adding to matches.

A candidate appears here only through their profile (alias code, roles,
expertise, languages, region, experience band, availability and free
places): the pages are built from those fields alone, never from the
mentor record as a whole.
"""

import logging

from flask import abort, flash, redirect, request, url_for
from flask_admin import BaseView, expose
from flask_login import current_user
from flask_wtf import FlaskForm
from markupsafe import Markup
from sqlalchemy import select
from wtforms import HiddenField, SelectField, StringField
from wtforms.fields.choices import SelectChoice

from admin.extensions import db
from admin.views.base import SchoolModelView
from plp.enums import MatchingCriterion, PeerRole, Role, RolesOffered
from plp.errors import DomainError
from plp.models import Match, Mentor, Need, NeedsAssessment, Programme, Shortlist
from plp.models import ShortlistCandidate as Candidate
from plp.permissions import scope_query
from plp.rules import MATCH_STATES_IN_PLAY, PROGRAMMES_NOT_MATCHING
from plp.services.shortlists import (
    SHORTLIST_ROLES,
    add_candidate_to_matches,
    build_shortlist,
    current_weights,
    free_places,
    set_weights,
)
from plp.values import record_id
from plp.vocabulary import REGIONS

logger = logging.getLogger(__name__)

# The profile fields a candidate is shown with, and their headings.
CANDIDATE_PROFILE = (
    ("roles_offered", "Roles offered"),
    ("expertise", "Expertise"),
    ("languages", "Languages"),
    ("region", "Region"),
    ("experience_band", "Experience"),
    ("availability", "Availability"),
)


class StaffPage(BaseView):
    """A page outside the record views, open to the roles it names."""

    roles: tuple[Role, ...] = ()

    def is_accessible(self) -> bool:
        """Let in only signed-in staff whose role this page serves."""
        return current_user.is_authenticated and current_user.role in self.roles

    def inaccessible_callback(self, name, **kwargs):
        """Send signed-out visitors to sign in; refuse everybody else."""
        if not current_user.is_authenticated:
            return redirect(url_for("auth.login", next=request.full_path))
        abort(403)


# The matching weights


def _field_name(criterion: MatchingCriterion) -> str:
    return criterion.name.lower()


def weights_form() -> FlaskForm:
    """Return a form with one weight field per matching criterion."""

    class WeightsForm(FlaskForm):
        pass

    for criterion in MatchingCriterion:
        label = criterion.value.capitalize()
        setattr(WeightsForm, _field_name(criterion), StringField(label))
    return WeightsForm()


class MatchingWeightsView(StaffPage):
    """The weight of each criterion in every shortlist built from now on."""

    roles = (Role.ADMINISTRATOR,)

    @expose("/", methods=("GET", "POST"))
    def index(self):
        """Show the weights; save those sent, all of them or none."""
        form = weights_form()
        refusal = None

        if form.validate_on_submit():
            sent = {c: form[_field_name(c)].data for c in MatchingCriterion}
            try:
                set_weights(db.session, current_user, sent)
            except DomainError as refused:
                refusal = str(refused)
            else:
                flash("The matching weights are saved.", "success")
                return redirect(url_for(".index"))
        elif request.method == "GET":
            for criterion, weight in current_weights(db.session).items():
                form[_field_name(criterion)].data = str(weight)

        return self.render(
            "admin/matching_weights.html",
            form=form,
            fields=[form[_field_name(c)] for c in MatchingCriterion],
            problems=refusal.split("; ") if refusal else [],
        )


# Finding candidates


class FindCandidatesForm(FlaskForm):
    """What to look for: a programme, one of its needs, a role and a region."""

    # Choices are offered from the user's own programmes, but what is sent is
    # checked by the shortlist service alone, so a hand-made request meets
    # the same refusal as any other.
    programme = SelectField("Programme", validate_choice=False)
    need = SelectField("Need", validate_choice=False)
    role = SelectField(
        "Role",
        choices=[SelectChoice("", "Mentor or coach")]
        + [SelectChoice(role.value) for role in PeerRole],
        validate_choice=False,
    )
    region = SelectField(
        "Region preferred",
        choices=[SelectChoice("", "No preference")]
        + [SelectChoice(region) for region in REGIONS],
        validate_choice=False,
    )


class AddCandidateForm(FlaskForm):
    """One candidate to add to the programme's matches, and as what."""

    candidate = HiddenField()
    role = HiddenField()


def _programme_choices() -> list[SelectChoice]:
    query = (
        select(Programme.id, Programme.reference, Programme.status)
        .where(Programme.status.not_in(PROGRAMMES_NOT_MATCHING))
        .order_by(Programme.reference)
    )
    query = scope_query(query, Programme, current_user)
    return [
        SelectChoice(str(pid), f"{reference} ({status})")
        for pid, reference, status in db.session.execute(query)
    ]


def _need_choices(programme_id: str | None) -> list[SelectChoice]:
    """Offer the needs of the chosen programme, which must be one offered."""
    every = SelectChoice("", "Every need of the programme")
    if not programme_id:
        return [every]
    query = (
        select(Need.id, Need.area, Need.priority)
        .join(NeedsAssessment, Need.assessment_id == NeedsAssessment.id)
        .where(NeedsAssessment.programme_id == record_id(programme_id))
        .order_by(Need.id)
    )
    needs = [
        SelectChoice(str(nid), f"{area} ({priority})")
        for nid, area, priority in db.session.execute(query)
    ]
    return [every, *needs]


class FindCandidatesView(StaffPage):
    """Build a shortlist for a programme and add candidates to its matches."""

    roles = SHORTLIST_ROLES

    @expose("/", methods=("GET", "POST"))
    def index_view(self):
        """Show the search form; build and open the shortlist it asks for."""
        form = FindCandidatesForm()
        form.programme.choices = _programme_choices()
        if request.method == "GET":
            form.programme.data = _chosen_programme(form.programme.choices)
        form.need.choices = _need_choices(_offered(form.programme))

        if form.validate_on_submit():
            try:
                shortlist = build_shortlist(
                    db.session,
                    current_user,
                    form.programme.data,
                    need_id=form.need.data or None,
                    role=form.role.data or None,
                    region=form.region.data or None,
                )
            except DomainError as refused:
                flash(f"No shortlist was built: {refused}", "error")
            else:
                return redirect(url_for(".shortlist_view", id=shortlist.id))

        return self.render("admin/shortlist_find.html", form=form)

    @expose("/shortlist/")
    def shortlist_view(self):
        """Show a shortlist's candidates by profile, each with a button to add."""
        shortlist = _visible_shortlist(request.args.get("id"))
        if shortlist is None:
            abort(404)
        rows = candidate_rows(shortlist)
        return self.render(
            "admin/shortlist_candidates.html",
            shortlist=shortlist,
            rows=rows,
            total=sum(shortlist.weights.values()),
            profile=CANDIDATE_PROFILE,
            add_form=AddCandidateForm(),
        )

    @expose("/add/", methods=("POST",))
    def add_view(self):
        """Add a candidate to the programme's matches as shortlisted."""
        form = AddCandidateForm()
        if not form.validate_on_submit():
            abort(400)
        try:
            match = add_candidate_to_matches(
                db.session,
                current_user,
                form.candidate.data,
                role=form.role.data or None,
            )
        except DomainError as refused:
            flash(f"Not added: {refused}", "error")
            return redirect(_back_to_shortlist(form.candidate.data))
        link = url_for("match.details_view", id=match.id)
        flash(
            Markup('{} is shortlisted for {}: <a href="{}">open the match</a>.').format(
                match.mentor.alias_code, match.programme.reference, link
            ),
            "success",
        )
        return redirect(url_for(".shortlist_view", id=match.shortlist_id))


def _chosen_programme(choices) -> str | None:
    """Return the programme asked for by id or reference, else the first offered."""
    asked = request.args.get("programme_id") or request.args.get("search")
    for choice in choices:
        if asked in (choice.value, choice.label.split(" ", 1)[0]):
            return choice.value
    return choices[0].value if choices else None


def _offered(field: SelectField) -> str | None:
    """Return the field's programme if it is one the user may pick, else None."""
    offered = {choice.value for choice in field.choices}
    return field.data if field.data in offered else None


def _visible_shortlist(raw_id) -> Shortlist | None:
    shortlist_id = record_id(raw_id)
    if shortlist_id is None:
        return None
    query = select(Shortlist).where(Shortlist.id == shortlist_id)
    query = scope_query(query, Shortlist, current_user)
    return db.session.execute(query).scalar_one_or_none()


def _back_to_shortlist(candidate_id) -> str:
    wanted = record_id(candidate_id)
    if wanted is not None:
        visible = scope_query(select(Shortlist.id), Shortlist, current_user)
        query = select(Candidate.shortlist_id).where(
            Candidate.id == wanted, Candidate.shortlist_id.in_(visible)
        )
        shortlist_id = db.session.execute(query).scalar_one_or_none()
        if shortlist_id is not None:
            return url_for(".shortlist_view", id=shortlist_id)
    return url_for(".index_view")


def candidate_rows(shortlist: Shortlist) -> list[dict]:
    """Return each candidate of a shortlist with their profile, never identity."""
    columns = [getattr(Mentor, field) for field, _ in CANDIDATE_PROFILE]
    query = (
        select(Candidate, Mentor.alias_code, *columns)
        .join(Mentor, Candidate.mentor_id == Mentor.id)
        .where(Candidate.shortlist_id == shortlist.id)
        .order_by(Candidate.rank)
    )
    found = db.session.execute(query).all()
    mentor_ids = [row[0].mentor_id for row in found]
    places = free_places(db.session, mentor_ids)
    matched = _matches_of(shortlist.programme_id, mentor_ids)
    rows = []
    for candidate, alias_code, *values in found:
        fields = (field for field, _ in CANDIDATE_PROFILE)
        profile = {
            field: getattr(value, "value", value)
            for field, value in zip(fields, values, strict=True)
        }
        rows.append(
            {
                "candidate": candidate,
                "alias_code": alias_code,
                "profile": profile,
                "free_places": places.get(candidate.mentor_id, 0),
                "roles": _roles_to_offer(shortlist, profile["roles_offered"]),
                "match_id": matched.get(candidate.mentor_id),
            }
        )
    return rows


def _matches_of(programme_id: int, mentor_ids: list[int]) -> dict[int, int]:
    """Return, by mentor, the programme's open or agreed match with them."""
    if not mentor_ids:
        return {}
    query = select(Match.mentor_id, Match.id).where(
        Match.programme_id == programme_id,
        Match.mentor_id.in_(mentor_ids),
        Match.state.in_(MATCH_STATES_IN_PLAY),
    )
    return dict(db.session.execute(query).all())


def _roles_to_offer(shortlist: Shortlist, offered: RolesOffered) -> list[PeerRole]:
    if shortlist.role is not None:
        return [shortlist.role]
    return [role for role in PeerRole if offered in (RolesOffered.BOTH, role)]


# The shortlists as they were built


def _or_every_need(view, context, model, name) -> str:
    return model.need.area if model.need else "Every need"


def _or_either_role(view, context, model, name) -> str:
    return model.role.value.capitalize() if model.role else "Mentor or coach"


def _or_no_preference(view, context, model, name) -> str:
    return model.region or "No preference"


def _weights_text(view, context, model, name) -> str:
    return ", ".join(
        f"{criterion.capitalize()} {weight}"
        for criterion, weight in model.weights.items()
    )


def _exclusions_text(view, context, model, name) -> str:
    if not model.exclusions:
        return "Nobody"
    return "; ".join(f"{reason}: {n}" for reason, n in model.exclusions.items())


def _candidates_table(view, context, model, name) -> Markup:
    """Show each candidate's alias code, score and the reasons for it."""
    query = (
        select(Candidate, Mentor.alias_code)
        .join(Mentor, Candidate.mentor_id == Mentor.id)
        .where(Candidate.shortlist_id == model.id)
        .order_by(Candidate.rank)
    )
    total = sum(model.weights.values())
    rows = [
        Markup("<tr><td>{}</td><td>{}</td><td>{} of {}</td><td>{}</td></tr>").format(
            candidate.rank, alias, candidate.score, total, _reasons(candidate)
        )
        for candidate, alias in db.session.execute(query)
    ]
    if not rows:
        return Markup("<p>No candidate fitted.</p>")
    head = Markup(
        '<table class="table table-sm" id="shortlist-candidates"><thead><tr>'
        "<th>Rank</th><th>Alias code</th><th>Score</th><th>Why</th></tr></thead>"
    )
    return head + Markup("<tbody>") + Markup("").join(rows) + Markup("</tbody></table>")


def _reasons(candidate: Candidate) -> Markup:
    return Markup("<br>").join(
        Markup("{}: {} of {} ({})").format(
            entry["criterion"].capitalize(),
            entry["points"],
            entry["weight"],
            entry["reason"],
        )
        for entry in candidate.explanation
    )


def _open_link(view, context, model, name) -> Markup:
    url = url_for("find_candidates.shortlist_view", id=model.id)
    return Markup('<a href="{}">Open, to add candidates to matches</a>').format(url)


class ShortlistView(SchoolModelView):
    """Shortlists as they were built: weights, pool, exclusions and candidates.

    Written once by the Find candidates page; read here, never changed.
    """

    read_roles = SHORTLIST_ROLES
    write_roles = ()
    can_export = False

    column_list = (
        "programme",
        "need",
        "role",
        "region",
        "built_by",
        "built_at",
        "pool_size",
    )
    column_details_list = (
        *column_list,
        "weights",
        "exclusions",
        "candidates",
        "add_to_matches",
    )
    search_hint = "Search by programme reference"
    column_searchable_list = ("programme.reference",)
    column_filters = ("role", "region", "built_at")
    column_sortable_list = (
        ("programme", "programme.reference"),
        "role",
        "region",
        "built_at",
        "pool_size",
    )
    column_default_sort = ("built_at", True)
    column_labels = {
        "built_by": "Built by",
        "built_at": "Built",
        "pool_size": "Pool size",
        "weights": "Weights used",
        "exclusions": "Left out, by reason",
        "add_to_matches": "Add to matches",
        "region": "Region preferred",
    }
    column_formatters = {
        "need": _or_every_need,
        "role": _or_either_role,
        "region": _or_no_preference,
        "weights": _weights_text,
        "exclusions": _exclusions_text,
        "candidates": _candidates_table,
        "add_to_matches": _open_link,
    }

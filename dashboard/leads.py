"""Sales work leads here: list, detail, notes, status and owner changes, CSV export."""

from functools import partial

import sqlalchemy as sa
from flask import (
    Blueprint,
    abort,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user

from auth.models import User
from auth.roles import ADMINS, LEAD_EDITORS, MONEY_KEEPERS, STAFF, acting_user, roles_required
from billing.forms import ConvertForm
from billing.queries import contract_for_lead_page
from billing.staff_views import all_clients
from core.downloads import csv_response
from core.extensions import db
from core.flashing import apply_change
from dashboard.referrers import attribution_form
from leads import quarantine as quarantine_service
from leads.forms import NoteForm, OwnerForm, StaffLeadForm, StatusForm, options
from leads.models import LeadSubmission
from leads.queries import filtered_query, page_of_leads, parse_filters
from leads.rules import CHANGE_ATTRIBUTION, CONVERT, LeadSource, LeadStatus, lead_actions
from leads.serialize import CSV_HEADER, lead_csv_row
from leads.services import (
    ROUND_ROBIN,
    Arrival,
    LeadError,
    add_note,
    lead_page,
    submit_lead,
    timeline,
    update_lead,
)
from referrals.services import get_referrer, referrers_with_codes

bp = Blueprint("leads_staff", __name__, url_prefix="/dashboard")


def _staff_choices() -> list[tuple[str, str]]:
    users = db.session.scalars(sa.select(User).where(User.active.is_(True)).order_by(User.email))
    return [(user.email, f"{user.email} ({user.role.value})") for user in users]


@bp.get("/leads")
@roles_required(*STAFF)
def index():
    filters, errors = parse_filters(request.args)
    leads, next_cursor = ([], None) if errors else page_of_leads(filters)
    return render_template(
        "leads/list.html",
        leads=leads,
        filters=filters,
        errors=errors,
        next_cursor=next_cursor,
        statuses=list(LeadStatus),
        sources=list(LeadSource),
        owners=_staff_choices(),
        referrers=referrers_with_codes(),
    )


@bp.get("/leads.csv")
@roles_required(*STAFF)
def export_csv():
    filters, errors = parse_filters(request.args)
    if errors:
        abort(400)
    query = filtered_query(filters).execution_options(yield_per=1000)

    def rows():
        for lead in db.session.scalars(query):
            yield lead_csv_row(lead)

    return csv_response("leads.csv", CSV_HEADER, rows())


@bp.route("/leads/new", methods=["GET", "POST"])
@roles_required(*LEAD_EDITORS)
def new():
    form = StaffLeadForm()
    pairs = [(ROUND_ROBIN, "Round-robin"), ("none", "Unassigned"), *_staff_choices()]
    form.owner_email.choices = options(pairs)
    if form.validate_on_submit():
        arrival = Arrival(
            source=LeadSource(form.source.data),
            actor=acting_user(),
            owner_choice=form.owner_email.data,
        )
        result = submit_lead(form.lead_data(), arrival)
        if result.created:
            flash("Lead created.", "success")
        else:
            flash("An open lead already has this email: added as another submission.", "info")
        return redirect(url_for(".detail", lead_id=result.lead.id))
    return render_template("leads/new.html", form=form)


@bp.get("/leads/<int:lead_id>")
@roles_required(*STAFF)
def detail(lead_id: int):
    lead = lead_page(lead_id) or abort(404)
    actions = lead_actions(lead.status)
    can_convert = CONVERT in actions and current_user.has_role(*STAFF)
    can_attribute = CHANGE_ATTRIBUTION in actions and current_user.has_role(*MONEY_KEEPERS)
    status_form = StatusForm(status=lead.status.value)
    owner_form = OwnerForm(owner_email=lead.owner.email if lead.owner else "none")
    owner_form.owner_email.choices = options([("none", "Unassigned"), *_staff_choices()])
    submissions = db.session.scalars(
        sa.select(LeadSubmission)
        .where(LeadSubmission.lead_id == lead.id)
        .order_by(LeadSubmission.created_at.desc())
    )
    return render_template(
        "leads/detail.html",
        lead=lead,
        referrer=get_referrer(lead.referrer_id) if lead.referrer_id else None,
        events=timeline(lead.id),
        submissions=list(submissions),
        note_form=NoteForm(),
        status_form=status_form,
        owner_form=owner_form,
        can_edit=current_user.has_role(*LEAD_EDITORS),
        can_convert=can_convert,
        convert_form=ConvertForm(clients=all_clients()) if can_convert else None,
        contract=contract_for_lead_page(lead.id) if lead.status == LeadStatus.WON else None,
        can_attribute=can_attribute,
        attribution_form=attribution_form() if can_attribute else None,
    )


@bp.post("/leads/<int:lead_id>/status")
@roles_required(*LEAD_EDITORS)
def update_status(lead_id: int):
    form = StatusForm()
    if form.validate_on_submit():
        change = partial(
            update_lead,
            lead_id,
            acting_user(),
            status=form.status.data,
            lost_reason=form.lost_reason.data,
        )
        apply_change(change, "Status changed.")
    else:
        flash("Pick a status.", "error")
    return redirect(url_for(".detail", lead_id=lead_id))


@bp.post("/leads/<int:lead_id>/owner")
@roles_required(*LEAD_EDITORS)
def update_owner(lead_id: int):
    form = OwnerForm()
    form.owner_email.choices = options([("none", "Unassigned"), *_staff_choices()])
    if form.validate_on_submit():
        change = partial(update_lead, lead_id, acting_user(), owner_email=form.owner_email.data)
        apply_change(change, "Owner changed.")
    else:
        flash("Pick an owner.", "error")
    return redirect(url_for(".detail", lead_id=lead_id))


@bp.post("/leads/<int:lead_id>/notes")
@roles_required(*LEAD_EDITORS)
def create_note(lead_id: int):
    form = NoteForm()
    if form.validate_on_submit():
        apply_change(partial(add_note, lead_id, form.body.data, acting_user()), "Note added.")
    else:
        flash(" ".join(form.body.errors) or "Write something.", "error")
    return redirect(url_for(".detail", lead_id=lead_id))


@bp.get("/quarantine")
@roles_required(*ADMINS)
def quarantine():
    return render_template("leads/quarantine.html", rows=quarantine_service.list_quarantine())


@bp.post("/quarantine/<int:quarantine_id>/restore")
@roles_required(*ADMINS)
def restore(quarantine_id: int):
    try:
        result = quarantine_service.restore(quarantine_id, acting_user())
    except LeadError:
        abort(404)
    flash("Restored as a lead.", "success")
    return redirect(url_for(".detail", lead_id=result.lead.id))

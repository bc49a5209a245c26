"""Sales work leads here: list, detail, notes, status and owner changes, CSV export."""

from functools import partial

import sqlalchemy as sa
from flask import (
    Blueprint,
    abort,
    current_app,
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
from core.confirming import confirmation_page, confirmed
from core.db import utcnow
from core.downloads import csv_response
from core.extensions import db
from core.flashing import apply_change
from core.keyset import bounded_total
from core.previews import dry_run
from core.service_errors import ServiceError
from dashboard.referrers import attribution_form
from leads import quarantine as quarantine_service
from leads.forms import (
    BulkForm,
    NextActionForm,
    NoteForm,
    OwnerForm,
    ReassignForm,
    StaffLeadForm,
    StatusForm,
    options,
    show_refusal,
)
from leads.models import LeadSubmission
from leads.queries import (
    filtered_query,
    leads_matching,
    page_of_leads,
    parse_filters,
)
from leads.rules import (
    CHANGE_ATTRIBUTION,
    CONVERT,
    LEAD_LABELS,
    LeadSource,
    LeadStatus,
    first_contact_wait,
    lead_actions,
)
from leads.serialize import CSV_HEADER, lead_csv_row
from leads.services import (
    ROUND_ROBIN,
    Arrival,
    LeadError,
    add_note,
    bulk_update,
    lead_page,
    reassign_leads,
    submit_lead,
    timeline,
    update_lead,
)
from referrals.services import get_referrer, referrers_with_codes

bp = Blueprint("leads_staff", __name__, url_prefix="/dashboard")


def _staff_choices() -> list[tuple[str, str]]:
    users = db.session.scalars(sa.select(User).where(User.active.is_(True)).order_by(User.email))
    return [(user.email, f"{user.email} ({user.role.value})") for user in users]


def _waits(leads) -> dict:
    """How long each `new` lead of a page has waited for its first contact."""
    now, hours = utcnow(), current_app.config["FIRST_CONTACT_HOURS"]
    found = {
        lead.id: first_contact_wait(lead.created_at, now, lead.status, hours) for lead in leads
    }
    return {lead_id: wait for lead_id, wait in found.items() if wait}


@bp.get("/leads")
@roles_required(*STAFF)
def index():
    filters, errors = parse_filters(request.args)
    mine = filters.for_user(current_user.email)
    leads, next_cursor = ([], None) if errors else page_of_leads(mine)
    return render_template(
        "leads/list.html",
        leads=leads,
        filters=filters,
        errors=errors,
        next_cursor=next_cursor,
        total=None if errors else bounded_total(leads_matching(mine)).of("lead"),
        waits=_waits(leads),
        statuses=list(LeadStatus),
        sources=list(LeadSource),
        owners=_staff_choices(),
        referrers=referrers_with_codes(),
        can_bulk=current_user.has_role(*LEAD_EDITORS),
        bulk_form=_bulk_form(),
    )


def _bulk_form() -> BulkForm:
    form = BulkForm()
    statuses = [(s.value, LEAD_LABELS[s]) for s in LeadStatus if s != LeadStatus.WON]
    form.status.choices = options([("", "Keep"), *statuses])
    form.owner_email.choices = options([("", "Keep"), ("none", "Unassigned"), *_staff_choices()])
    return form


def _reassign_form() -> ReassignForm:
    form = ReassignForm()
    staff = _staff_choices()
    form.from_owner_email.choices = options(staff)
    form.to_owner_email.choices = options([(ROUND_ROBIN, "Everyone available, in turn"), *staff])
    return form


@bp.route("/leads/reassign", methods=["GET", "POST"])
@roles_required(*ADMINS)
def reassign():
    form = _reassign_form()
    if not form.validate_on_submit():
        status = 422 if request.method == "POST" else 200
        return render_template("leads/reassign.html", form=form), status
    source, target = form.from_owner_email.data, form.to_owner_email.data
    move = partial(reassign_leads, source, target, acting_user())
    try:
        if not confirmed():
            return _confirm_reassign(move, source)
        result = move()
    except LeadError as error:
        for name, messages in error.fields.items():
            form[name].errors = [*form[name].errors, *messages]
        return render_template("leads/reassign.html", form=form), 422
    flash(f"Moved {result.moved} lead{'s' if result.moved != 1 else ''}.", "success")
    return redirect(url_for(".index", owner=None if target == ROUND_ROBIN else target))


def _confirm_reassign(move, source: str):
    _answer, effects = dry_run(move, lambda moved: {}, counts=lambda moved: {"moved": moved.moved})
    moved = effects.get("moved")
    words = [
        f"move {moved} open lead{'s' if moved != 1 else ''} of {source}",
        *effects.sentence(current_app.config["CURRENCY"]),
    ]
    return confirmation_page(
        title="Reassign these leads?",
        words=words,
        note="Each lead's timeline records the move; each new owner gets one summary email.",
        confirm_label="Reassign",
        cancel_url=url_for(".reassign"),
    )


@bp.post("/leads/bulk")
@roles_required(*LEAD_EDITORS)
def bulk():
    form = _bulk_form()
    back = request.form.get("back") or url_for(".index")
    if not back.startswith("/dashboard/leads"):
        back = url_for(".index")
    if not form.validate_on_submit():
        for messages in form.errors.values():
            flash(" ".join(messages), "error")
        return redirect(back)
    changes = {}
    if form.status.data:
        changes.update(status=form.status.data, lost_reason=form.lost_reason.data)
    if form.owner_email.data:
        changes["owner_email"] = form.owner_email.data
    result = bulk_update(form.lead_ids.data, acting_user(), **changes)
    if result.done:
        count = len(result.done)
        flash(f"Changed {count} lead{'s' if count != 1 else ''}.", "success")
    for lead_id, reason in result.refused:
        flash(f"Lead #{lead_id} not changed: {reason}", "error")
    return redirect(back)


@bp.get("/leads.csv")
@roles_required(*STAFF)
def export_csv():
    filters, errors = parse_filters(request.args)
    if errors:
        abort(400)
    query = filtered_query(filters.for_user(current_user.email)).execution_options(yield_per=1000)

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
def detail(
    lead_id: int,
    status_form: StatusForm | None = None,
    next_action_form: NextActionForm | None = None,
):
    """The lead page; after a refused status change, with the values that were chosen."""
    lead = lead_page(lead_id) or abort(404)
    actions = lead_actions(lead.status)
    can_convert = CONVERT in actions and current_user.has_role(*STAFF)
    can_attribute = CHANGE_ATTRIBUTION in actions and current_user.has_role(*MONEY_KEEPERS)
    if status_form is None:
        status_form = StatusForm(current=lead.status, formdata=None)
    else:
        status_form.offer(lead.status)
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
        next_action_form=next_action_form
        or NextActionForm(
            formdata=None, next_action_on=lead.next_action_on, next_action=lead.next_action
        ),
        owner_form=owner_form,
        can_edit=current_user.has_role(*LEAD_EDITORS),
        can_convert=can_convert,
        convert_form=ConvertForm(clients=all_clients(), engineers=lead.headcount or 1)
        if can_convert
        else None,
        contract=contract_for_lead_page(lead.id) if lead.status == LeadStatus.WON else None,
        can_attribute=can_attribute,
        attribution_form=attribution_form() if can_attribute else None,
    )


@bp.post("/leads/<int:lead_id>/status")
@roles_required(*LEAD_EDITORS)
def update_status(lead_id: int):
    form = StatusForm()
    if not form.validate_on_submit() or not form.status.data:
        if not form.status.data:
            form.status.errors = ["Pick a status."]
        return detail(lead_id, status_form=form)
    try:
        update_lead(
            lead_id,
            acting_user(),
            status=form.status.data,
            lost_reason=form.lost_reason.data,
        )
    except ServiceError as error:
        if error.code == "not_found":
            abort(404)
        form.show_refusal(error)
        return detail(lead_id, status_form=form)
    flash("Status changed.", "success")
    return redirect(url_for(".detail", lead_id=lead_id))


@bp.post("/leads/<int:lead_id>/next-action")
@roles_required(*LEAD_EDITORS)
def update_next_action(lead_id: int):
    form = NextActionForm()
    if not form.validate_on_submit():
        return detail(lead_id, next_action_form=form), 422
    try:
        update_lead(
            lead_id,
            acting_user(),
            next_action_on=form.next_action_on.data,
            next_action=form.next_action.data,
        )
    except ServiceError as error:
        if error.code == "not_found":
            abort(404)
        show_refusal(form, error, form.next_action)
        return detail(lead_id, next_action_form=form), 422
    cleared = form.next_action_on.data is None and not form.next_action.data
    flash("Next action cleared." if cleared else "Next action set.", "success")
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

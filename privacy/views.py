"""/dashboard/privacy (admin): export what is held about an address as JSON, or erase it
after a confirmation step that shows what will change."""

import json

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for

from auth.roles import ADMINS, roles_required
from core.service_errors import ServiceError
from privacy.forms import AddressForm
from privacy.services import erase_personal_data, export_personal_data, holdings

bp = Blueprint("privacy_staff", __name__, url_prefix="/dashboard/privacy")


def _page(form: AddressForm, status: int = 200, **context):
    return render_template("privacy/index.html", form=form, **context), status


def _refused(form: AddressForm, error: ServiceError):
    form.email.errors = [*error.fields.get("email", [])] or [str(error)]
    return _page(form, error.http_status)


@bp.get("")
@roles_required(*ADMINS)
def index():
    return _page(AddressForm())


@bp.post("/export")
@roles_required(*ADMINS)
def export():
    form = AddressForm()
    if not form.validate_on_submit():
        return _page(form, 422)
    try:
        document = export_personal_data(form.email.data)
    except ServiceError as error:
        return _refused(form, error)
    return Response(
        json.dumps(document, indent=2, ensure_ascii=False),
        mimetype="application/json",
        headers={"Content-Disposition": "attachment; filename=personal-data.json"},
    )


@bp.post("/erase")
@roles_required(*ADMINS)
def erase():
    """Without `confirm`: the confirmation step. With it: the erasure."""
    form = AddressForm()
    if not form.validate_on_submit():
        return _page(form, 422)
    try:
        if "confirm" not in request.form:
            return _page(form, preview=holdings(form.email.data))
        erased = erase_personal_data(form.email.data)
    except ServiceError as error:
        return _refused(form, error)
    if erased.anything:
        flash("Erased. Money records, counts and the audit log are kept.", "success")
    else:
        flash("Nothing was held about that address.", "success")
    return redirect(url_for(".index"))

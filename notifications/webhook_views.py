"""Admins register webhook endpoints and watch their deliveries (SPEC §15)."""

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_wtf import FlaskForm
from wtforms import SelectChoice, StringField
from wtforms.validators import InputRequired, Length

from auth.roles import ADMINS, roles_required
from core.form_fields import CheckboxList
from core.service_errors import ServiceError
from notifications.webhook_rules import WEBHOOK_EVENTS
from notifications.webhooks import (
    EndpointStatus,
    delete_endpoint,
    delivery_page,
    endpoint_page,
    get_endpoint,
    redeliver,
    register_endpoint,
    set_endpoint_status,
)

bp = Blueprint("webhooks", __name__, url_prefix="/dashboard/webhooks")
LISTED = 200


class EndpointForm(FlaskForm):
    url = StringField("URL", validators=[InputRequired(), Length(max=2000)])
    events = CheckboxList(
        "Events", choices=[SelectChoice(event, event) for event in WEBHOOK_EVENTS]
    )
    description = StringField("Description", validators=[Length(max=500)])


def _index(form: EndpointForm, *, status: int = 200, created=None):
    endpoints, _ = endpoint_page(LISTED, None)
    page = render_template(
        "notifications/webhooks.html", endpoints=endpoints, form=form, created=created
    )
    return page, status


@bp.get("")
@roles_required(*ADMINS)
def index():
    return _index(EndpointForm())


@bp.post("")
@roles_required(*ADMINS)
def create():
    """The secret is shown on this answer only."""
    form = EndpointForm()
    if not form.validate_on_submit():
        return _index(form, status=422)
    try:
        endpoint = register_endpoint(form.url.data, form.events.data, form.description.data)
    except ServiceError as error:
        for name, messages in (error.fields or {"url": [str(error)]}).items():
            getattr(form, name).errors.extend(messages)
        return _index(form, status=422)
    return _index(EndpointForm(formdata=None), created=endpoint)


@bp.get("/<int:endpoint_id>")
@roles_required(*ADMINS)
def detail(endpoint_id: int):
    endpoint = get_endpoint(endpoint_id) or abort(404)
    deliveries, _ = delivery_page(endpoint_id, LISTED, None)
    return render_template("notifications/webhook.html", endpoint=endpoint, deliveries=deliveries)


@bp.post("/<int:endpoint_id>/disable")
@roles_required(*ADMINS)
def disable(endpoint_id: int):
    return _set_status(endpoint_id, EndpointStatus.DISABLED, "Disabled: no new deliveries.")


@bp.post("/<int:endpoint_id>/enable")
@roles_required(*ADMINS)
def enable(endpoint_id: int):
    return _set_status(endpoint_id, EndpointStatus.ENABLED, "Enabled.")


def _set_status(endpoint_id: int, status: EndpointStatus, message: str):
    try:
        set_endpoint_status(endpoint_id, status)
    except ServiceError:
        abort(404)
    flash(message, "success")
    return redirect(url_for(".detail", endpoint_id=endpoint_id))


@bp.post("/<int:endpoint_id>/delete")
@roles_required(*ADMINS)
def delete(endpoint_id: int):
    try:
        delete_endpoint(endpoint_id)
    except ServiceError:
        abort(404)
    flash("Endpoint deleted with its deliveries.", "success")
    return redirect(url_for(".index"))


@bp.post("/<int:endpoint_id>/deliveries/<int:delivery_id>/redeliver")
@roles_required(*ADMINS)
def redeliver_one(endpoint_id: int, delivery_id: int):
    try:
        redeliver(delivery_id)
    except ServiceError as error:
        if error.code == "not_found":
            abort(404)
        flash(str(error), "error")
    else:
        flash("Queued to be delivered again.", "success")
    return redirect(url_for(".detail", endpoint_id=endpoint_id))

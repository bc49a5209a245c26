"""The import page's forms: upload a file to preview, then confirm the import."""

from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, HiddenField, SelectField
from wtforms.validators import AnyOf, DataRequired, Regexp

from leads.forms import options

KINDS = options([("leads", "Leads"), ("clients", "Clients, their contacts and contracts")])


class UploadForm(FlaskForm):
    kind = SelectField("What the file holds", choices=KINDS, validators=[DataRequired()])
    file = FileField("CSV file", validators=[FileRequired("Choose a CSV file.")])


class ConfirmForm(FlaskForm):
    kind = HiddenField(validators=[AnyOf(["leads", "clients"])])
    upload = HiddenField(validators=[Regexp(r"^[0-9a-f]{32}$")])
    filename = HiddenField()
    skip_errors = BooleanField("Import the valid lines and skip the refused ones")

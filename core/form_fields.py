"""Form fields more than one package's forms use."""

from wtforms import SelectMultipleField, widgets


class CheckboxList(SelectMultipleField):
    """A multiple choice shown as a list of checkboxes."""

    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()

"""The confirmation step (SPEC §13 "Safe actions"): an action that cannot be undone first
answers a page saying what it will do — computed by the action's own service in a dry run —
carrying the entered values as hidden fields, and only the post with `confirm` does it."""

from flask import render_template, request


def confirmed() -> bool:
    """Whether this post is the confirmed one."""
    return request.form.get("confirm") == "yes"


def confirmation_page(
    *,
    title: str,
    words: list[str],
    confirm_label: str,
    cancel_url: str,
    note: str | None = None,
):
    """The step between the form and the change, posting the same values back to the same
    address with `confirm`."""
    hidden = [
        (name, value)
        for name, value in request.form.items(multi=True)
        if name not in ("csrf_token", "confirm")
    ]
    page = render_template(
        "confirm.html",
        title=title,
        words=words,
        note=note,
        confirm_label=confirm_label,
        cancel_url=cancel_url,
        action=request.path,
        hidden=hidden,
    )
    return page, 200

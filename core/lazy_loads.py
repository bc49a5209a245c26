"""Pages load their rows with the relationships they show (each package's `queries.py`), so a
page's number of queries does not grow with its rows. With `REFUSE_LAZY_LOADS_IN_PAGES`
(on in the test suite) a relationship loaded lazily while a page template renders raises,
so an N+1 query cannot slip in unnoticed. Email templates render one record and may load."""

from flask import Flask, before_render_template, g, has_app_context, template_rendered
from sqlalchemy import event
from sqlalchemy.orm import ORMExecuteState, Session

_RENDERING = "rendering_page"


class LazyLoadInPage(RuntimeError):
    """A template reached a relationship that its view did not load."""


def register(app: Flask) -> None:
    if not app.config.get("REFUSE_LAZY_LOADS_IN_PAGES"):
        return
    before_render_template.connect(_page_starts, app)
    template_rendered.connect(_page_ends, app)
    if not event.contains(Session, "do_orm_execute", _refuse_lazy_load):
        event.listen(Session, "do_orm_execute", _refuse_lazy_load)


def _page_starts(_app, template, context, **_extra) -> None:
    if not (template.name or "").startswith("emails/"):
        g.setdefault(_RENDERING, 0)
        g.rendering_page += 1


def _page_ends(_app, template, context, **_extra) -> None:
    if not (template.name or "").startswith("emails/"):
        g.rendering_page -= 1


def _refuse_lazy_load(state: ORMExecuteState) -> None:
    if not (state.is_relationship_load and has_app_context() and g.get(_RENDERING)):
        return
    mapper = state.bind_mapper
    raise LazyLoadInPage(
        f"A page template loaded {mapper.class_.__name__ if mapper else 'a relationship'}"
        " lazily: load it in the view's query (queries.py)."
    )

"""One unit of work per use case: the only place that commits or rolls back a change.

A service function decorated with `@use_case` runs in one transaction: it commits when the
function returns and rolls back when it raises. A use case called from inside another joins
the outer transaction (it neither commits nor rolls back), so use cases compose. Where a
use case expects a concurrent twin to win a unique constraint (two submissions of one
email, two conversions creating one client, a retried `external_id`), it says
`retry_on_conflict=True`: the whole function runs once more in a fresh transaction, where
its own look-ups find the twin's row.
"""

from collections.abc import Callable
from functools import wraps
from typing import ParamSpec, TypeVar

from sqlalchemy.exc import IntegrityError

from core.extensions import db

P = ParamSpec("P")
R = TypeVar("R")

_DEPTH_KEY = "unit_of_work_depth"


def in_unit_of_work() -> bool:
    return db.session.info.get(_DEPTH_KEY, 0) > 0


def run_in_transaction(work: Callable[[], R], *, retry_on_conflict: bool = False) -> R:
    """Run `work` as one transaction (or inside the one already open)."""
    if in_unit_of_work():
        return work()
    session = db.session
    attempts = 2 if retry_on_conflict else 1
    for attempt in range(1, attempts + 1):
        session.info[_DEPTH_KEY] = 1
        try:
            result = work()
            session.info[_DEPTH_KEY] = 0
            session.commit()
        except IntegrityError:
            session.rollback()
            if attempt == attempts:
                raise
        except BaseException:
            session.rollback()
            raise
        else:
            return result
        finally:
            session.info[_DEPTH_KEY] = 0
    raise AssertionError("unreachable")  # pragma: no cover


def discard_uncommitted() -> None:
    """After an unexpected error outside any use case (a view that read and failed), the
    request's session starts clean."""
    db.session.rollback()


def use_case(
    function: Callable[P, R] | None = None, *, retry_on_conflict: bool = False
) -> Callable[P, R] | Callable[[Callable[P, R]], Callable[P, R]]:
    """Decorator form of `run_in_transaction`."""

    def decorate(inner: Callable[P, R]) -> Callable[P, R]:
        @wraps(inner)
        def wrapped(*args: P.args, **kwargs: P.kwargs) -> R:
            return run_in_transaction(
                lambda: inner(*args, **kwargs), retry_on_conflict=retry_on_conflict
            )

        return wrapped

    return decorate if function is None else decorate(function)

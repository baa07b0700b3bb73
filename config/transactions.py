"""Transaction contracts made visible.

A service is either an *entry point*, which opens its own durable transaction
(``@transaction.atomic(durable=True)``) and may not be called inside another, or a *step*,
which writes as part of its caller's transaction and must not open one of its own that could
commit half of the caller's work. Steps carry ``@transaction_required``: called outside a
transaction, they fail at once instead of committing row by row.
"""

import functools
from collections.abc import Callable
from typing import ParamSpec, TypeVar

from django.db import DEFAULT_DB_ALIAS, connections

P = ParamSpec("P")
R = TypeVar("R")


class TransactionRequired(RuntimeError):
    """A step was called outside its caller's transaction: a programming error."""


def transaction_required(function: Callable[P, R] | None = None, *,
                         using: str = DEFAULT_DB_ALIAS) -> Callable:
    """Refuse to run ``function`` unless a transaction is open on the database ``using``.

    Usable bare (``@transaction_required``) or with the database named
    (``@transaction_required(using="safety")``).
    """

    def decorate(step: Callable[P, R]) -> Callable[P, R]:
        @functools.wraps(step)
        def guarded(*args: P.args, **kwargs: P.kwargs) -> R:
            if not connections[using].in_atomic_block:
                raise TransactionRequired(
                    f"{step.__module__}.{step.__qualname__} writes inside its caller's "
                    f"transaction; open one on the {using!r} database first.")
            return step(*args, **kwargs)

        guarded.transaction_required = using
        return guarded

    return decorate(function) if function is not None else decorate

"""Raw SQL for the tests that prove what the database itself refuses."""

import pytest
from django.db import IntegrityError, connection, transaction


def run(sql, *params):
    """Raw SQL in its own savepoint, so that a refusal leaves the test's transaction usable."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount


def refused(sql, *params, what="changed"):
    with pytest.raises(IntegrityError, match=f"append-only: a row is never {what}"):
        run(sql, *params)

"""Backing up and restoring the embedded SQLite database (`make backup`, `make restore`).

A backup goes through SQLite's online backup API (sqlite3.Connection.backup), never a
file copy: it reads one consistent snapshot while the app goes on writing (the database
runs in WAL mode, so readers and the writer do not block each other), and a copy taken in
the middle of a write still holds that write whole or not at all. It lands in a temporary
file that is checked (`PRAGMA integrity_check`) and then renamed into place, so a
half-written backup never looks like a backup.

A restore puts a backup back atomically: it first makes sure nothing else has the
database open (leaving WAL mode needs sole access, so an open connection from the app or
the worker refuses it), copies the backup through the same API into a temporary file
beside the database, saves the current database as a backup of its own, and renames the
copy over it. PostgreSQL has its own tool for all this: pgBackRest (docs/operations.md).
"""

import sqlite3
from contextlib import closing
from datetime import UTC, datetime
from pathlib import Path


class BackupError(Exception):
    """The backup or restore could not be done; the message says why and what to do."""


def _check(path):
    with closing(sqlite3.connect(path)) as copy:
        result = copy.execute("PRAGMA integrity_check").fetchone()[0]
        has_schema = copy.execute(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'django_migrations'"
        ).fetchone()
    if result != "ok":
        raise BackupError(f"{path} is damaged: {result}")
    if not has_schema:
        raise BackupError(f"{path} is no database of this app (it has no django_migrations).")


def _copy(source, target):
    """Copy the database `source` into a new file `target` through the online backup API."""
    temporary = target.with_name(f".{target.name}.partial")
    temporary.unlink(missing_ok=True)
    try:
        with closing(sqlite3.connect(source)) as src, closing(sqlite3.connect(temporary)) as dst:
            src.backup(dst)  # one step: a single consistent snapshot of the source
            dst.execute("PRAGMA journal_mode=DELETE")  # one self-contained file
        _check(temporary)
        temporary.replace(target)
    finally:
        temporary.unlink(missing_ok=True)
    return target


def backup(source, target_dir, *, now=None):
    """Copy the live database at `source` into `target_dir`/<UTC time>.sqlite3; return its path."""
    source = Path(source)
    if not source.is_file():
        raise BackupError(f"There is no database at {source}.")
    target_dir = Path(target_dir)
    target_dir.mkdir(parents=True, exist_ok=True)
    stamp = (now or datetime.now(UTC)).strftime("%Y%m%dT%H%M%S.%fZ")
    return _copy(source, target_dir / f"{stamp}.sqlite3")


def _require_sole_access(database):
    """Refuse while any other connection has the database open (the app, the worker)."""
    with closing(sqlite3.connect(database, timeout=0.5)) as connection:
        try:
            mode = connection.execute("PRAGMA journal_mode=DELETE").fetchone()[0]
        except sqlite3.OperationalError as error:
            raise BackupError(
                f"{database} is in use: stop the app and the task worker first."
            ) from error
    if mode != "delete":
        raise BackupError(f"{database} is in use: stop the app and the task worker first.")


def restore(backup_file, database, *, saved_dir):
    """Put `backup_file` in place of `database`; the database it replaces is saved first.

    Returns the path of that saved copy (None when there was no database yet).
    """
    backup_file, database = Path(backup_file), Path(database)
    if not backup_file.is_file():
        raise BackupError(f"There is no backup at {backup_file}.")
    _check(backup_file)
    saved = None
    if database.exists():
        _require_sole_access(database)
        saved = backup(database, saved_dir)
    _copy(backup_file, database)  # the rename is the atomic step
    return saved

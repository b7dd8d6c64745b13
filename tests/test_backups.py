"""`make backup` / `make restore` on the embedded SQLite database (healthcare.core.sqlite_backup):
a consistent copy while the app writes, and a restore that is atomic and refused while
the database is in use."""

import sqlite3
import threading
from contextlib import closing

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from healthcare.core.sqlite_backup import BackupError, backup, restore


def make_database(path, rows=0):
    """A database in WAL mode, as the app runs it, with `rows` visits and a migrations table."""
    with closing(sqlite3.connect(path)) as db:
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("CREATE TABLE django_migrations (id INTEGER PRIMARY KEY, app TEXT, name TEXT)")
        db.execute("CREATE TABLE visit (n INTEGER PRIMARY KEY, padding BLOB)")
        with db:
            db.executemany(
                "INSERT INTO visit VALUES (?, randomblob(4096))", ((n,) for n in range(1, rows + 1))
            )
    return path


def visits(path):
    with closing(sqlite3.connect(path)) as db:
        return [n for (n,) in db.execute("SELECT n FROM visit ORDER BY n")]


def test_a_backup_taken_while_the_app_writes_is_one_consistent_snapshot(tmp_path):
    database = make_database(tmp_path / "db.sqlite3", rows=5000)  # ~20 MB: the copy takes time
    started, stop = threading.Event(), threading.Event()
    written = []

    def app_writing():
        with closing(sqlite3.connect(database, timeout=10)) as db:
            n = 5000
            while not stop.is_set():
                n += 1
                with db:  # one visit per transaction, as the app commits them
                    db.execute("INSERT INTO visit VALUES (?, randomblob(4096))", (n,))
                written.append(n)
                started.set()

    writer = threading.Thread(target=app_writing)
    writer.start()
    started.wait(5)
    try:
        before = len(written)
        copy = backup(database, tmp_path / "backups")
        during = len(written) - before
    finally:
        stop.set()
        writer.join()

    copied = visits(copy)
    assert copied == list(range(1, len(copied) + 1))  # whole transactions, no gap, no torn row
    assert 5000 < len(copied) <= written[-1]
    assert during > 0, "the app could not write while the backup ran"
    assert copy.parent == tmp_path / "backups" and copy.suffix == ".sqlite3"
    assert not list(copy.parent.glob(".*partial"))


def test_restore_puts_the_backup_back_and_saves_what_it_replaced(tmp_path):
    database = make_database(tmp_path / "db.sqlite3", rows=3)
    copy = backup(database, tmp_path / "backups")
    with closing(sqlite3.connect(database)) as db, db:
        db.execute("DELETE FROM visit WHERE n = 2")  # a mistake after the backup

    saved = restore(copy, database, saved_dir=tmp_path / "backups")

    assert visits(database) == [1, 2, 3]
    assert visits(saved) == [1, 3]  # the replaced database is kept, nothing is lost
    assert not (tmp_path / "db.sqlite3-wal").exists()


def test_restore_is_refused_while_the_app_has_the_database_open(tmp_path):
    database = make_database(tmp_path / "db.sqlite3", rows=3)
    copy = backup(database, tmp_path / "backups")
    with closing(sqlite3.connect(database)) as db, db:
        db.execute("DELETE FROM visit")

    with closing(sqlite3.connect(database)) as app:
        app.execute("SELECT count(*) FROM visit").fetchone()  # an idle, open connection
        with pytest.raises(BackupError, match="in use: stop the app"):
            restore(copy, database, saved_dir=tmp_path / "backups")

    assert visits(database) == []  # untouched
    restore(copy, database, saved_dir=tmp_path / "backups")  # once the app has stopped
    assert visits(database) == [1, 2, 3]


@pytest.mark.parametrize("content", [b"", b"not a database at all" * 100])
def test_restore_refuses_what_is_not_a_backup_of_this_app(tmp_path, content):
    database = make_database(tmp_path / "db.sqlite3", rows=3)
    bogus = tmp_path / "bogus.sqlite3"
    bogus.write_bytes(content)

    with pytest.raises((BackupError, sqlite3.DatabaseError)):
        restore(bogus, database, saved_dir=tmp_path / "backups")

    assert visits(database) == [1, 2, 3]


def test_the_commands_back_up_and_restore_a_database_file(tmp_path, capsys):
    database = make_database(tmp_path / "db.sqlite3", rows=2)

    call_command("backup_sqlite", database=str(database), to=str(tmp_path / "backups"))
    [copy] = (tmp_path / "backups").glob("*.sqlite3")
    with closing(sqlite3.connect(database)) as db, db:
        db.execute("INSERT INTO visit VALUES (3, NULL)")
    call_command(
        "restore_sqlite", str(copy), database=str(database), saved_to=str(tmp_path / "saved")
    )

    out = capsys.readouterr().out
    assert f"Backed up to {copy}" in out and "Restored" in out
    assert visits(database) == [1, 2]


def test_the_backup_command_sends_postgresql_to_pgbackrest(db):
    if connection.vendor == "sqlite":
        pytest.skip("the app's database is SQLite here")
    with pytest.raises(CommandError, match="pgBackRest"):
        call_command("backup_sqlite")

"""Append-only tables, enforced by the database itself: triggers refuse UPDATE and DELETE.

The access log, the security log and the versions of medical records are history; the
models already refuse to change a row, but a model is only one way in. These triggers
bind every writer, whatever its database role: the app, a script, a staff member with a
database shell through the app's login. On PostgreSQL a PL/pgSQL function raises
`restrict_violation` (Django: IntegrityError); on SQLite BEFORE triggers RAISE(ABORT).

The one change a trigger lets through is a *tombstone*, for a table that declares one:
the retention purge (records.services.purge_patient) blanks the clinical columns of a row whose time
is up and stamps when it did so. Only that transition passes: the stamp goes from empty
to set, the blanked columns become '', every other column stays as it was, and a
stamped row never changes again. So history can be erased visibly once it is due, never
rewritten, and never deleted.

What this asks of other code (docs/operations.md says it too):
- never UPDATE or DELETE these rows, in code, a data migration or a test (arrange a past
  `created_at` with the clock pinned, not with an UPDATE); a user who has rows here
  cannot be deleted (the foreign keys PROTECT): deactivate or purge instead;
- on SQLite a migration that rebuilds one of these tables (AddField of a NOT NULL column,
  AlterField, …) drops its triggers with the old table: `ensure_installed`, connected to
  post_migrate by each owning app, puts them back after every `migrate`;
- on PostgreSQL the table owner can still drop a trigger or TRUNCATE: run the app as a
  role that owns nothing (docs/operations.md, "Database roles").
"""

from dataclasses import dataclass, field

from django.db import connections
from django.db.migrations.recorder import MigrationRecorder
from django.db.models.signals import post_migrate

FUNCTION = "healthcare_append_only"

POSTGRESQL_FUNCTION = """
CREATE OR REPLACE FUNCTION healthcare_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    -- Arguments: none (refuse everything), or the tombstone's stamp column followed by
    -- the columns the tombstone blanks.
    stamp text := TG_ARGV[0];
    blanked text[] := TG_ARGV[1:TG_NARGS - 1];
    old_row jsonb;
    new_row jsonb;
BEGIN
    IF TG_OP = 'UPDATE' AND TG_NARGS > 0 THEN
        old_row := to_jsonb(OLD);
        new_row := to_jsonb(NEW);
        IF old_row ->> stamp IS NULL
           AND new_row ->> stamp IS NOT NULL
           AND (new_row - blanked - stamp) = (old_row - blanked - stamp)
           AND NOT EXISTS (
               SELECT 1 FROM unnest(blanked) AS col WHERE new_row ->> col IS DISTINCT FROM ''
           )
        THEN
            RETURN NEW;
        END IF;
    END IF;
    RAISE EXCEPTION '% is append-only: a row is never %', TG_TABLE_NAME,
        CASE TG_OP WHEN 'DELETE' THEN 'deleted' ELSE 'changed' END
        USING ERRCODE = 'restrict_violation';
END;
$$;
"""


@dataclass(frozen=True)
class Tombstone:
    """The one change allowed: `stamp` set (from NULL) and `blanked` columns set to ''."""

    stamp: str
    blanked: tuple[str, ...] = field(default_factory=tuple)


@dataclass(frozen=True)
class AppendOnly:
    table: str
    # The migration that installs the triggers: from then on they must exist.
    since: tuple[str, str]
    tombstone: Tombstone | None = None


def _quote(connection, name):
    return connection.ops.quote_name(name)


def _postgresql_install(cursor, connection, spec):
    arguments = ""
    if spec.tombstone:
        names = (spec.tombstone.stamp, *spec.tombstone.blanked)
        arguments = ", ".join(f"'{name}'" for name in names)
    cursor.execute(POSTGRESQL_FUNCTION)
    cursor.execute(
        f"CREATE OR REPLACE TRIGGER {spec.table}_append_only "
        f"BEFORE UPDATE OR DELETE ON {_quote(connection, spec.table)} "
        f"FOR EACH ROW EXECUTE FUNCTION {FUNCTION}({arguments})"
    )


def _sqlite_tombstone_condition(connection, cursor, spec):
    """The WHEN clause under which an UPDATE is the allowed tombstone transition."""
    tombstone = spec.tombstone
    columns = [
        column.name for column in connection.introspection.get_table_description(cursor, spec.table)
    ]
    stamp = _quote(connection, tombstone.stamp)
    parts = [f"OLD.{stamp} IS NULL", f"NEW.{stamp} IS NOT NULL"]
    for column in columns:
        name = _quote(connection, column)
        if column in tombstone.blanked:
            parts.append(f"NEW.{name} = ''")
        elif column != tombstone.stamp:
            parts.append(f"NEW.{name} IS OLD.{name}")
    return " AND ".join(parts)


def _sqlite_install(cursor, connection, spec):
    table = _quote(connection, spec.table)
    when = ""
    if spec.tombstone:
        when = f"WHEN NOT ({_sqlite_tombstone_condition(connection, cursor, spec)}) "
    _sqlite_uninstall(cursor, spec)
    cursor.execute(
        f"CREATE TRIGGER {spec.table}_append_only_update BEFORE UPDATE ON {table} {when}"
        f"BEGIN SELECT RAISE(ABORT, '{spec.table} is append-only: a row is never changed'); END"
    )
    cursor.execute(
        f"CREATE TRIGGER {spec.table}_append_only_delete BEFORE DELETE ON {table} "
        f"BEGIN SELECT RAISE(ABORT, '{spec.table} is append-only: a row is never deleted'); END"
    )


def _sqlite_uninstall(cursor, spec):
    cursor.execute(f"DROP TRIGGER IF EXISTS {spec.table}_append_only_update")
    cursor.execute(f"DROP TRIGGER IF EXISTS {spec.table}_append_only_delete")


def install(connection, spec):
    """Create (or re-create) the triggers of one table; idempotent."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            _postgresql_install(cursor, connection, spec)
        elif connection.vendor == "sqlite":
            _sqlite_install(cursor, connection, spec)


def uninstall(connection, spec):
    """Drop the triggers of one table (a migration's reverse; the SQLite test flush)."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                f"DROP TRIGGER IF EXISTS {spec.table}_append_only "
                f"ON {_quote(connection, spec.table)}"
            )
        elif connection.vendor == "sqlite":
            _sqlite_uninstall(cursor, spec)


_REGISTRY: dict[str, tuple[str, AppendOnly]] = {}


def protect(app_config, spec):
    """Declare `spec`'s table append-only (from an AppConfig.ready()).

    Its triggers are installed by the migration named in `spec.since` (`installer`) and
    put back by post_migrate after every later `migrate` (`ensure_installed`).
    """
    _REGISTRY[spec.table] = (app_config.label, spec)
    post_migrate.connect(
        ensure_installed, sender=app_config, dispatch_uid=f"append-only:{app_config.label}"
    )


def registered():
    return [spec for _label, spec in _REGISTRY.values()]


def installer(table):
    """A migration's RunPython pair: install the registered triggers of `table`, or drop them."""

    def forwards(apps, schema_editor):
        install(schema_editor.connection, _REGISTRY[table][1])

    def backwards(apps, schema_editor):
        uninstall(schema_editor.connection, _REGISTRY[table][1])

    return forwards, backwards


def ensure_installed(sender, using="default", **kwargs):
    """post_migrate: put back the triggers of each table whose installing migration is applied.

    A migration that rebuilds a table on SQLite drops its triggers with the old table;
    this re-creates them at the end of every `migrate` (and of the test suite's flush).
    """
    connection = connections[using]
    specs = [spec for label, spec in _REGISTRY.values() if label == sender.label]
    if not specs:
        return
    applied = MigrationRecorder(connection).applied_migrations()
    for spec in specs:
        if spec.since in applied:
            install(connection, spec)

"""A query that runs on nearly every request, compiled to SQL once per process.

Django's ORM turns a queryset into SQL anew each time it runs: for a query with joins
and an annotation, more CPU than the database spends answering it. `PreparedQuery`
builds its queryset once with placeholder values, keeps the compiled SQL and the
compiler's map of the columns, and then each call only sends that SQL with the real
values and builds the objects from the rows, as the ORM would (select_related objects
and annotations included; database converters applied).

The queryset must use each placeholder as a plain value (an equality, a comparison):
each placeholder must be a value the query's other parameters do not take. Values are
passed as the database adapter takes them (ints, strings, aware datetimes): they do not
go through the ORM's lookups, so the caller converts them first; datetimes are adapted
for the database as the ORM would (SQLite's text in UTC).
"""

import datetime
import threading

from django.db import connections, router
from django.db.models.query import get_related_populators


def _adapt(value, connection):
    if isinstance(value, datetime.datetime):
        return connection.ops.adapt_datetimefield_value(value)
    return value


class PreparedQuery:
    """`build(**values)` compiled once per database; `get(**values)` and `all(**values)`
    run it again."""

    def __init__(self, model, build, **placeholders):
        self.model = model
        self.build = build
        self.placeholders = placeholders
        self._compiled = {}
        self._lock = threading.Lock()

    def _compile(self, db):
        queryset = self.build(**self.placeholders).using(db)
        compiler = queryset.query.get_compiler(using=db)
        sql, params = compiler.as_sql()
        slots = {name: [] for name in self.placeholders}
        for index, param in enumerate(params):
            for name, placeholder in self.placeholders.items():
                placeholder = _adapt(placeholder, connections[db])
                # isinstance: psycopg marks small integers' type (Int2, Int4, int subclasses).
                if param == placeholder and isinstance(param, type(placeholder)):
                    slots[name].append(index)
        missing = [name for name, where in slots.items() if not where]
        if missing:
            raise ValueError(f"The query does not use the placeholders {missing}.")
        klass_info, select = compiler.klass_info, compiler.select
        fields = klass_info["select_fields"]
        start, end = fields[0], fields[-1] + 1
        columns = [column[0] for column in select[: compiler.col_count]]
        fetch_mode = queryset._fetch_mode
        compiled = {
            "sql": sql,
            "params": list(params),
            "slots": slots,
            # Database converters by column (SQLite's datetimes, JSON, …), as results_iter.
            "converters": list(compiler.get_converters(columns).items()),
            "start": start,
            "end": end,
            "init_list": [column.target.attname for column in columns[start:end]],
            "related": get_related_populators(klass_info, select, db, fetch_mode),
            "annotations": dict(compiler.annotation_col_map or {}),
            "fetch_mode": fetch_mode,
        }
        with self._lock:
            self._compiled[db] = compiled
        return compiled

    def _execute(self, values):
        db = router.db_for_read(self.model)
        connection = connections[db]
        compiled = self._compiled.get(db) or self._compile(db)
        params = compiled["params"].copy()
        for name, value in values.items():
            value = _adapt(value, connection)
            for index in compiled["slots"][name]:
                marked = type(params[index])  # the integer type psycopg marked, if any
                params[index] = marked(value) if marked is not type(value) else value
        with connection.cursor() as cursor:
            cursor.execute(compiled["sql"], params)
            rows = cursor.fetchall()
        return [self._build(row, compiled, db, connection) for row in rows]

    def _build(self, row, compiled, db, connection):
        row = list(row)
        for position, (converters, expression) in compiled["converters"]:
            for converter in converters:
                row[position] = converter(row[position], expression, connection)
        obj = self.model.from_db(
            db,
            compiled["init_list"],
            row[compiled["start"] : compiled["end"]],
            fetch_mode=compiled["fetch_mode"],
        )
        for populator in compiled["related"]:
            populator.populate(row, obj)
        for name, position in compiled["annotations"].items():
            setattr(obj, name, row[position])
        return obj

    def get(self, **values):
        """The one object the query finds with these values, or None."""
        found = self._execute(values)
        return found[0] if found else None

    def all(self, **values):
        """The objects the query finds with these values, in its order."""
        return self._execute(values)


class Columns:
    """A model's columns under a table alias, for a hand-written statement that loads several
    models at once; `build` makes the instance from its part of a row as the ORM would
    (database converters applied), or None where an outer join found no row."""

    def __init__(self, model, alias):
        self.model = model
        self.alias = alias
        self.fields = list(model._meta.concrete_fields)
        self.attnames = [field.attname for field in self.fields]
        self.pk_index = self.attnames.index(model._meta.pk.attname)
        self._converters = {}

    def __len__(self):
        return len(self.fields)

    def sql(self, connection):
        quote = connection.ops.quote_name
        return ", ".join(f"{quote(self.alias)}.{quote(field.column)}" for field in self.fields)

    def converters(self, connection):
        converters = self._converters.get(connection.alias)
        if converters is None:
            converters = []
            for index, field in enumerate(self.fields):
                column = field.get_col(self.alias)
                found = connection.ops.get_db_converters(column) + column.get_db_converters(
                    connection
                )
                if found:
                    converters.append((index, found, column))
            self._converters[connection.alias] = converters
        return converters

    def build(self, row, offset, connection):
        values = list(row[offset : offset + len(self.fields)])
        if values[self.pk_index] is None:
            return None
        for index, converters, column in self.converters(connection):
            for converter in converters:
                values[index] = converter(values[index], column, connection)
        return self.model.from_db(connection.alias, self.attnames, values)

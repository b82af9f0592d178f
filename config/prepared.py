"""Hot querysets compiled once per process: their SQL kept per shape, re-run with new values.

Django builds and compiles a queryset afresh on every call. For the few queries every rendered
page runs (a thread by its key, a page of posts, a page of a forum's threads, the index's
forums) building and compiling cost more CPU than the database takes to answer: on the 100k
board, about 35-40 % of a thread page rendered cold went to filter(), select_related() and the
compiler. PreparedQuery keeps the compiled SQL instead:

    THREAD_BY_PK = PreparedQuery(Thread, lambda pk: Thread.objects.filter(pk=pk)[:1])
    threads = THREAD_BY_PK.fetch(pk)  # a list of Thread, as list(that queryset) would give

The first call on a database alias builds the queryset twice with stand-in values (sentinels:
large ints or odd strings), compiles both, and keeps the SQL with the place of each stand-in
among its parameters. Every call then copies the compiled compiler, gives it that SQL with
the real values, and hands it to Django's own ModelIterable through a QuerySet: the instances
are those the queryset gives, select_related, deferred fields and annotations included. The
alias comes from the router, as for any queryset (config/replicas.py decides unchanged), and
each alias is compiled on its own (SQLite and PostgreSQL SQL differ).

It runs the queryset as built, uncached, whenever it cannot be sure the SQL is the same:
- a stand-in is not found among the parameters, or not at the same places as the second
  build's (a value may fill several: a filter repeated in a subquery), or appears in the SQL
  text (a LIMIT or OFFSET is written into the SQL: a slice belongs in the shape, not in the
  values), or the two builds' SQL or other parameters differ;
- the queryset does more than fetch model instances (values(), prefetch_related, using());
- a value is not a plain int or str, or an int outside 32-bit range (Django writes no SQL
  for an out-of-range integer lookup; a stand-in in range would);
- building or compiling with the stand-ins raises (tried again on the next call), or the
  query already has `max_shapes` shapes.

`build` must depend on its arguments only: anything else the SQL depends on (a setting, a
sort order, a slice) goes into `**shape`, which is part of the cache key and passed to
`build` as keyword arguments. Nor may it branch on a value (`forum_id or None`, `if words:`):
the stand-ins take one branch, and the checks cannot see a real value take the other. An
optional filter is a shape (or a value left out: the count of values is part of the key).
"""

import copy
import logging
from collections.abc import Callable

from django.core.exceptions import EmptyResultSet
from django.db import connections, router
from django.db.models import QuerySet

logger = logging.getLogger(__name__)

INT_LIMIT = 2**31 - 1
VALUE_TYPES = (int, str)
# Parameters other than the values may only be plain constants (is_removed=False ...).
CONSTANT_TYPES = (bool, int, str, float, type(None))


def sentinels(values: tuple, round_: int) -> tuple:
    """Stand-ins of the values' types, unlike any real value and unlike the other round's."""
    return tuple(
        1_987_000_000 + round_ * 1000 + i if type(value) is int else f"\x00sentinel:{round_}:{i}"
        for i, value in enumerate(values)
    )


class Compiled:
    def __init__(self, compiler, sql: str, params: tuple, places: tuple[tuple[int, ...]], built):
        self.compiler = compiler
        self.sql = sql
        self.params = params
        # For each value, where it goes among the parameters (a filter repeated in a subquery
        # takes it twice).
        self.places = places
        self.fetch_mode = built._fetch_mode


class CompiledRun:
    """Stands for queryset.query in one call: all ModelIterable asks of it is a compiler."""

    def __init__(self, compiler):
        self.compiler = compiler

    def get_compiler(self, using=None, connection=None, elide_empty=True):
        return self.compiler


class PreparedQuery:
    def __init__(self, model, build: Callable[..., QuerySet], *, max_shapes: int = 32):
        self.model = model
        self.build = build
        self.max_shapes = max_shapes
        # (alias, shape) -> Compiled, or None when refused. Filled racily by threads: two
        # compiling one key at once make equal entries.
        self.compiled: dict[tuple, Compiled | None] = {}

    def fetch(self, *values, **shape) -> list:
        """list(build(*values, **shape)), from the SQL compiled for this shape when it can be."""
        if not all(
            type(value) in VALUE_TYPES and (type(value) is str or -INT_LIMIT <= value <= INT_LIMIT)
            for value in values
        ):
            return list(self.build(*values, **shape))
        alias = router.db_for_read(self.model)
        key = (alias, tuple(sorted(shape.items())), tuple(type(value) for value in values))
        compiled = self.compiled.get(key, False)
        if compiled is False and len(self.compiled) < self.max_shapes:
            compiled = self.compile(alias, values, shape)
            if compiled is not False:
                self.compiled[key] = compiled
        if not compiled:
            return list(self.build(*values, **shape))
        params = list(compiled.params)
        for places, value in zip(compiled.places, values, strict=True):
            for i in places:
                # As compiled: PostgreSQL's integer lookups wrap it (psycopg's Int4 ...).
                wrapper = type(params[i])
                params[i] = value if wrapper is type(value) else wrapper(value)
        compiler = copy.copy(compiled.compiler)
        # The connection of this thread (the compiled one may belong to another's).
        compiler.connection = connections[alias]
        sql = compiled.sql
        compiler.as_sql = lambda *args, **kwargs: (sql, params)
        queryset = QuerySet(model=self.model, query=CompiledRun(compiler), using=alias)
        queryset._fetch_mode = compiled.fetch_mode
        return list(queryset)

    def compile(self, alias: str, values: tuple, shape: dict) -> Compiled | None | bool:
        """The compiled shape, None when refused for good, False when building or compiling
        raised (this call runs the plain queryset, whose error is then the one shown, and the
        next call tries again: an outage or a test's stand-in must not refuse it for good)."""
        try:
            return self.compile_or_refuse(alias, values, shape)
        except EmptyResultSet:
            return refused(self, "a stand-in value makes the query empty")
        except Exception:
            return False

    def compile_or_refuse(self, alias: str, values: tuple, shape: dict) -> Compiled | None:
        first, second = sentinels(values, 1), sentinels(values, 2)
        built, built_again = self.build(*first, **shape), self.build(*second, **shape)
        plain = QuerySet(model=self.model)
        if built.model is not self.model or any(
            getattr(built, name) != getattr(plain, name)
            for name in ("_iterable_class", "_prefetch_related_lookups", "_known_related_objects",
                         "_db", "_hints", "_for_write", "_fields")
        ):  # fmt: skip
            return refused(self, "it does more than fetch instances")
        compiler = built.query.get_compiler(using=alias)
        sql, params = compiler.as_sql()
        sql_again, params_again = built_again.query.get_compiler(using=alias).as_sql()
        if sql != sql_again or len(params) != len(params_again):
            return refused(self, "its SQL depends on the values")
        places = []
        for stand_in, stand_in_again in zip(first, second, strict=True):
            found = [i for i, param in enumerate(params) if is_value(param, stand_in)]
            found_again = [
                i for i, param in enumerate(params_again) if is_value(param, stand_in_again)
            ]
            if not found or found != found_again:
                return refused(self, "a value is not found as the same parameters in both builds")
            if str(stand_in) in sql or str(stand_in_again) in sql:
                return refused(self, "a value is written into the SQL")
            places.append(tuple(found))
        taken = {i for found in places for i in found}
        for i, (param, param_again) in enumerate(zip(params, params_again, strict=True)):
            if i not in taken and (
                not isinstance(param, CONSTANT_TYPES)
                or type(param) is not type(param_again)
                or param != param_again
            ):
                return refused(self, "a parameter is neither a value nor a constant")
        return Compiled(compiler, sql, tuple(params), tuple(places), built)


def is_value(param, stand_in) -> bool:
    """Whether a compiled parameter is the stand-in, as given or wrapped in an int type."""
    if type(stand_in) is int:
        return isinstance(param, int) and not isinstance(param, bool) and param == stand_in
    return type(param) is type(stand_in) and param == stand_in


def refused(prepared: PreparedQuery, reason: str) -> None:
    logger.warning("PreparedQuery: %r runs uncached: %s", prepared.build, reason)
    return None

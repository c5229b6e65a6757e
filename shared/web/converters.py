"""URL converters of every tier's app: ``<int:...>`` bounded to what the database holds.

Row ids and batch numbers in paths are compared with INTEGER columns: 64 bits on SQLite,
32 bits on PostgreSQL. A larger number names nothing, but the database cannot even take
it (SQLite's driver raises ``OverflowError``, PostgreSQL "integer out of range": a 500),
so it must never reach a query. The bounded converter is registered under the name
``int``, which covers every route of the app, present and future, instead of one check per
route: such a path does not match and answers 404 like any other unknown path. The bound
shows in the OpenAPI documents as the parameter's ``maximum``.
"""

from __future__ import annotations

import builtins

from flask import Flask
from werkzeug.routing import IntegerConverter, Map

#: The largest value every backend's INTEGER column holds (PostgreSQL's, 32-bit signed;
#: SQLite's is 64-bit). No id column is BIGINT, so nothing beyond this names a row.
MAX_DB_INT = 2**31 - 1


class BoundedIntConverter(IntegerConverter):
    """Werkzeug's ``int`` converter whose ``max`` never exceeds :data:`MAX_DB_INT`."""

    def __init__(
        self,
        # Werkzeug's own parameter names: rules pass them as keywords, <int(max=99):n>.
        map: Map,
        fixed_digits: int = 0,
        min: int | None = None,
        max: int | None = None,
        signed: bool = False,
    ) -> None:
        bound = MAX_DB_INT if max is None else builtins.min(max, MAX_DB_INT)
        super().__init__(map, fixed_digits, min, bound, signed)


def init_app(app: Flask) -> None:
    """Replace ``int`` before any route is added (a rule picks its converter when added)."""
    app.url_map.converters["int"] = BoundedIntConverter

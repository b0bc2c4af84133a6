"""``MoneyField``: a Decimal column that every database stores exactly.

PostgreSQL stores a ``DecimalField`` as ``numeric`` (exact). SQLite, the embedded default, has
no decimal type: a ``decimal`` column has NUMERIC affinity, so 0.0125 is stored as a float
(only 15 significant digits kept) and ``SUM`` adds floats. A ``MoneyField`` is ``numeric(p, s)``
on PostgreSQL, as before, and on SQLite an ``integer`` count of ten-thousandths
(:data:`SQLITE_SCALE`): 0.0125 is stored as 125, sums are integer sums, and every value comes
back as the exact ``Decimal``. The scale is the same for every money column, whatever its
``decimal_places``, so SQL that copies one money column into another (the claim's pay
snapshot) copies the amount, and comparisons with constants (``amount > 0``, the check
constraints) compare the same units.

Only what the application does with money is supported on SQLite: storing, comparing,
filtering, ``Sum``/``Min``/``Max``, copying between money columns. Arithmetic in SQL on a money
column (``F("amount") * 2``) would mix units and is not used.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db import models
from django.db.backends.base.base import BaseDatabaseWrapper

# SQLite stores amounts as integer multiples of 10**-SQLITE_SCALE (the ledger's precision).
SQLITE_SCALE = 4


class MoneyField(models.DecimalField):  # type: ignore[type-arg]
    """A ``DecimalField`` stored exactly on SQLite too (see the module docstring)."""

    def get_internal_type(self) -> str:
        # Not "DecimalField": the SQLite backend would read the stored integer as a float-born
        # decimal (rounding it to 15 digits and to decimal_places) before from_db_value sees it.
        return "MoneyField"

    def db_type(self, connection: BaseDatabaseWrapper) -> str:
        if connection.vendor == "sqlite":
            return "integer"
        return str(connection.data_types["DecimalField"] % self.db_type_parameters(connection))

    def get_db_prep_value(self, value: Any, connection: BaseDatabaseWrapper, prepared: bool = False) -> Any:
        if connection.vendor != "sqlite":
            return super().get_db_prep_value(value, connection, prepared)
        if not prepared:
            value = self.get_prep_value(value)
        if value is None or hasattr(value, "as_sql"):
            return value
        scaled = Decimal(value).scaleb(SQLITE_SCALE)
        if scaled != scaled.to_integral_value():
            raise ValueError(f"{value} has more than {SQLITE_SCALE} decimal places")
        return int(scaled)

    def from_db_value(self, value: Any, expression: Any, connection: BaseDatabaseWrapper) -> Decimal | None:
        if value is None:
            return None
        if connection.vendor != "sqlite":
            return value if isinstance(value, Decimal) else Decimal(value)
        # An integer (a column, a SUM, MIN or MAX); an AVG is a float, rounded to the unit.
        units = Decimal(value).to_integral_value() if isinstance(value, float) else Decimal(int(value))
        return units.scaleb(-SQLITE_SCALE).quantize(Decimal(1).scaleb(-self.decimal_places))

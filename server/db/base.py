"""Declarative base, constraint naming and the column types every model shares."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated

from sqlalchemy import DateTime, MetaData, Numeric, String, Table, func
from sqlalchemy.orm import DeclarativeBase, mapped_column

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def table_of(model: type[Base]) -> Table:
    """A model's Table, for Core inserts that skip the unit of work (SQLAlchemy types a
    mapped class's __table__ as any FromClause)."""
    table = model.__table__
    assert isinstance(table, Table)
    return table


# Yuan with 2 places; unit prices carry 4; readings and usage carry 3.
Money = Annotated[Decimal, mapped_column(Numeric(14, 2))]
UnitPrice = Annotated[Decimal, mapped_column(Numeric(12, 4))]
Quantity = Annotated[Decimal, mapped_column(Numeric(16, 3))]
Timestamp = Annotated[datetime, mapped_column(DateTime(timezone=True), server_default=func.now())]
Code = Annotated[str, mapped_column(String(32))]
Name = Annotated[str, mapped_column(String(120))]

"""A phone's position on site, kept with a field reading or a completed task as evidence."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from server.services.core.errors import InvalidInput


@dataclass(frozen=True)
class Position:
    """Where the phone was, as WeChat's getLocation or the browser's geolocation said."""

    latitude: Decimal
    longitude: Decimal

    @classmethod
    def parse(cls, latitude: str, longitude: str) -> Position | None:
        """None when the page sent none; DomainError for figures no phone reports."""
        if not latitude.strip() and not longitude.strip():
            return None
        try:
            lat = Decimal(latitude.strip()).quantize(Decimal("0.000001"))
            lon = Decimal(longitude.strip()).quantize(Decimal("0.000001"))
        except InvalidOperation:
            raise InvalidInput(f"位置无效：「{latitude}, {longitude}」") from None
        if not (-90 <= lat <= 90 and -180 <= lon <= 180):
            raise InvalidInput(f"位置超出范围：「{latitude}, {longitude}」")
        return cls(lat, lon)

    def __str__(self) -> str:
        return f"{self.latitude},{self.longitude}"

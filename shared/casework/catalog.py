"""What case handling needs of the catalog, whichever tier holds it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

from shared.authority import BatchRule


@dataclass(frozen=True)
class ItemInfo:
    """One version of an item in the import/export record shape."""

    code: str
    version: int
    status: str
    department: str
    record: dict[str, Any]


class CatalogView(Protocol):
    """The hub reads its own tables; nodes read their replica of the master feed."""

    def item(self, code: str, version: int | None = None) -> ItemInfo:
        """The item's current published version (or ``version``); NotFound otherwise."""
        ...

    def rules(self) -> list[BatchRule]:
        """The delegation batches as authority rules."""
        ...

    def search(self, q: str, *, page: int, per_page: int) -> dict[str, Any]:
        """Published items by Chinese name, pinyin or initials: ``{items, total, ...}``."""
        ...

    def detail(self, code: str) -> dict[str, Any]:
        """The item's guide: materials, limits, flags, with Chinese labels."""
        ...

    def certificate_type_codes(self) -> dict[str, str]:
        """GB/T 36904 type code → the catalog's certificate type code (for 免提交)."""
        ...

    def unit_names(self) -> dict[str, str]:
        """Region and department codes to their Chinese names (for pages and notices)."""
        ...

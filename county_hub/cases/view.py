"""The hub's catalog as case handling sees it (its own relational tables)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from county_hub.catalog.services import get_version, version_record
from county_hub.delegation.services import batch_rules
from shared.authority import BatchRule
from shared.casework.catalog import ItemInfo


class HubCatalog:
    """CatalogView over the hub's tables."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def item(self, code: str, version: int | None = None) -> ItemInfo:
        ver = get_version(self.session, code, version)
        item = ver.item
        return ItemInfo(code=item.code, version=ver.version, status=item.status.value,
                        department=item.department_code, record=version_record(ver))  # fmt: skip

    def rules(self) -> list[BatchRule]:
        return batch_rules(self.session)

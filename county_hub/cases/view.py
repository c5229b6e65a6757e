"""The hub's catalog as case handling sees it (its own relational tables)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from county_hub.catalog.models import CertificateType
from county_hub.catalog.services import get_version, item_detail, search_items, version_record
from county_hub.delegation.services import batch_rules
from county_hub.org.models import Department, Region
from shared.authority import BatchRule
from shared.casework.catalog import ItemInfo, SearchPage


class HubCatalog:
    """CatalogView over the hub's tables."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def item(self, code: str, version: int | None = None) -> ItemInfo:
        ver = get_version(self.session, code, version)
        item = ver.item
        return ItemInfo(
            code=item.code,
            version=ver.version,
            status=item.status.value,
            department=item.department_code,
            record=version_record(ver),
        )

    def rules(self) -> list[BatchRule]:
        return batch_rules(self.session)

    def search(self, q: str, *, page: int, per_page: int) -> SearchPage:
        return search_items(self.session, q=q, page=page, per_page=per_page)

    def detail(self, code: str) -> dict[str, Any]:
        return item_detail(self.session, code)

    def certificate_type_codes(self) -> dict[str, str]:
        rows = self.session.execute(select(CertificateType.type_code, CertificateType.code)).all()
        return {type_code: code for type_code, code in rows if type_code}

    def unit_names(self) -> dict[str, str]:
        names = dict(self.session.execute(select(Region.code, Region.name)).all())
        names.update(self.session.execute(select(Department.code, Department.name)).all())
        return names

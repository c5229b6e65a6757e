"""What every tier knows of a service item without its tables: the lifecycle status.

The hub's ``service_items.status`` and a node's replica store these values; the catalog
search shows them with the same Chinese labels on every tier.
"""

from __future__ import annotations

import enum


class ItemStatus(enum.StrEnum):
    DRAFT = "draft"  # never published
    PUBLISHED = "published"
    SUSPENDED = "suspended"  # temporarily not accepted
    RETIRED = "retired"  # gone for good; kept for the cases that pinned it

    @property
    def label(self) -> str:
        return {"draft": "草稿", "published": "已发布", "suspended": "暂停", "retired": "已废止"}[
            self.value
        ]

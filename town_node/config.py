"""Settings of a 镇(街道)便民服务中心 (environment prefix SANJI_TOWN_, file SANJI_TOWN_SETTINGS).

A town has the node settings (``shared.node.config``) and no others of its own yet.
NODE_CODE is this town's 9-digit code.
"""

from __future__ import annotations

from shared.config import Setting
from shared.node.config import NODE_SETTINGS

PREFIX = "SANJI_TOWN"

SETTINGS: tuple[Setting, ...] = NODE_SETTINGS

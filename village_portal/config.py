"""Settings of a 村(社区)便民服务室 (env prefix SANJI_VILLAGE_, file SANJI_VILLAGE_SETTINGS).

A village has the node settings (``shared.node.config``); its upstream is its town.
NODE_CODE is this village's 12-digit code.
"""

from __future__ import annotations

from shared.config import Setting
from shared.node.config import NODE_SETTINGS

PREFIX = "SANJI_VILLAGE"

SETTINGS: tuple[Setting, ...] = NODE_SETTINGS

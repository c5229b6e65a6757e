"""``sanji town ...``: init (with demo accounts), serve, config."""

from __future__ import annotations

from shared.node import MIGRATIONS
from shared.node.jobs import node_jobs
from shared.tiercli import node_after_init, tier_group
from town_node import create_app
from town_node.config import PREFIX, SETTINGS

town = tier_group(
    "town",
    help_text="镇(街道)便民服务中心：受理办件，断网也能工作。",
    factory=create_app,
    migrations=MIGRATIONS,
    settings=SETTINGS,
    prefix=PREFIX,
    default_port=8101,
    after_init=node_after_init,
    enrolls=True,
    joins="hub",
    jobs=node_jobs,
)

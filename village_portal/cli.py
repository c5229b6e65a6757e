"""``sanji village ...``: init (with demo accounts), serve, config."""

from __future__ import annotations

from shared.node import MIGRATIONS
from shared.node.jobs import node_jobs
from shared.tiercli import node_after_init, tier_group
from village_portal import create_app
from village_portal.config import PREFIX, SETTINGS

village = tier_group(
    "village",
    help_text="村(社区)便民服务室：受理办件，断网也能工作。",
    factory=create_app,
    migrations=MIGRATIONS,
    settings=SETTINGS,
    prefix=PREFIX,
    default_port=8201,
    after_init=node_after_init,
    joins="upstream",
    jobs=node_jobs,
)

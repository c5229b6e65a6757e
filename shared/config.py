"""Configuration: defaults → settings file → environment (one prefix per tier) → test overrides.

A tier declares its settings as a list of :class:`Setting` (name, default, meaning) in
its own ``config.py``; this module loads them in that order. The settings file is TOML
and is named by ``<PREFIX>_SETTINGS`` (e.g. ``SANJI_HUB_SETTINGS=/etc/sanji/hub.toml``);
environment variables are ``<PREFIX>_<NAME>`` (e.g. ``SANJI_HUB_DATABASE_URL``).
"""

from __future__ import annotations

import os
import secrets
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from flask import Flask


@dataclass(frozen=True)
class Setting:
    """One setting: its name, default and a one-line meaning (shown by ``sanji <tier> config``)."""

    name: str
    default: Any
    meaning: str


#: Settings every tier has. A tier's config.py adds its own.
COMMON_SETTINGS: Sequence[Setting] = (
    Setting("DATA_DIR", "", "str: folder for the SQLite file and the secret key; '' = var/<tier>"),
    Setting("DATABASE_URL", "", "str: SQLAlchemy URL; '' = SQLite file in DATA_DIR"),
    Setting("SECRET_KEY", "", "str: signs API tokens and cookies; '' = generated once in DATA_DIR"),
    Setting("NODE_CODE", "", "str: region code of this node (6, 9 or 12 digits)"),
    Setting("TOKEN_MAX_AGE", 12 * 3600, "int: seconds an API token stays valid"),
    Setting("LOG_LEVEL", "INFO", "str: DEBUG, INFO, WARNING or ERROR"),
    Setting("AUDIT_ENABLED", True, "bool: write the audit log (off only to benchmark its cost)"),
    Setting("AUDIT_RETENTION_DAYS", 183, "int: days audit entries are kept once sealed (≥ 180)"),
    Setting("MAX_CONTENT_LENGTH", 16 * 1024 * 1024, "int: largest request body in bytes (413)"),
    Setting(
        "METRICS_ALLOW",
        "127.0.0.1,::1",
        "str: comma list of client addresses that may read /metrics (others get 404)",
    ),
    Setting(
        "COOKIE_SECURE", True, "bool: session cookie only over HTTPS (off for the plain-HTTP demo)"
    ),
    Setting(
        "TRUSTED_PROXIES",
        0,
        "int: reverse proxies in front of the app (nginx = 1) whose X-Forwarded-For/-Proto "
        "are believed; 0 = use the socket's address (never set it without a proxy)",
    ),
    Setting("LOGIN_MAX_FAILURES", 5, "int: wrong passwords in a row that lock an account here"),
    Setting("LOGIN_LOCK_MINUTES", 15, "int: minutes a locked account stays locked"),
    Setting("LOGIN_ADDRESS_LIMIT", 10, "int: login attempts per client address per window (429)"),
    Setting("LOGIN_ADDRESS_WINDOW", 60, "int: seconds of the per-address login window"),
    Setting("SESSION_IDLE_MINUTES", 30, "int: a page session idle this long ends"),
    Setting("SESSION_MAX_HOURS", 12, "int: a page session ends this long after login"),
)


def load_config(
    app: Flask,
    *,
    prefix: str,
    tier: str,
    settings: Sequence[Setting],
    overrides: Mapping[str, Any] | None = None,
    create: bool = True,
) -> None:
    """Fill ``app.config`` in the documented order and derive what is left empty.

    ``create=False`` (``sanji <tier> restore``) derives the paths but creates neither
    DATA_DIR nor the secret key: a restore must find the folder as the operator left it.
    """
    for setting in (*COMMON_SETTINGS, *settings):
        app.config[setting.name] = setting.default
    settings_file = os.environ.get(f"{prefix}_SETTINGS")
    if settings_file:
        app.config.from_file(settings_file, load=tomllib.load, text=False)
    app.config.from_prefixed_env(prefix)
    if overrides:
        app.config.update(overrides)
    # from_prefixed_env reads values as JSON, so a 9-digit region code arrives as an int;
    # each setting keeps the type of its default.
    for setting in (*COMMON_SETTINGS, *settings):
        value = app.config[setting.name]
        if isinstance(setting.default, str) and not isinstance(value, str):
            app.config[setting.name] = str(value)
        elif isinstance(setting.default, int) and isinstance(value, str):
            app.config[setting.name] = int(value)
    _derive(app, tier, create=create)


def _derive(app: Flask, tier: str, *, create: bool = True) -> None:
    data_dir = Path(app.config["DATA_DIR"] or Path("var") / tier).resolve()
    app.config["DATA_DIR"] = str(data_dir)
    if not app.config["DATABASE_URL"]:
        if create:
            data_dir.mkdir(parents=True, exist_ok=True)
        app.config["DATABASE_URL"] = f"sqlite:///{data_dir / (tier + '.sqlite3')}"
    if not app.config["SECRET_KEY"] and create:
        app.config["SECRET_KEY"] = _stored_secret(data_dir)


def _stored_secret(data_dir: Path) -> str:
    """A random key created on first start and kept, so tokens survive restarts."""
    data_dir.mkdir(parents=True, exist_ok=True)
    path = data_dir / "secret_key"
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        pass  # another process (web or scheduler) created it first
    else:
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_urlsafe(48))
    return path.read_text().strip()

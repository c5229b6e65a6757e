"""The sync page of every tier: this node's status, "立即同步", and the nodes below it."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from werkzeug.wrappers import Response

from shared.sync import state
from shared.sync.status import node_board, node_status
from shared.web.context import current_tier, db_session, require_login

bp = Blueprint("syncpages", __name__, template_folder="templates")


@bp.get("/sync")
def sync_page() -> str:
    """This node's sync status, the "立即同步" button, and the nodes below it."""
    require_login()
    db = db_session()
    tier = current_tier()
    return render_template(
        "sync/sync.html", status=node_status(db, tier), board=node_board(db, tier)
    )


@bp.post("/sync/now")
def sync_now() -> Response:
    """Ask the scheduler process to sync at once (it runs outside the web workers)."""
    require_login()
    db = db_session()
    state.request_sync(db, current_tier().clock.now())
    db.commit()
    flash("已通知同步进程立即同步，请稍后刷新本页查看结果", "ok")
    return redirect(url_for("syncpages.sync_page"))

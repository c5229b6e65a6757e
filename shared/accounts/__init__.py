"""Staff accounts and roles: defined at the hub, copied to nodes, checked everywhere."""

from shared.accounts.models import Account, Role
from shared.accounts.services import (
    Actor,
    authenticate,
    hash_password,
    issue_token,
    read_token,
    require_role,
    verify_password,
)

__all__ = [
    "Account",
    "Actor",
    "Role",
    "authenticate",
    "hash_password",
    "issue_token",
    "read_token",
    "require_role",
    "verify_password",
]

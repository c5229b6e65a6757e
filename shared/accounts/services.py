"""Password checks and bearer tokens; each tier authenticates from its own account table."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

from shared.accounts.models import Account, Role
from shared.errors import PermissionDenied, Unauthenticated

_TOKEN_SALT = "sanji.api-token.v1"  # noqa: S105 - a salt that namespaces tokens, not a secret


#: PBKDF2-SHA256 at OWASP's 600,000 iterations rather than werkzeug's default scrypt:
#: scrypt takes 32 MB per login, and a village PC's web worker must stay under 120 MB.
#: Existing hashes of either kind still verify (werkzeug reads the method from the hash).
PASSWORD_METHOD = "pbkdf2:sha256:600000"  # noqa: S105 - a method name, not a password


@cache
def _dummy_hash() -> str:
    """A hash checked when the user does not exist, so a wrong username and a wrong
    password take the same time and give the same answer."""
    return generate_password_hash("not-a-real-password", method=PASSWORD_METHOD)


@dataclass(frozen=True)
class Actor:
    """Who is calling: what services check permissions against."""

    username: str
    role: Role
    region_code: str | None
    department_code: str | None
    display_name: str = ""

    @classmethod
    def of(cls, account: Account) -> Actor:
        return cls(
            username=account.username,
            role=account.role,
            region_code=account.region_code,
            department_code=account.department_code,
            display_name=account.display_name,
        )


def hash_password(password: str) -> str:
    """A salted PBKDF2 hash (see PASSWORD_METHOD)."""
    return generate_password_hash(password, method=PASSWORD_METHOD)


def verify_password(password_hash: str, password: str) -> bool:
    """True when ``password`` matches ``password_hash``."""
    return check_password_hash(password_hash, password)


def authenticate(session: Session, username: str, password: str) -> Account:
    """The active account with this username and password.

    Raises Unauthenticated with the same message whether the user is unknown, disabled
    or the password is wrong.
    """
    account = session.get(Account, username)
    stored = account.password_hash if account is not None else _dummy_hash()
    ok = verify_password(stored, password)
    if account is None or not ok or not account.active:
        raise Unauthenticated(detail="用户名或密码错误")
    return account


def issue_token(secret: str, account: Account) -> str:
    """A signed bearer token naming the account (checked against the table on each use)."""
    serializer = URLSafeTimedSerializer(secret, salt=_TOKEN_SALT)
    return str(serializer.dumps({"u": account.username}))


def read_token(session: Session, secret: str, token: str, *, max_age: int) -> Actor:
    """The actor a bearer token stands for. Raises Unauthenticated if bad or expired."""
    serializer = URLSafeTimedSerializer(secret, salt=_TOKEN_SALT)
    try:
        data: Any = serializer.loads(token, max_age=max_age)
    except SignatureExpired as exc:
        raise Unauthenticated(detail="登录已过期，请重新获取令牌") from exc
    except BadSignature as exc:
        raise Unauthenticated(detail="令牌无效") from exc
    account = session.get(Account, data.get("u")) if isinstance(data, dict) else None
    if account is None or not account.active:
        raise Unauthenticated(detail="令牌对应的账号不存在或已停用")
    return Actor.of(account)


def require_role(actor: Actor, *roles: Role, action: str) -> None:
    """Raise PermissionDenied unless ``actor`` has one of ``roles``.

    ``action`` is the Chinese name of what was attempted, so the message says what the
    clerk may not do and which role may.
    """
    if actor.role not in roles:
        allowed = "、".join(role.label for role in roles)
        raise PermissionDenied(
            detail=f"{action}需要以下角色之一：{allowed}；当前账号角色为{actor.role.label}"
        )

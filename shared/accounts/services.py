"""Password checks, lockout and revocable bearer tokens; each tier uses its own account table.

Lockout (5 wrong passwords in a row → 15 minutes, both settings) and the counts behind it
live in the tier's database, so every web worker and both login paths (page and API)
share them. Tokens and page sessions carry the account's session version and epoch; a
password change, a disable or "log out everywhere" raises one and so ends them all.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from typing import Any

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

from shared.accounts.models import Account, Role
from shared.clock import to_china
from shared.errors import AccountLocked, PermissionDenied, Unauthenticated

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


@dataclass(frozen=True)
class LockoutPolicy:
    """How many wrong passwords in a row lock an account, and for how long."""

    max_failures: int = 5
    lock_minutes: int = 15


def locked_error(account: Account) -> AccountLocked:
    """The 423 problem for a locked account, with the unlock time in Beijing time."""
    assert account.locked_until is not None
    until = to_china(account.locked_until)
    return AccountLocked(
        detail=f"密码连续输错次数过多，账号已锁定，请于 {until:%Y-%m-%d %H:%M} 后再试，"
        "或请管理员解锁",
        locked_until=until.isoformat(),
    )


def is_locked(account: Account, now: datetime) -> bool:
    return account.locked_until is not None and account.locked_until > now


def authenticate(
    session: Session,
    username: str,
    password: str,
    *,
    now: datetime,
    policy: LockoutPolicy = LockoutPolicy(),
    release: Callable[[], None] | None = None,
) -> Account:
    """The active, unlocked account with this username and password.

    Raises AccountLocked while the account is locked (even with the right password: the
    hash is not even checked, so a locked account costs an attacker's guesses nothing),
    and when this wrong password is the ``max_failures``-th in a row. Raises
    Unauthenticated with the same message whether the user is unknown, disabled or the
    password is wrong. A wrong password is counted in the session: the caller commits
    it even though this raises. Success resets the count.

    ``release`` is called once the account is read and before the hash is checked, so the
    caller can end its transaction: on SQLite every transaction holds the write lock
    (BEGIN IMMEDIATE, ADR 0006), and holding it through the PBKDF2 check would make every
    login of the tier wait for the one before.
    """
    account = session.get(Account, username)
    if account is not None and account.active and is_locked(account, now):
        raise locked_error(account)
    stored = account.password_hash if account is not None else _dummy_hash()
    active = account is not None and account.active
    if release is not None:
        release()
    ok = verify_password(stored, password)
    if account is None or not active:
        raise Unauthenticated(detail="用户名或密码错误")
    if not ok:
        _count_failure(session, account, now, policy)
        if is_locked(account, now):
            raise locked_error(account)
        raise Unauthenticated(detail="用户名或密码错误")
    if account.failed_logins or account.locked_until is not None:
        account.failed_logins = 0  # only written when it changes: most logins write nothing
        account.locked_until = None
    return account


def _count_failure(
    session: Session, account: Account, now: datetime, policy: LockoutPolicy
) -> None:
    # An UPDATE … SET failed_logins = failed_logins + 1, so two workers counting the same
    # account at once both count (a read-then-write would lose one).
    account.failed_logins = Account.failed_logins + 1
    session.flush()
    session.refresh(account, ["failed_logins"])
    if account.failed_logins >= policy.max_failures:
        account.locked_until = now + timedelta(minutes=policy.lock_minutes)
        account.failed_logins = 0  # after the lock ends, a fresh run of attempts
    session.flush()


def unlock(account: Account) -> None:
    """Lift a lockout at once (an administrator's decision) and clear the failure count."""
    account.locked_until = None
    account.failed_logins = 0


def end_sessions(account: Account, *, everywhere: bool) -> None:
    """End every token and page session of ``account``.

    ``everywhere`` raises the fed session version (the hub: nodes follow after their next
    sync); otherwise the tier's own epoch, which the master feed never overwrites.
    """
    if everywhere:
        account.session_version = (account.session_version or 1) + 1
    else:
        account.session_epoch = (account.session_epoch or 0) + 1


def session_stamp(account: Account) -> list[int]:
    """What a token or page session carries to be ended later: [version, epoch]."""
    return [account.session_version or 1, account.session_epoch or 0]


def issue_token(secret: str, account: Account) -> str:
    """A signed bearer token naming the account and its session stamp (checked on each use)."""
    serializer = URLSafeTimedSerializer(secret, salt=_TOKEN_SALT)
    return str(serializer.dumps({"u": account.username, "s": session_stamp(account)}))


def read_token(session: Session, secret: str, token: str, *, max_age: int) -> Actor:
    """The actor a bearer token stands for.

    Raises Unauthenticated if bad or expired, or if the account's sessions were ended
    since the token was issued (a token from before session stamps carries none).
    """
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
    if data.get("s") != session_stamp(account):
        raise Unauthenticated(detail="登录已失效（密码已修改、账号已注销登录或已停用），请重新登录")
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

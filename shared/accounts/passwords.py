"""Password rules where a password is set through the product (等保 2.0: some complexity).

At least 10 characters, at least three of the four kinds (lower case, upper case, digit,
symbol), not the username, and none of the account's last 5 passwords. The demo accounts'
password ``demo`` is seeded directly (shared/accounts/demo.py) and never passes here.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from shared.errors import InvalidInput, InvalidParam

MIN_LENGTH = 10
MIN_KINDS = 3
HISTORY = 5  # the last passwords (the current one included) that may not come back


def password_problems(password: str, *, username: str) -> list[str]:
    """The Chinese reasons ``password`` breaks the rules (empty when it is acceptable)."""
    reasons = []
    if len(password) < MIN_LENGTH:
        reasons.append(f"密码至少 {MIN_LENGTH} 位")
    kinds = sum(
        (
            any(ch.islower() for ch in password),
            any(ch.isupper() for ch in password),
            any(ch.isdigit() for ch in password),
            any(not ch.isalnum() for ch in password),
        )
    )
    if kinds < MIN_KINDS:
        reasons.append("密码须包含小写字母、大写字母、数字、符号中的至少三类")
    if username and password.casefold() == username.casefold():
        reasons.append("密码不能与用户名相同")
    return reasons


def check_new_password(
    password: str, *, username: str, previous: Sequence[str], matches: Callable[[str, str], bool]
) -> None:
    """Raise InvalidInput naming ``password`` unless it follows the rules.

    ``previous`` are the hashes of the current and earlier passwords (newest first; the
    first ``HISTORY`` count);
    ``matches(hash, password) -> bool`` checks one (the caller's verify function, so
    this module needs no hashing of its own).
    """
    reasons = password_problems(password, username=username)
    if not reasons and any(matches(h, password) for h in previous[:HISTORY]):
        reasons.append(f"新密码不能与最近 {HISTORY} 次使用过的密码相同")
    if reasons:
        raise InvalidInput(
            detail="密码不符合要求：" + "；".join(reasons),
            invalid_params=[InvalidParam("password", reason) for reason in reasons],
        )


def remembered(current_hash: str, history: Sequence[str]) -> list[str]:
    """The history to store when ``current_hash`` is replaced: newest first, capped so the
    new password plus these are the last ``HISTORY``."""
    return [current_hash, *history][: HISTORY - 1]

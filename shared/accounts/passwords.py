"""The one password rule for staff accounts: used by ``sanji hub init`` and the accounts API.

A pure function (no database, no Flask) so the CLI, the API service and the import of
accounts cannot disagree about what a strong enough password is.
"""

from __future__ import annotations

import string

MIN_LENGTH = 10
MIN_CLASSES = 3


def password_problems(username: str, password: str) -> list[str]:
    """Every reason ``password`` is too weak for ``username``, in Chinese; empty when good.

    The rule: at least 10 characters, at least three of lower-case letters, upper-case
    letters, digits and symbols, and not the username (in any letter case).
    """
    problems: list[str] = []
    if len(password) < MIN_LENGTH:
        problems.append(f"密码至少 {MIN_LENGTH} 位（当前 {len(password)} 位）")
    classes = sum(
        (
            any(c in string.ascii_lowercase for c in password),
            any(c in string.ascii_uppercase for c in password),
            any(c in string.digits for c in password),
            any(not c.isalnum() and not c.isspace() for c in password),
        )
    )
    if classes < MIN_CLASSES:
        problems.append("密码须包含小写字母、大写字母、数字、符号中的至少三类")
    if username and password.casefold() == username.casefold():
        problems.append("密码不能与用户名相同")
    return problems

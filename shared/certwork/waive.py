"""免提交 at intake: a required material that a valid certificate of the applicant
satisfies is waived, with the certificate's identifier attached instead of the paper.

The clerk scans the certificate the applicant shows (or one a look-up found); it is
verified offline like any other, and its use is logged against the new case.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date

from sqlalchemy.orm import Session

from shared.certs import verify
from shared.certwork.services import Trust
from shared.errors import Conflict, InvalidInput, InvalidParam


def waivers(
    session: Session,
    payloads: Sequence[str],
    *,
    applicant: Mapping[str, str],
    type_codes: Mapping[str, str],
    today: date,
) -> dict[str, str]:
    """Catalog certificate type → identifier of a valid certificate of the applicant.

    Raises InvalidInput naming each certificate that cannot be used and why; nothing is
    waived on a guess.
    """
    if not payloads:
        return {}
    trust = Trust.load(session)
    if trust.statuses is None:
        raise Conflict(detail="本节点尚未同步到证照状态名单，暂不能以电子证照免提交材料")
    found: dict[str, str] = {}
    problems: list[InvalidParam] = []
    for index, payload in enumerate(payloads):
        field = f"certificates.{index}"
        verdict = verify(payload.strip(), trust.keys, trust.statuses, today)
        cert = verdict.certificate
        if not verdict.ok or cert is None or verdict.identifier is None:
            problems.append(InvalidParam(field, verdict.message))
        elif cert.holder_code != applicant["id_number"]:
            problems.append(InvalidParam(field, f"「{cert.name}」的持证主体不是本申请人"))
        elif cert.type_code not in type_codes:
            problems.append(InvalidParam(field, f"本县目录中没有「{cert.name}」这一证照类型"))
        else:
            found[type_codes[cert.type_code]] = verdict.identifier
    if problems:
        raise InvalidInput(detail="所附电子证照不能用于免提交材料", invalid_params=problems)
    return found

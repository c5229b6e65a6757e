"""Electronic certificates (电子证照): model, signing, status list, verification, usage log.

Pure: no Flask, no database. The hub signs; every tier verifies offline (ARCHITECTURE §6).
Formats are described in docs/certificates.md.
"""

from shared.certs.model import HOLDER_CODE_TYPES, Certificate, CertificateError
from shared.certs.signing import (
    PAYLOAD_PREFIX,
    IssuerKey,
    KeyPair,
    KeyRing,
    SignedCertificate,
    key_id,
    parse_payload,
    sign_certificate,
    signing_bytes,
)
from shared.certs.status import (
    SignedStatusList,
    StatusEntry,
    StatusList,
    StatusListError,
    sign_status_list,
    verify_status_list,
)
from shared.certs.usage_log import (
    GENESIS,
    ChainAnchor,
    ChainReport,
    UsageEntry,
    UsageFields,
    chain_entry,
    check_chain,
    holder_ref,
)
from shared.certs.verify import Verdict, VerdictCode, verify, verify_many

__all__ = [
    "GENESIS",
    "HOLDER_CODE_TYPES",
    "PAYLOAD_PREFIX",
    "Certificate",
    "CertificateError",
    "ChainAnchor",
    "ChainReport",
    "IssuerKey",
    "KeyPair",
    "KeyRing",
    "SignedCertificate",
    "SignedStatusList",
    "StatusEntry",
    "StatusList",
    "StatusListError",
    "UsageEntry",
    "UsageFields",
    "Verdict",
    "VerdictCode",
    "chain_entry",
    "check_chain",
    "holder_ref",
    "key_id",
    "parse_payload",
    "sign_certificate",
    "sign_status_list",
    "signing_bytes",
    "verify",
    "verify_many",
    "verify_status_list",
]

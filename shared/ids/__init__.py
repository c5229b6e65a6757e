"""Chinese identifier rules: ID numbers, credit codes, region codes, certificates, masking."""

from shared.ids.certificate import (
    CERTIFICATE_PREFIX,
    CertificateIdentifier,
    is_valid_certificate_identifier,
    make_certificate_identifier,
    mod37_36_check,
    parse_certificate_identifier,
)
from shared.ids.gb11643 import IdNumberInfo, id_check_char, is_valid_id_number, validate_id_number
from shared.ids.gb32100 import (
    USCC_ALPHABET,
    is_valid_uscc,
    make_uscc,
    org_code_check_char,
    uscc_check_char,
    validate_uscc,
)
from shared.ids.masking import mask_id_number, mask_phone, mask_text
from shared.ids.region import (
    RegionLevel,
    TownKind,
    VillageKind,
    county_code_of,
    is_valid_region_code,
    is_within,
    parent_code,
    region_level,
    town_kind,
    village_kind,
)

__all__ = [
    "CERTIFICATE_PREFIX",
    "USCC_ALPHABET",
    "CertificateIdentifier",
    "IdNumberInfo",
    "RegionLevel",
    "TownKind",
    "VillageKind",
    "county_code_of",
    "id_check_char",
    "is_valid_certificate_identifier",
    "is_valid_id_number",
    "is_valid_region_code",
    "is_valid_uscc",
    "is_within",
    "make_certificate_identifier",
    "make_uscc",
    "mask_id_number",
    "mask_phone",
    "mask_text",
    "mod37_36_check",
    "org_code_check_char",
    "parent_code",
    "parse_certificate_identifier",
    "region_level",
    "town_kind",
    "uscc_check_char",
    "validate_id_number",
    "validate_uscc",
    "village_kind",
]

"""Tests for shared.ids: GB 11643, GB 32100, region codes, GB/T 36904 and masking."""

from __future__ import annotations

import dataclasses
import string
from collections.abc import Callable
from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from shared.errors import InvalidInput
from shared.ids import (
    USCC_ALPHABET,
    CertificateIdentifier,
    RegionLevel,
    county_code_of,
    id_check_char,
    is_valid_certificate_identifier,
    is_valid_id_number,
    is_valid_region_code,
    is_valid_uscc,
    is_within,
    make_certificate_identifier,
    make_uscc,
    mask_id_number,
    mask_phone,
    mask_text,
    mod37_36_check,
    org_code_check_char,
    parent_code,
    parse_certificate_identifier,
    region_level,
    town_kind,
    uscc_check_char,
    validate_id_number,
    validate_uscc,
    village_kind,
)

# Fixed "today" so birth-date rules do not drift with the calendar.
TODAY = date(2026, 11, 27)
# database=None: property tests must not leave a .hypothesis directory in the repo.
PROPERTY = settings(max_examples=200, deadline=None, database=None)

ID_EXAMPLE = "13043419840726291X"
USCC_EXAMPLE = "91370406L24894136J"
CERT_EXAMPLE = "1.2.156.3005.2.11100000000013338W011.11430000006122244L.20230000403.001.U"
ALPHANUMERIC = string.digits + string.ascii_uppercase


def with_id_check(first17: str) -> str:
    return first17 + id_check_char(first17)


def reason_of(excinfo: pytest.ExceptionInfo[InvalidInput]) -> str:
    [param] = excinfo.value.invalid_params
    return param.reason


# --- GB 11643 ID numbers -----------------------------------------------------------


def test_id_example_is_valid_and_decoded() -> None:
    info = validate_id_number(ID_EXAMPLE, today=TODAY)
    assert info.number == ID_EXAMPLE
    assert info.region_code == "130434"
    assert info.birth_date == date(1984, 7, 26)
    assert info.sex == "M"  # 17th digit 1 is odd


def test_id_info_is_frozen() -> None:
    info = validate_id_number(ID_EXAMPLE, today=TODAY)
    with pytest.raises(dataclasses.FrozenInstanceError):
        info.sex = "F"  # type: ignore[misc]


@pytest.mark.parametrize(
    ("value", "normalized"),
    [
        pytest.param("13043419840726291x", ID_EXAMPLE, id="lowercase-x"),
        pytest.param(f"  {ID_EXAMPLE}\n", ID_EXAMPLE, id="surrounding-blanks"),
        pytest.param(with_id_check("11010519900101100"), None, id="even-sequence"),
        pytest.param(with_id_check("61072720240229001"), None, id="leap-day"),
        pytest.param(with_id_check("61072719000101001"), None, id="earliest-year"),
        pytest.param(with_id_check("61072720261127001"), None, id="born-today"),
    ],
)
def test_valid_id_numbers(value: str, normalized: str | None) -> None:
    info = validate_id_number(value, today=TODAY)
    assert info.number == (normalized or value)
    assert is_valid_id_number(value, today=TODAY)


def test_id_sex_from_17th_digit() -> None:
    assert validate_id_number(with_id_check("11010519900101100"), today=TODAY).sex == "F"
    assert validate_id_number(with_id_check("11010519900101101"), today=TODAY).sex == "M"


def test_id_check_char_known_values() -> None:
    assert id_check_char(ID_EXAMPLE[:17]) == "X"
    assert id_check_char("11010519491231002") == "X"


@pytest.mark.parametrize(
    ("value", "fragment"),
    [
        pytest.param("130434198407262910", "应为“X”，实际为“0”", id="wrong-check-char"),
        pytest.param(ID_EXAMPLE[:17], "应为 18 位，实际为 17 位", id="too-short"),
        pytest.param(ID_EXAMPLE + "1", "应为 18 位，实际为 19 位", id="too-long"),
        pytest.param("", "实际为 0 位", id="empty"),
        pytest.param("1304341984A726291X", "第 11 位应为数字", id="letter-in-body"),
        pytest.param("1304341984x726291X", "第 11 位应为数字", id="x-in-body"),
        pytest.param("13043419840726291Y", "第 18 位（校验码）应为数字或 X", id="bad-check-char"),
        pytest.param("１３０４３４19840726291X", "第 1 位应为数字", id="fullwidth-digits"),
        pytest.param("١٣٠٤٣٤19840726291X", "第 1 位应为数字", id="arabic-indic-digits"),
        pytest.param(with_id_check("61072720230230001"), "2023-02-30", id="feb-30"),
        pytest.param(with_id_check("61072720230229001"), "不存在", id="2023-02-29"),
        pytest.param(with_id_check("61072719901301001"), "不存在", id="month-13"),
        pytest.param(with_id_check("61072719900100001"), "不存在", id="day-00"),
        pytest.param(with_id_check("61072720261128001"), "晚于今天", id="born-tomorrow"),
        pytest.param(with_id_check("61072730000101001"), "晚于今天", id="far-future"),
        pytest.param(with_id_check("61072718991231001"), "早于 1900 年", id="before-1900"),
    ],
)
def test_invalid_id_numbers(value: str, fragment: str) -> None:
    with pytest.raises(InvalidInput) as excinfo:
        validate_id_number(value, today=TODAY)
    assert fragment in reason_of(excinfo)
    assert fragment in excinfo.value.detail
    assert excinfo.value.invalid_params[0].name == "id_number"
    assert not is_valid_id_number(value, today=TODAY)


def test_id_error_names_the_callers_field() -> None:
    with pytest.raises(InvalidInput) as excinfo:
        validate_id_number("123", today=TODAY, field="applicant.id_number")
    assert excinfo.value.invalid_params[0].name == "applicant.id_number"
    assert excinfo.value.status == 422


def test_id_today_defaults_to_the_real_date() -> None:
    assert is_valid_id_number(ID_EXAMPLE)
    assert not is_valid_id_number(with_id_check("61072740000101001"))


@pytest.mark.parametrize(
    "first17",
    [
        pytest.param("1234567890123456", id="16-digits"),
        pytest.param("123456789012345678", id="18-digits"),
        pytest.param("1234567890123456X", id="letter"),
    ],
)
def test_id_check_char_rejects_bad_input(first17: str) -> None:
    with pytest.raises(InvalidInput):
        id_check_char(first17)


id_prefixes = st.builds(
    lambda region, born, sequence: f"{region}{born:%Y%m%d}{sequence}",
    st.text(alphabet=string.digits, min_size=6, max_size=6),
    st.dates(min_value=date(1900, 1, 1), max_value=TODAY),
    st.text(alphabet=string.digits, min_size=3, max_size=3),
)


@PROPERTY
@given(first17=id_prefixes, data=st.data())
def test_id_property_check_char_and_single_substitutions(first17: str, data: st.DataObject) -> None:
    number = with_id_check(first17)
    assert validate_id_number(number, today=TODAY).number == number
    position = data.draw(st.integers(min_value=0, max_value=17), label="position")
    replacement = data.draw(
        st.sampled_from(string.digits + "X").filter(lambda c: c != number[position]),
        label="replacement",
    )
    changed = number[:position] + replacement + number[position + 1 :]
    assert not is_valid_id_number(changed, today=TODAY)


# --- GB 32100 unified social credit codes --------------------------------------------


@pytest.mark.parametrize(
    ("value", "normalized"),
    [
        pytest.param(USCC_EXAMPLE, USCC_EXAMPLE, id="example"),
        pytest.param("91370406l24894136j", USCC_EXAMPLE, id="lowercase"),
        pytest.param(f" {USCC_EXAMPLE} ", USCC_EXAMPLE, id="surrounding-blanks"),
        # The two USCC-like parts of the national certificate identifier example.
        pytest.param("11100000000013338W", "11100000000013338W", id="cert-type-body"),
        pytest.param("11430000006122244L", "11430000006122244L", id="cert-issuer"),
        # Every sum is 0, exercising both "11 -> 0" and "31 -> 0".
        pytest.param("000000000000000000", "000000000000000000", id="all-zero"),
    ],
)
def test_valid_uscc(value: str, normalized: str) -> None:
    assert validate_uscc(value) == normalized
    assert is_valid_uscc(value)


def test_uscc_check_chars_known_values() -> None:
    assert uscc_check_char(USCC_EXAMPLE[:17]) == "J"
    assert org_code_check_char("L2489413") == "6"
    # GB 11714's own example D2143569-X, and the two special results.
    assert org_code_check_char("D2143569") == "X"
    assert org_code_check_char("00000000") == "0"


def _forbidden(letter: str) -> str:
    return USCC_EXAMPLE[:9] + letter + USCC_EXAMPLE[10:]


def _org_check_broken() -> str:
    # Correct org-code check is 6; put 7 there and recompute the final check so that
    # only the embedded GB 11714 check is wrong.
    first17 = USCC_EXAMPLE[:16] + "7"
    return first17 + uscc_check_char(first17)


def _letter_in_region() -> str:
    first17 = "91A70406L24894136"
    return first17 + uscc_check_char(first17)


@pytest.mark.parametrize(
    ("value", "fragment"),
    [
        pytest.param("91370406L24894136K", "第 18 位应为“J”，实际为“K”", id="wrong-check"),
        pytest.param(USCC_EXAMPLE[:17], "应为 18 位，实际为 17 位", id="too-short"),
        pytest.param(USCC_EXAMPLE + "0", "应为 18 位，实际为 19 位", id="too-long"),
        pytest.param(_forbidden("I"), "不使用字母 I、O、Z、S、V", id="forbidden-I"),
        pytest.param(_forbidden("O"), "第 10 位为“O”", id="forbidden-O"),
        pytest.param(_forbidden("Z"), "第 10 位为“Z”", id="forbidden-Z"),
        pytest.param(_forbidden("S"), "第 10 位为“S”", id="forbidden-S"),
        pytest.param(_forbidden("V"), "第 10 位为“V”", id="forbidden-V"),
        pytest.param(_forbidden("i"), "第 10 位为“I”", id="forbidden-lowercase-i"),
        pytest.param(_forbidden("-"), "不是统一社会信用代码允许的字符", id="punctuation"),
        pytest.param(_org_check_broken(), "第 17 位应为“6”，实际为“7”", id="org-check-only"),
        pytest.param(_letter_in_region(), "行政区划码", id="letter-in-region"),
    ],
)
def test_invalid_uscc(value: str, fragment: str) -> None:
    with pytest.raises(InvalidInput) as excinfo:
        validate_uscc(value)
    assert fragment in reason_of(excinfo)
    assert excinfo.value.invalid_params[0].name == "uscc"
    assert not is_valid_uscc(value)


def test_org_check_broken_vector_passes_the_final_check_alone() -> None:
    broken = _org_check_broken()
    assert uscc_check_char(broken[:17]) == broken[17]
    assert org_code_check_char(broken[8:16]) != broken[16]


def test_make_uscc_rebuilds_the_example() -> None:
    assert make_uscc("9", "1", "370406", "L2489413") == USCC_EXAMPLE


@pytest.mark.parametrize(
    ("registration", "category", "region", "org_base8"),
    [
        pytest.param("I", "1", "370406", "L2489413", id="forbidden-registration"),
        pytest.param("91", "1", "370406", "L2489413", id="two-char-registration"),
        pytest.param("9", "", "370406", "L2489413", id="empty-category"),
        pytest.param("9", "1", "37040A", "L2489413", id="letter-in-region"),
        pytest.param("9", "1", "37040", "L2489413", id="short-region"),
        pytest.param("9", "1", "370406", "L248941", id="short-org-base"),
        pytest.param("9", "1", "370406", "O2489413", id="forbidden-in-org-base"),
        pytest.param("9", "1", "370406", "l2489413", id="lowercase-org-base"),
    ],
)
def test_make_uscc_rejects_bad_parts(
    registration: str, category: str, region: str, org_base8: str
) -> None:
    with pytest.raises(InvalidInput):
        make_uscc(registration, category, region, org_base8)


@pytest.mark.parametrize(
    ("function", "argument"),
    [
        pytest.param(uscc_check_char, USCC_EXAMPLE[:16], id="uscc-short"),
        pytest.param(uscc_check_char, USCC_EXAMPLE[:16] + "O", id="uscc-forbidden"),
        pytest.param(org_code_check_char, "L248941", id="org-short"),
        pytest.param(org_code_check_char, "L248941-", id="org-punctuation"),
    ],
)
def test_check_char_helpers_reject_bad_input(function: Callable[[str], str], argument: str) -> None:
    with pytest.raises(InvalidInput):
        function(argument)


uscc_chars = st.sampled_from(USCC_ALPHABET)


@PROPERTY
@given(
    registration=uscc_chars,
    category=uscc_chars,
    region=st.text(alphabet=string.digits, min_size=6, max_size=6),
    org_base8=st.text(alphabet=USCC_ALPHABET, min_size=8, max_size=8),
)
def test_uscc_property_make_validates_and_substitutions_fail(
    registration: str, category: str, region: str, org_base8: str
) -> None:
    code = make_uscc(registration, category, region, org_base8)
    assert validate_uscc(code) == code
    # Exhaustive: every position, every other character (forbidden letters included).
    for position, original in enumerate(code):
        for replacement in USCC_ALPHABET + "IOZSV":
            if replacement != original:
                changed = code[:position] + replacement + code[position + 1 :]
                assert not is_valid_uscc(changed), changed


# --- Region codes ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "level"),
    [
        pytest.param("610727", RegionLevel.COUNTY, id="county"),
        pytest.param("610727001", RegionLevel.TOWN, id="town-001"),
        pytest.param("610727399", RegionLevel.TOWN, id="town-399"),
        pytest.param("610727105001", RegionLevel.VILLAGE, id="village-001"),
        pytest.param("610727105399", RegionLevel.VILLAGE, id="village-399"),
    ],
)
def test_region_levels(code: str, level: RegionLevel) -> None:
    assert region_level(code) is level
    assert is_valid_region_code(code)


def test_region_level_is_a_str_enum() -> None:
    stored: str = RegionLevel.TOWN
    assert stored == "town"
    assert [str(level) for level in RegionLevel] == ["county", "town", "village"]


@pytest.mark.parametrize(
    ("code", "fragment"),
    [
        pytest.param("610727400", "第 7–9 位", id="town-400"),
        pytest.param("610727000", "实际为 000", id="town-000"),
        pytest.param("61072710500", "实际为 11 位", id="11-digits"),
        pytest.param("610727105400", "第 10–12 位", id="village-400"),
        pytest.param("610727105000", "第 10–12 位", id="village-000"),
        pytest.param("610727400001", "第 7–9 位", id="village-under-bad-town"),
        pytest.param("6107271050011", "实际为 13 位", id="13-digits"),
        pytest.param("61072", "实际为 5 位", id="5-digits"),
        pytest.param("", "实际为 0 位", id="empty"),
        pytest.param("61072A", "只能由数字组成", id="letter"),
        pytest.param(" 610727", "只能由数字组成", id="leading-blank"),
        pytest.param("６１０７２７", "只能由数字组成", id="fullwidth"),
    ],
)
def test_invalid_region_codes(code: str, fragment: str) -> None:
    with pytest.raises(InvalidInput) as excinfo:
        region_level(code)
    assert fragment in reason_of(excinfo)
    assert not is_valid_region_code(code)


@pytest.mark.parametrize(
    ("code", "kind"),
    [
        pytest.param("610727001", "街道", id="001"),
        pytest.param("610727099", "街道", id="099"),
        pytest.param("610727100", "镇", id="100"),
        pytest.param("610727199", "镇", id="199"),
        pytest.param("610727200", "乡", id="200"),
        pytest.param("610727399", "乡", id="399"),
    ],
)
def test_town_kind(code: str, kind: str) -> None:
    assert town_kind(code) == kind


@pytest.mark.parametrize(
    ("code", "kind"),
    [
        pytest.param("610727105001", "社区", id="001"),
        pytest.param("610727105199", "社区", id="199"),
        pytest.param("610727105200", "村", id="200"),
        pytest.param("610727105399", "村", id="399"),
    ],
)
def test_village_kind(code: str, kind: str) -> None:
    assert village_kind(code) == kind


@pytest.mark.parametrize(
    "code",
    [
        pytest.param("610727", id="county"),
        pytest.param("610727105001", id="village"),
        pytest.param("610727400", id="malformed"),
    ],
)
def test_town_kind_needs_a_town(code: str) -> None:
    with pytest.raises(InvalidInput):
        town_kind(code)


@pytest.mark.parametrize(
    "code",
    [
        pytest.param("610727", id="county"),
        pytest.param("610727105", id="town"),
        pytest.param("610727105400", id="malformed"),
    ],
)
def test_village_kind_needs_a_village(code: str) -> None:
    with pytest.raises(InvalidInput):
        village_kind(code)


@pytest.mark.parametrize(
    ("code", "parent"),
    [
        pytest.param("610727105201", "610727105", id="village"),
        pytest.param("610727105", "610727", id="town"),
        pytest.param("610727", None, id="county"),
    ],
)
def test_parent_code(code: str, parent: str | None) -> None:
    assert parent_code(code) == parent


def test_parent_code_rejects_malformed() -> None:
    with pytest.raises(InvalidInput):
        parent_code("61072710500")


@pytest.mark.parametrize("code", ["610726100201", "610726100", "610726"])
def test_county_code_of_is_the_first_six_digits(code: str) -> None:
    assert county_code_of(code) == "610726"


def test_county_code_of_rejects_malformed() -> None:
    with pytest.raises(InvalidInput):
        county_code_of("6107261")


@pytest.mark.parametrize(
    ("code", "ancestor", "expected"),
    [
        pytest.param("610727105201", "610727105", True, id="village-in-town"),
        pytest.param("610727105201", "610727", True, id="village-in-county"),
        pytest.param("610727105", "610727", True, id="town-in-county"),
        pytest.param("610727105", "610727105", True, id="self"),
        pytest.param("610727106201", "610727105", False, id="village-in-other-town"),
        pytest.param("610728105", "610727", False, id="town-in-other-county"),
        pytest.param("610727105", "610727105201", False, id="town-in-village"),
        pytest.param("610727", "610727105", False, id="county-in-town"),
    ],
)
def test_is_within(code: str, ancestor: str, expected: bool) -> None:
    assert is_within(code, ancestor) is expected


@pytest.mark.parametrize(
    ("code", "ancestor", "field"),
    [
        pytest.param("610727105201", "6107", "ancestor", id="prefecture-prefix"),
        pytest.param("61072710520", "610727", "code", id="bad-code"),
    ],
)
def test_is_within_rejects_malformed(code: str, ancestor: str, field: str) -> None:
    with pytest.raises(InvalidInput) as excinfo:
        is_within(code, ancestor)
    assert excinfo.value.invalid_params[0].name == field


# --- GB/T 36904 certificate identifiers ------------------------------------------------


def test_certificate_example_parses() -> None:
    parsed = parse_certificate_identifier(CERT_EXAMPLE)
    assert parsed == CertificateIdentifier(
        type_code="11100000000013338W011",
        issuer="11430000006122244L",
        serial="20230000403",
        version=1,
        check="U",
    )
    assert str(parsed) == CERT_EXAMPLE
    assert parsed.data == "11100000000013338W01111430000006122244L20230000403001"
    assert is_valid_certificate_identifier(CERT_EXAMPLE)


def test_certificate_example_is_rebuilt() -> None:
    made = make_certificate_identifier(
        "11100000000013338W011", "11430000006122244L", "20230000403", 1
    )
    assert made == CERT_EXAMPLE


def test_mod37_36_known_values() -> None:
    assert mod37_36_check("11100000000013338W01111430000006122244L20230000403001") == "U"
    # Vector from python-stdnum's ISO 7064 MOD 37,36 doctest.
    assert mod37_36_check("A12425GABC1234002") == "M"


def test_certificate_example_usccs_pass_gb32100() -> None:
    # Not required when parsing, but worth knowing: both parts are genuine USCCs.
    assert is_valid_uscc("11100000000013338W")
    assert is_valid_uscc("11430000006122244L")


def test_certificate_parse_tolerates_lowercase_and_blanks() -> None:
    assert str(parse_certificate_identifier(f"  {CERT_EXAMPLE.lower()} ")) == CERT_EXAMPLE


_CERT_PARTS = CERT_EXAMPLE.removeprefix("1.2.156.3005.2.").split(".")


def _cert_with(index: int, part: str) -> str:
    parts = list(_CERT_PARTS)
    parts[index] = part
    return "1.2.156.3005.2." + ".".join(parts)


@pytest.mark.parametrize(
    ("value", "fragment"),
    [
        pytest.param(CERT_EXAMPLE[:-1] + "V", "应为“U”，实际为“V”", id="wrong-check"),
        pytest.param(CERT_EXAMPLE.replace("3005.2", "3005.3"), "开头", id="wrong-prefix"),
        pytest.param(CERT_EXAMPLE.removeprefix("1.2.156."), "开头", id="no-prefix"),
        pytest.param(CERT_EXAMPLE.replace(".20230000403", ""), "实际为 4 段", id="4-parts"),
        pytest.param(CERT_EXAMPLE + ".0", "实际为 6 段", id="6-parts"),
        pytest.param(_cert_with(0, "11100000000013338W01"), "应为 21 位", id="short-type"),
        pytest.param(_cert_with(0, "11100000000013338WA11"), "末 3 位应为数字", id="type-suffix"),
        pytest.param(_cert_with(0, "1110000000001333OW011"), "第 17 位“O”", id="type-forbidden"),
        pytest.param(_cert_with(1, "1143000000612224L"), "应为 18 位", id="short-issuer"),
        pytest.param(_cert_with(1, "1143000000612224IL"), "第 17 位“I”", id="issuer-forbidden"),
        pytest.param(_cert_with(2, ""), "应为 1–32 位", id="empty-serial"),
        pytest.param(_cert_with(2, "1" * 33), "实际为 33 位", id="long-serial"),
        pytest.param(_cert_with(2, "2023-0403"), "第 5 位“-”", id="serial-punctuation"),
        pytest.param(_cert_with(3, "01"), "版本号应为 3 位数字", id="short-version"),
        pytest.param(_cert_with(3, "00A"), "版本号应为 3 位数字", id="letter-version"),
        pytest.param(_cert_with(4, "UU"), "校验位应为 1 个", id="long-check"),
        pytest.param(_cert_with(4, "*"), "校验位应为 1 个", id="symbol-check"),
    ],
)
def test_invalid_certificate_identifiers(value: str, fragment: str) -> None:
    with pytest.raises(InvalidInput) as excinfo:
        parse_certificate_identifier(value)
    assert fragment in reason_of(excinfo)
    assert excinfo.value.invalid_params[0].name == "certificate_identifier"
    assert not is_valid_certificate_identifier(value)


@pytest.mark.parametrize(
    ("type_code", "issuer", "serial", "version"),
    [
        pytest.param("11100000000013338W01", _CERT_PARTS[1], "1", 1, id="short-type"),
        pytest.param("11100000000013338W0A1", _CERT_PARTS[1], "1", 1, id="type-suffix"),
        pytest.param(_CERT_PARTS[0], "1143000000612224OL", "1", 1, id="issuer-forbidden"),
        pytest.param(_CERT_PARTS[0], "11430000006122244l", "1", 1, id="issuer-lowercase"),
        pytest.param(_CERT_PARTS[0], _CERT_PARTS[1], "", 1, id="empty-serial"),
        pytest.param(_CERT_PARTS[0], _CERT_PARTS[1], "A" * 33, 1, id="long-serial"),
        pytest.param(_CERT_PARTS[0], _CERT_PARTS[1], "abc", 1, id="lowercase-serial"),
        pytest.param(_CERT_PARTS[0], _CERT_PARTS[1], "1", -1, id="negative-version"),
        pytest.param(_CERT_PARTS[0], _CERT_PARTS[1], "1", 1000, id="4-digit-version"),
    ],
)
def test_make_certificate_identifier_rejects_bad_parts(
    type_code: str, issuer: str, serial: str, version: int
) -> None:
    with pytest.raises(InvalidInput):
        make_certificate_identifier(type_code, issuer, serial, version)


@pytest.mark.parametrize(
    "data",
    [
        pytest.param("", id="empty"),
        pytest.param("abc", id="lowercase"),
        pytest.param("A-1", id="dash"),
    ],
)
def test_mod37_36_rejects_bad_data(data: str) -> None:
    with pytest.raises(InvalidInput):
        mod37_36_check(data)


def test_certificate_example_every_single_substitution_is_detected() -> None:
    data = parse_certificate_identifier(CERT_EXAMPLE).data
    for position, original in enumerate(data):
        for replacement in ALPHANUMERIC:
            if replacement != original:
                changed = data[:position] + replacement + data[position + 1 :]
                assert mod37_36_check(changed) != "U", changed


uscc_shaped = st.text(alphabet=USCC_ALPHABET, min_size=18, max_size=18)


@st.composite
def certificate_parts(draw: st.DrawFn) -> tuple[str, str, str, int]:
    type_code = draw(uscc_shaped) + draw(st.text(alphabet=string.digits, min_size=3, max_size=3))
    serial = draw(st.text(alphabet=ALPHANUMERIC, min_size=1, max_size=32))
    return type_code, draw(uscc_shaped), serial, draw(st.integers(min_value=0, max_value=999))


@PROPERTY
@given(parts=certificate_parts(), data=st.data())
def test_certificate_property_round_trip_and_substitutions(
    parts: tuple[str, str, str, int], data: st.DataObject
) -> None:
    type_code, issuer, serial, version = parts
    identifier = make_certificate_identifier(type_code, issuer, serial, version)
    parsed = parse_certificate_identifier(identifier)
    assert (parsed.type_code, parsed.issuer, parsed.serial, parsed.version) == parts
    assert str(parsed) == identifier

    # Change one character of the check-covered data, keep the old check character.
    covered = parsed.data
    position = data.draw(st.integers(min_value=0, max_value=len(covered) - 1), label="position")
    replacement = data.draw(
        st.sampled_from(ALPHANUMERIC).filter(lambda c: c != covered[position]),
        label="replacement",
    )
    changed = covered[:position] + replacement + covered[position + 1 :]
    assert mod37_36_check(changed) != parsed.check
    # The same change inside the dotted identifier must be refused by the parser.
    pieces: list[str] = []
    start = 0
    for length in (len(type_code), len(issuer), len(serial)):
        pieces.append(changed[start : start + length])
        start += length
    pieces.append(changed[start:])
    tampered = "1.2.156.3005.2." + ".".join([*pieces, parsed.check])
    assert not is_valid_certificate_identifier(tampered)


# --- Masking ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "masked"),
    [
        pytest.param("61072719900101123X", "6107**********123X", id="18-chars"),
        pytest.param("610727900101123", "6107*******1123", id="15-chars"),
        pytest.param("123456789", "1234*6789", id="9-chars"),
        pytest.param("12345678", "********", id="8-chars"),
        pytest.param("123", "***", id="3-chars"),
        pytest.param("", "", id="empty"),
    ],
)
def test_mask_id_number(value: str, masked: str) -> None:
    assert mask_id_number(value) == masked


@pytest.mark.parametrize(
    ("value", "masked"),
    [
        pytest.param("13812345678", "138****5678", id="mobile"),
        pytest.param("19912345678", "199****5678", id="mobile-19x"),
        pytest.param("12345678901", "*******8901", id="11-digits-not-mobile"),
        pytest.param("0916-3212345", "********2345", id="landline"),
        pytest.param("1234", "****", id="4-chars"),
        pytest.param("", "", id="empty"),
    ],
)
def test_mask_phone(value: str, masked: str) -> None:
    assert mask_phone(value) == masked


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        pytest.param(
            "申请人张三，身份证号13043419840726291X，联系电话13812345678。",
            "申请人张三，身份证号1304**********291X，联系电话138****5678。",
            id="id-and-mobile-in-chinese",
        ),
        pytest.param(
            "event=case_accepted id_number=13043419840726291x phone=13812345678",
            "event=case_accepted id_number=1304**********291x phone=138****5678",
            id="log-line",
        ),
        pytest.param("sfz13043419840726291X", "sfz1304**********291X", id="letters-before-id"),
        pytest.param(
            "流水号13043419840726291200已受理",
            "流水号13043419840726291200已受理",
            id="20-digit-run-untouched",
        ),
        pytest.param("编号1304341984072629123", "编号1304341984072629123", id="19-digit-run"),
        pytest.param("号码138123456789", "号码138123456789", id="12-digit-run"),
        pytest.param("电话+8613812345678", "电话+86138****5678", id="plus-86"),
        pytest.param("电话008613812345678", "电话0086138****5678", id="0086"),
        pytest.param("座机12345678901", "座机12345678901", id="not-a-mobile-prefix"),
        pytest.param(
            "A:13812345678,B:13912345678",
            "A:138****5678,B:139****5678",
            id="two-mobiles",
        ),
        pytest.param("无敏感信息", "无敏感信息", id="nothing"),
    ],
)
def test_mask_text(text: str, masked: str) -> None:
    assert mask_text(text) == masked
    assert mask_text(masked) == masked


chinese = st.text(alphabet="申请人张三身份证号码联系电话，。：", max_size=10)


@PROPERTY
@given(before=chinese, after=chinese, first17=id_prefixes)
def test_mask_text_property_hides_embedded_id(before: str, after: str, first17: str) -> None:
    number = with_id_check(first17)
    masked = mask_text(before + number + after)
    assert number not in masked
    assert mask_id_number(number) in masked

"""The account field rules the service refuses by and the account form hints by."""

from __future__ import annotations

import pytest

from server.services.accounts.accounts import check_account_fields, field_problem
from server.services.core.errors import DomainError


def test_field_problem_names_what_is_wrong():
    assert field_problem("holder_name", "  ") == "required"
    assert field_problem("holder_name", "王" * 120) == ""
    assert field_problem("holder_name", "王" * 121) == "too_long"
    assert field_problem("building", "") == ""  # an account may have no building
    assert field_problem("unit", "1" * 21) == "too_long"
    assert field_problem("room", "1" * 20) == ""
    assert field_problem("mobile", "") == ""
    assert field_problem("mobile", "+86 138-0000-0000") == ""
    assert field_problem("mobile", "138x") == "format"
    assert field_problem("mobile", "1" * 21) == "too_long"
    assert field_problem("campus", "东校区") == ""


def test_the_service_refuses_the_first_wrong_field_in_its_words():
    whole = {"holder_name": "王五", "room": "301", "mobile": "13800000000"}
    check_account_fields("A001", whole)
    with pytest.raises(DomainError, match=r"^户号 A001：户主不能为空$"):
        check_account_fields("A001", {**whole, "holder_name": " ", "mobile": "x"})
    with pytest.raises(DomainError, match=r"^户号 A001：房号最多 20 个字$"):
        check_account_fields("A001", {**whole, "room": "1" * 21, "mobile": "x"})
    with pytest.raises(DomainError, match=r"^户号 A001：手机号「138x」只能含数字、空格和 -$"):
        check_account_fields("A001", {**whole, "mobile": " 138x "})

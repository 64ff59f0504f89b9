"""The approval limit setting and what the command line asks of a named approver."""

from decimal import Decimal as D

import pytest

from server.config import load_settings
from server.services.core.approval import approval_limit, cli_approval
from server.services.core.audit import Actor
from server.services.core.errors import InvalidInput


def test_the_limit_is_read_from_the_settings(tmp_path, monkeypatch):
    assert approval_limit(load_settings(tmp_path)) == D("500")
    monkeypatch.setenv("MD_BILLING_APPROVAL_LIMIT", "1200.50")
    assert approval_limit(load_settings(tmp_path)) == D("1200.50")
    monkeypatch.setenv("MD_BILLING_APPROVAL_LIMIT", "")
    assert approval_limit(load_settings(tmp_path)) is None
    for bad in ("abc", "-1", "NaN"):
        monkeypatch.setenv("MD_BILLING_APPROVAL_LIMIT", bad)
        with pytest.raises(InvalidInput) as refused:
            approval_limit(load_settings(tmp_path))
        expected = f"设置 billing.approval_limit 应为不小于 0 的金额，收到「{bad}」"
        assert str(refused.value) == expected


def test_the_command_line_checks_a_named_approver_only():
    assert cli_approval(None) == {"approval_limit": None, "approver": None}
    qian = Actor(staff_id=7, label="qian")
    assert cli_approval(qian) == {"approval_limit": D("0"), "approver": qian}

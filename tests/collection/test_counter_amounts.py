"""When the counter asks before taking an amount: the `counter` settings and their rule."""

from decimal import Decimal as D
from pathlib import Path

import pytest

from server.config import load_settings
from server.services.collection.counter_view import AmountLimits
from server.services.core.errors import DomainError


@pytest.mark.parametrize(
    ("amount", "owed", "asked"),
    [
        # 138.23 owed: 10 × = 1,382.30, + 2,000 = 2,138.23; both must be passed.
        ("11000005.00", "138.23", True),
        ("2138.23", "138.23", False),
        ("2138.24", "138.23", True),
        # 500 owed: 10 × = 5,000 is the higher bar.
        ("5000.00", "500.00", False),
        ("5000.01", "500.00", True),
        # Nothing owed (a prepaid top-up): anything above 2,000 is asked about.
        ("2000.00", "0.00", False),
        ("2000.01", "0.00", True),
        # In credit counts as owing nothing.
        ("2000.01", "-50.00", True),
    ],
)
def test_the_default_limits(amount: str, owed: str, asked: bool):
    assert AmountLimits().unusual(D(amount), D(owed)) is asked


def test_the_limits_come_from_the_settings_file_and_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    for name in ("MD_COUNTER_CONFIRM_MULTIPLE", "MD_COUNTER_CONFIRM_MARGIN"):
        monkeypatch.delenv(name, raising=False)
    assert AmountLimits.from_settings(load_settings(tmp_path)) == AmountLimits(D(10), D(2000))
    (tmp_path / "meterdesk.toml").write_text(
        '[counter]\nconfirm_multiple = "3"\nconfirm_margin = "500"\n', encoding="utf-8"
    )
    limits = AmountLimits.from_settings(load_settings(tmp_path))
    assert limits == AmountLimits(D(3), D(500))
    assert limits.unusual(D("600.01"), D("100.00")) and not limits.unusual(D("600"), D("100"))
    monkeypatch.setenv("MD_COUNTER_CONFIRM_MARGIN", "lots")
    refused = r"^设置 counter\.confirm_margin 应为不小于 0 的数，收到「lots」$"
    with pytest.raises(DomainError, match=refused):
        AmountLimits.from_settings(load_settings(tmp_path))

"""Messages a person reads: a bad month is called a bad month, and values are quoted the
Chinese way (「…」), never as Python reprs ('…')."""

import ast
from pathlib import Path

import pytest

from server.services.core.calendar import Period
from server.services.core.errors import DomainError
from server.services.core.money import money_of
from server.services.reports.common import parse_day, parse_month

ROOT = Path(__file__).resolve().parents[2]
# Refusals a provider's callback gets (logged, never shown to a person).
NOT_SHOWN = {"NotifyRejected", "ProviderUnavailable"}


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("2026-13", "月份无效：2026-13（月份应为 01–12）"),
        ("2026-00", "月份无效：2026-00（月份应为 01–12）"),
        (" 2026-13 ", "月份无效：2026-13（月份应为 01–12）"),
        ("2026-1", "账期格式应为 YYYY-MM（如 2026-03），收到「2026-1」"),
        ("2026/03", "账期格式应为 YYYY-MM（如 2026-03），收到「2026/03」"),
        ("三月", "账期格式应为 YYYY-MM（如 2026-03），收到「三月」"),
    ],
)
def test_a_bad_period_says_what_is_wrong(text, message):
    with pytest.raises(DomainError) as refused:
        Period.parse(text)
    assert str(refused.value) == message


def test_good_periods_parse():
    assert Period.parse("2026-12") == Period(2026, 12)
    assert Period.parse(" 2026-01 ") == Period(2026, 1)


@pytest.mark.parametrize(
    ("parse", "text", "message"),
    [
        (lambda t: parse_month(t, "开始账期"), "2026-13", "月份无效：2026-13（月份应为 01–12）"),
        (
            lambda t: parse_month(t, "开始账期"),
            "26-03",
            "开始账期格式应为 YYYY-MM（如 2026-03），收到「26-03」",
        ),
        (
            lambda t: parse_day(t, "开始日期"),
            "2026-02-30",
            "日期无效：2026-02-30（该月没有这一天）",
        ),
        (
            lambda t: parse_day(t, "开始日期"),
            "2026/02/03",
            "开始日期格式应为 YYYY-MM-DD，收到「2026/02/03」",
        ),
        (lambda t: money_of(t, "收款金额"), "12元", "收款金额应为数字，收到「12元」"),
    ],
)
def test_report_filters_and_amounts_quote_the_chinese_way(parse, text, message):
    with pytest.raises(DomainError) as refused:
        parse(text)
    assert str(refused.value) == message


def _repr_refusals(path: Path) -> list[str]:
    """`raise SomeError(f"...{x!r}...")` where SomeError is shown to a person."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = []
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Raise) and isinstance(node.exc, ast.Call)):
            continue
        name = getattr(node.exc.func, "id", getattr(node.exc.func, "attr", ""))
        if not name.endswith(("Error", "NotFound", "Denied", "Failed", "Limited", "Parameter")):
            continue
        if name in NOT_SHOWN or name in {"ValueError", "TypeError", "RuntimeError"}:
            continue
        for value in ast.walk(node.exc):
            if isinstance(value, ast.FormattedValue) and value.conversion == ord("r"):
                found.append(f"{path.name}:{node.lineno}")
    return found


def test_no_refusal_quotes_a_python_repr():
    sources = sorted([*(ROOT / "server").rglob("*.py"), *(ROOT / "desktop").rglob("*.py")])
    offences = [hit for path in sources for hit in _repr_refusals(path)]
    assert offences == []


def test_the_repr_check_finds_one(tmp_path):
    sample = tmp_path / "m.py"
    sample.write_text(
        'def f(x):\n    raise DomainError(f"收到 {x!r}")\n'
        'def g(x):\n    raise ValueError(f"not {x!r}")\n',
        encoding="utf-8",
    )
    assert _repr_refusals(sample) == ["m.py:2"]

"""现场抄录 of a figure that would be flagged 用量突增: the page says so and saves nothing
until the reader confirms (headless mobile browser)."""

from __future__ import annotations

from sqlalchemy import text

from server.db.engine import unit_of_work
from server.services.core.audit import Actor
from server.services.core.calendar import Period, now
from server.services.staff.org import add_staff_with_role
from tests import factories
from tests.companion.test_appointments_browser import staff_sign_in
from tests.companion.test_h5_browser import png


def field_readings(live) -> list[tuple[str, str, list[str], bool]]:
    with live.sessions() as session:
        rows = session.execute(
            text(
                "select value::text, status, flags, photo_id is not null from reading"
                " where source = 'field' order by id"
            )
        ).all()
    return [tuple(row) for row in rows]


def reader_with_a_meter(phone, live, login: str, meter_no: str) -> None:
    """A signed-in reader, and a meter read on the 1st of each of the last five months at
    1000, 1100, … 1400: four months of 100 kWh, so more than 300 this month is a surge."""
    this = Period.of(now())
    with unit_of_work(live.sessions) as session:
        add_staff_with_role(
            session, Actor("t"), login=login, name="冯抄表", password=f"{login}-pass",
            role="reader", branch_code=None,
        )  # fmt: skip
        factories.meter(session, meter_no, factories.account(session))
        for months_back, value in ((5, "1000"), (4, "1100"), (3, "1200"), (2, "1300"), (1, "1400")):
            day = f"{this.shift(-months_back)}-01"
            factories.read(session, meter_no, day, value, source="import")
    staff_sign_in(phone, live, login, f"{login}-pass", "/staff/readings/new")


def test_a_surge_is_saved_only_once_the_reader_confirms_it(phone, live, tmp_path):
    reader_with_a_meter(phone, live, "reader9", "E9")
    phone.fill("#meter_no", "E9")
    phone.fill("#value", "2400")
    phone.set_input_files("#photo", png(tmp_path, "e9.png", (640, 480)))
    phone.get_by_role("button", name="保存").click()
    surge = phone.locator("#surge")
    assert surge.locator("h2").inner_text() == "用量突增，读数尚未保存"
    assert "读数 2400，上次 1400，本次用量 1000 kWh（近几个月月均 100 kWh）" in surge.inner_text()
    assert field_readings(live) == []
    assert "已附照片" in phone.locator("#photo-kept").inner_text()

    # A figure edited on the confirmation page is judged again, not taken as confirmed.
    phone.fill("#value", "2500")
    phone.get_by_role("button", name="按修改后的读数保存").click()
    assert "本次用量 1100 kWh" in phone.locator("#surge").inner_text()
    assert field_readings(live) == []

    phone.get_by_role("button", name="确认保存").click()
    result = phone.locator("#result").inner_text()
    assert "已记录 E9：2500" in result and "本次用量 1100" in result
    assert phone.locator("#anomaly").inner_text() == "用量突增"
    assert field_readings(live) == [("2500.000", "accepted", ["surge"], True)]


def test_an_ordinary_reading_is_saved_at_once(phone, live, tmp_path):
    reader_with_a_meter(phone, live, "reader10", "E10")
    phone.fill("#meter_no", "E10")
    phone.fill("#value", "1490")
    phone.set_input_files("#photo", png(tmp_path, "e10.png", (640, 480)))
    phone.get_by_role("button", name="保存").click()
    assert "已记录 E10：1490" in phone.locator("#result").inner_text()
    assert phone.locator("#surge").count() == 0
    assert field_readings(live) == [("1490.000", "accepted", [], True)]

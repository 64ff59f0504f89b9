"""meterdesk import handheld, handheld profiles/route, labels — against a fresh database."""

from __future__ import annotations

import io
import json
import socket
import threading

import openpyxl
import pytest
from click.testing import CliRunner
from pypdf import PdfReader
from sqlalchemy import create_engine

from devices.handheld import dbf_bytes
from server.cli import cli
from server.db.engine import make_sessionmaker, unit_of_work
from server.db.models import Meter
from tests import factories as f

DBF_PROFILE = "DBF 掌上机（BH/FLA/CBSJ/CBZT）"


@pytest.fixture
def runner():
    return CliRunner()


@pytest.fixture
def world(md_env):
    engine = create_engine(md_env)
    with unit_of_work(make_sessionmaker(engine)) as session:
        a = f.account(session)
        f.meter(session, "E1", a)
        f.meter(session, "W1", a, kind="water")
        session.execute(
            Meter.__table__.update()
            .where(Meter.meter_no == "E1")
            .values(hardware_no="000011112222")
        )
        f.read(session, "E1", "2026-10-20", "1000")
    engine.dispose()
    return md_env


def test_import_handheld_twice_json_dry_run_and_result_workbook(runner, world, tmp_path):
    path = tmp_path / "cb.dbf"
    path.write_bytes(
        dbf_bytes(
            ["BH", "FLA", "CBSJ", "CBZT"],
            [
                ("000011112222", "1100", "2026-11-20 09:30:00", "1"),
                ("W1", None, "", "0"),
                ("X9", "5", "2026-11-20 09:31:00", "1"),
            ],
            numeric={"FLA"},
        )
    )
    args = ["import", "handheld", str(path), "--profile", DBF_PROFILE]
    dry = runner.invoke(cli, [*args, "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert (
        dry.output.splitlines()[-1]
        == "试导入（未写入） cb.dbf：共 3 行，已导入 1，未知表计 1，未抄 1"
    )
    result = runner.invoke(cli, [*args, "--json", "-o", str(tmp_path / "r.xlsx")])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["counts"]["imported"] == 1 and data["dry_run"] is False
    assert data["lines"][0] | {"reading_id": None, "read_at": None} == {
        "line": 1,
        "outcome": "imported",
        "message": "用量 100",
        "hardware_no": "000011112222",
        "meter_no": "E1",
        "value": "1100",
        "read_at": None,
        "flags": [],
        "status": "accepted",
        "reading_id": None,
    }
    sheet = openpyxl.load_workbook(tmp_path / "r.xlsx").active
    rows = list(sheet.iter_rows(min_row=2, values_only=True))
    assert rows[0] == ("行号", "结果", "硬件号", "表号", "读数", "抄表时间", "说明")
    assert (
        rows[3][:4] == (3, "未知表计", "X9", None) and rows[3][6] == "硬件号/表号 X9 没有对应的表计"
    )
    again = runner.invoke(cli, args)
    assert again.output.splitlines() == [
        "第 2 行\t未抄\tW1\t掌上机标记为未抄",
        "第 3 行\t未知表计\tX9\t硬件号/表号 X9 没有对应的表计",
        "导入 cb.dbf：共 3 行，重复 1，未知表计 1，未抄 1",
    ]


def test_refusals_exit_2_with_a_chinese_message(runner, world, tmp_path):
    path = tmp_path / "r.csv"
    path.write_bytes(b"a,b\r\n1,2\r\n")
    result = runner.invoke(cli, ["import", "handheld", str(path), "--profile", "没有这个"])
    assert result.exit_code == 2
    assert result.output.startswith("错误：导入方案 没有这个 不存在；现有方案：")
    result = runner.invoke(cli, ["labels", "--building", "9号楼", "-o", str(tmp_path / "x.pdf")])
    assert (result.exit_code, result.output) == (2, "错误：楼宇 9号楼 不存在\n")


def test_profiles_and_route(runner, world, tmp_path):
    listed = runner.invoke(cli, ["handheld", "profiles"]).output.splitlines()
    assert any(line.endswith(f"{DBF_PROFILE}\tdbf\tgbk\tBH/FLA/CBSJ/CBZT\t内置") for line in listed)
    out = tmp_path / "route.csv"
    result = runner.invoke(
        cli,
        [
            "handheld",
            "route",
            "--building",
            "1号楼",
            "--profile",
            "CSV 通用（GBK，逗号分隔）",
            "-o",
            str(out),
        ],
    )
    assert result.output == f"已写入 {out}：2 块表\n"
    assert out.read_bytes().decode("gbk").splitlines()[1:] == [
        "000011112222,E1,东校区 1号楼 2单元301,1000,,,0",
        "W1,W1,东校区 1号楼 2单元301,,,,0",
    ]


def test_labels_pdf_and_to_a_printer_port(runner, world, tmp_path):
    out = tmp_path / "labels.pdf"
    result = runner.invoke(cli, ["labels", "--meters", "W1,E1", "--sheet", "a4", "-o", str(out)])
    assert result.output == f"已写入 {out}：2 张标签\n"
    text = PdfReader(io.BytesIO(out.read_bytes())).pages[0].extract_text()
    assert "W1" in text and "E1" in text and "东校区 1号楼" in text and "水表" in text

    listener = socket.create_server(("127.0.0.1", 0))
    received = bytearray()

    def serve() -> None:
        conn, _ = listener.accept()
        with conn:
            while chunk := conn.recv(4096):
                received.extend(chunk)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    port = listener.getsockname()[1]
    result = runner.invoke(
        cli,
        [
            "labels",
            "--building",
            "东校区/1号楼",
            "--printer",
            "zpl",
            "--to",
            f"socket://127.0.0.1:{port}",
        ],
    )
    thread.join(timeout=5)
    listener.close()
    assert result.exit_code == 0, result.output
    assert result.output.startswith(f"已发送 2 张标签到 socket://127.0.0.1:{port}（")
    assert received.count(b"^XA") == 2 and b"^FDE1^FS" in received

"""`meterdesk frame decode|encode`: the field engineer's tool (no database needed)."""

import json

import pytest
from click.testing import CliRunner

from server.cli import cli

REPLY_2007 = "68 01 00 00 00 00 00 68 91 08 33 33 34 33 9A 78 56 34 D3 16"


@pytest.fixture
def runner():
    return CliRunner()


def test_decode_a_2007_reply(runner):
    result = runner.invoke(cli, ["frame", "decode", *REPLY_2007.split()])
    assert result.exit_code == 0, result.output
    assert result.output == (
        "协议 dlt645-2007  正常应答\n"
        "地址 000000000001  控制码 91H  数据标识 00010000\n"
        "正向有功总电能 = 12345.67 kWh\n"
    )


def test_decode_json_drops_the_echo(runner):
    capture = "FE FE FE FE 68 01 00 00 00 00 00 68 11 04 33 33 34 33 B3 16 FE FE " + REPLY_2007
    result = runner.invoke(cli, ["frame", "decode", capture, "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output) == {
        "protocol": "dlt645-2007",
        "kind": "正常应答",
        "address": "000000000001",
        "control": "91",
        "di": "00010000",
        "values": [{"name": "正向有功总电能", "value": "12345.67", "unit": "kWh"}],
        "error": None,
        "details": {},
    }


def test_decode_abnormal_1997_and_a_request(runner):
    # C1H, L=01, error byte 02H+33H = 35H; CS = 68+01+68+C1+01+35 = 456 = 1C8H → C8H.
    result = runner.invoke(cli, ["frame", "decode", "--json", "6801000000000068C10135C816"])
    data = json.loads(result.output)
    assert (data["protocol"], data["control"], data["error"]) == ("dlt645-1997", "C1", "数据标识错")
    result = runner.invoke(cli, ["frame", "decode", "68 01 00 00 00 00 00 68 01 02 43 C3 DA 16"])
    assert result.output.splitlines() == [
        "协议 dlt645-1997  读数据请求",
        "地址 000000000001  控制码 01H  数据标识 9010",
    ]


def test_decode_a_water_meter_reply(runner):
    body = bytes.fromhex(
        "68 10 44 33 22 11 00 33 78 81 16 1F 90 00"
        " 00 77 66 55 2C 00 77 66 55 2C 31 01 22 11 05 15 20 21 84"
    )
    frame = (body + bytes([sum(body) & 0xFF, 0x16])).hex(" ")
    data = json.loads(runner.invoke(cli, ["frame", "decode", "--json", frame]).output)
    assert data["protocol"] == "cjt188" and data["di"] == "901F"
    assert data["address"] == "78330011223344"
    assert data["values"] == [
        {"name": "当前累积流量", "value": "556677.00", "unit": "m³"},
        {"name": "结算日累积流量", "value": "556677.00", "unit": "m³"},
    ]
    assert data["details"]["clock"] == "2015-05-11T22:01:31"
    assert data["details"]["status"] == "21 84"
    text = runner.invoke(cli, ["frame", "decode", frame]).output
    assert "表内时间：2015-05-11T22:01:31" in text and "仪表类型：10 冷水水表" in text


def test_a_bad_frame_exits_2_with_the_reason(runner):
    bad = REPLY_2007[:-5] + "D4 16"
    result = runner.invoke(cli, ["frame", "decode", bad])
    assert result.exit_code == 2
    assert result.output == "错误：校验和错误：应为 D3H，实为 D4H（第 18 字节）\n"
    result = runner.invoke(cli, ["frame", "decode", "--json", bad])
    assert result.exit_code == 2
    assert json.loads(result.output) == {"error": "校验和错误：应为 D3H，实为 D4H（第 18 字节）"}
    result = runner.invoke(cli, ["frame", "decode", "68 0G"])
    assert (result.exit_code, result.output) == (2, "错误：不是十六进制：第 4 个字符 'G'\n")


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (
            ["--protocol", "dlt645-2007", "--address", "000000000001", "--di", "00010000"],
            "68 01 00 00 00 00 00 68 11 04 33 33 34 33 B3 16",
        ),
        (
            ["--protocol", "dlt645-1997", "--address", "1", "--di", "9010"],
            "68 01 00 00 00 00 00 68 01 02 43 C3 DA 16",
        ),
        (
            ["--protocol", "dlt645-2007", "--address", "AAAAAAAAAAAA", "--wakeup", "2"],
            "FE FE 68 AA AA AA AA AA AA 68 13 00 DF 16",
        ),
        (
            [
                "--protocol",
                "cjt188",
                "--address",
                "78330011223344",
                "--di",
                "901F",
                "--di-order",
                "little",
            ],
            "68 10 44 33 22 11 00 33 78 01 03 1F 90 00 80 16",
        ),
    ],
)
def test_encode(runner, args, expected):
    result = runner.invoke(cli, ["frame", "encode", *args])
    assert result.exit_code == 0, result.output
    assert result.output == expected + "\n"


def test_encode_refuses_bad_input(runner):
    result = runner.invoke(
        cli, ["frame", "encode", "--protocol", "dlt645-2007", "--address", "1", "--di", "9010"]
    )
    assert (result.exit_code, result.output) == (
        2,
        "错误：数据标识 '9010' 应为 8 位十六进制（dlt645-2007）\n",
    )
    result = runner.invoke(
        cli, ["frame", "encode", "--protocol", "cjt188", "--address", "X1", "--di", "901F"]
    )
    assert result.exit_code == 2 and "表地址 'X1'" in result.output


def test_encoded_frames_decode_back(runner):
    raw = runner.invoke(
        cli, ["frame", "encode", "--protocol", "dlt645-2007", "--address", "12", "--di", "02010100"]
    ).output
    data = json.loads(runner.invoke(cli, ["frame", "decode", "--json", raw]).output)
    assert (data["kind"], data["address"], data["di"]) == ("读数据请求", "000000000012", "02010100")


# --- switching commands (费控) --------------------------------------------------------

# Hand-computed in tests/devices/test_control.py (TRIP, REFUSED, the valve frames).
TRIP = "68 01 00 00 00 00 00 68 1C 10 35 89 67 45 AB 89 67 45 4D 33 33 33 47 3A 45 59 4C 16"
CONTROL = ["--password", "02123456", "--operator", "12345678", "--until", "2026-12-07 14:00:00"]


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["--protocol", "dlt645-2007", "--address", "1", "--command", "trip", *CONTROL], TRIP),
        (
            ["--protocol", "cjt188", "--address", "00000019121301", "--command", "valve-open"],
            "68 10 01 13 12 19 00 00 00 04 04 A0 17 00 55 CB 16",
        ),
        (
            [
                "--protocol",
                "cjt188",
                "--address",
                "00000019121301",
                "--command",
                "valve-close",
                "--wakeup",
                "3",
            ],
            "FE FE FE 68 10 01 13 12 19 00 00 00 04 04 A0 17 00 99 0F 16",
        ),
    ],
)
def test_encode_switching_commands(runner, args, expected):
    result = runner.invoke(cli, ["frame", "encode", *args])
    assert result.exit_code == 0, result.output
    assert result.output == expected + "\n"


def test_every_control_command_encodes_its_n1(runner):
    codes = {"close-allow": "4E", "close": "4F", "alarm": "5D", "alarm-off": "5E"}
    codes |= {"hold": "6D", "hold-off": "6E"}
    for command, n1 in codes.items():
        args = ["--protocol", "dlt645-2007", "--address", "1", "--command", command, *CONTROL]
        out = runner.invoke(cli, ["frame", "encode", *args]).output.split()
        assert out[18] == n1, command  # N1 + 33H


def test_decode_control_request_and_replies(runner):
    result = runner.invoke(cli, ["frame", "decode", TRIP])
    assert result.output.splitlines() == [
        "协议 dlt645-2007  控制命令",
        "地址 000000000001  控制码 1CH",
        "命令有效截止时间 = 2026-12-07 14:00:00",
        "控制类型：跳闸",
        "密码（权限在前）：02123456",
        "操作者代码：12345678",
    ]
    refused = runner.invoke(cli, ["frame", "decode", "--json", "6801000000000068DC0137E516"])
    data = json.loads(refused.output)
    assert (data["kind"], data["control"], data["error"], data["details"]) == (
        "控制命令异常应答",
        "DC",
        "密码错/未授权",
        {"error_code": "04"},
    )
    ok = runner.invoke(cli, ["frame", "decode", "68 01 00 00 00 00 00 68 9C 00 6D 16"])
    assert ok.output.splitlines() == [
        "协议 dlt645-2007  控制命令正常应答",
        "地址 000000000001  控制码 9CH",
    ]
    # The valve reply of test_control.py: ST 01 00, closed.
    valve = runner.invoke(
        cli, ["frame", "decode", "--json", "68 10 01 00 00 00 00 00 00 84 05 A0 17 01 01 00 BB 16"]
    )
    data = json.loads(valve.output)
    assert (data["kind"], data["di"], data["details"]["valve"]) == ("阀门控制应答", "A017", "关")


def test_decode_relay_status_word(runner):
    # 04000503 = 1010H: relay open, 保电 (test_control.py STATUS_HELD_OPEN).
    result = runner.invoke(
        cli, ["frame", "decode", "68 01 00 00 00 00 00 68 91 06 36 38 33 37 43 43 C6 16"]
    )
    assert result.output.splitlines() == [
        "协议 dlt645-2007  正常应答",
        "地址 000000000001  控制码 91H  数据标识 04000503",
        "电表运行状态字3 = 1010",
        "继电器：断",
        "保电：是",
    ]


def test_encode_switching_refuses_bad_input(runner):
    base = ["frame", "encode", "--protocol", "dlt645-2007", "--address", "1"]
    result = runner.invoke(cli, [*base, "--command", "trip", "--password", "02123456"])
    assert (result.exit_code, result.output) == (2, "错误：控制命令需要有效截止时间（--until）\n")
    result = runner.invoke(cli, [*base, "--command", "valve-open", *CONTROL])
    assert result.exit_code == 2 and "DL/T 645-2007 控制命令应为 trip、" in result.output
    result = runner.invoke(cli, [*base, "--command", "trip", *CONTROL[2:], "--password", "123"])
    assert result.exit_code == 2 and "密码 '123' 应为 8 位十六进制" in result.output
    result = runner.invoke(cli, [*base, "--command", "trip", "--di", "00010000", *CONTROL])
    assert (result.exit_code, result.output) == (2, "错误：--di 与 --command 只能给一个\n")
    cjt = ["frame", "encode", "--protocol", "cjt188", "--address", "1", "--command", "trip"]
    result = runner.invoke(cli, cjt)
    assert result.exit_code == 2 and "CJ/T 188 只有 valve-open 与 valve-close" in result.output

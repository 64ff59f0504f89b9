"""The [pay] settings: keys and certificates from files named in the config, a PKCS#12
signing certificate as UnionPay issues it, and clear refusals naming the setting."""

from __future__ import annotations

from decimal import Decimal as D
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.serialization import BestAvailableEncryption, pkcs12

from server.services.online_pay import providers_of
from server.services.online_pay.config import PayConfigError
from tests.payfakes import Keys, load_config, write_config


@pytest.fixture(scope="module")
def keys() -> Keys:
    return Keys()


def _set(home: Path, **changes: str) -> None:
    path = home / "meterdesk.toml"
    lines = path.read_text(encoding="utf-8").splitlines()
    kept = [line for line in lines if line.split(" = ")[0] not in changes]
    kept += [f'{k} = "{v}"' for k, v in changes.items()]
    path.write_text("\n".join(kept) + "\n", encoding="utf-8")


def test_both_providers_load_from_files(tmp_path: Path, keys: Keys) -> None:
    write_config(tmp_path, keys, "http://127.0.0.1:9")
    config = load_config(tmp_path)
    assert set(providers_of(config)) == {"wechat", "unionpay"}
    assert config.unionpay is not None
    assert config.unionpay.cert_id == str(keys.up_merchant_cert.serial_number)
    assert config.order_expiry.total_seconds() == 1800
    assert (config.topup_min, config.topup_max) == (D("10.00"), D("5000.00"))


def test_unionpay_pkcs12_signing_certificate(tmp_path: Path, keys: Keys) -> None:
    write_config(tmp_path, keys, "http://127.0.0.1:9")
    pfx = pkcs12.serialize_key_and_certificates(
        b"acp_sign", keys.up_merchant_key, keys.up_merchant_cert, None,
        BestAvailableEncryption(b"000000"),
    )  # fmt: skip
    (tmp_path / "acp_sign.pfx").write_bytes(pfx)
    _set(
        tmp_path,
        unionpay_sign_cert_path=str(tmp_path / "acp_sign.pfx"),
        unionpay_sign_key_path="",
        unionpay_sign_cert_password="000000",
    )
    config = load_config(tmp_path)
    assert config.unionpay is not None
    assert config.unionpay.cert_id == str(keys.up_merchant_cert.serial_number)
    _set(tmp_path, unionpay_sign_cert_password="wrong")
    with pytest.raises(PayConfigError, match="密码"):
        load_config(tmp_path)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"wechat_api_v3_key": "short"}, "32 个字符"),
        ({"wechat_private_key_path": "/nonexistent/key.pem"}, "wechat_private_key_path"),
        ({"wechat_platform_serial": ""}, "wechat_platform_serial 未设置"),
        ({"unionpay_root_cert_path": ""}, "unionpay_root_cert_path 未设置"),
        ({"query_after_minutes": "soon"}, "query_after_minutes"),
        ({"wechat_notify_url": ""}, "wechat_notify_url 未设置"),
        ({"unionpay_back_notify_url": ""}, "unionpay_back_notify_url 未设置"),
        ({"topup_min": "十元"}, "pay.topup_min应为数字"),
        ({"topup_max": "0"}, "pay.topup_max必须大于 0"),
        ({"topup_min": "600", "topup_max": "500"}, r"pay.topup_min（600.00）不能大于"),
    ],
)
def test_refusals_name_the_setting(
    tmp_path: Path, keys: Keys, changes: dict[str, str], message: str
) -> None:
    write_config(tmp_path, keys, "http://127.0.0.1:9")
    _set(tmp_path, **changes)
    with pytest.raises(PayConfigError, match=message):
        load_config(tmp_path)


def test_no_merchant_number_means_not_offered(tmp_path: Path, keys: Keys) -> None:
    write_config(tmp_path, keys, "http://127.0.0.1:9")
    _set(tmp_path, wechat_mch_id="", unionpay_mer_id="")
    assert providers_of(load_config(tmp_path)) == {}

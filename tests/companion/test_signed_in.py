"""Pages that need someone signed in send whoever is not to the sign-in page, each with
where to come back to; the one check answers every page the same way."""

from __future__ import annotations

import pytest
import requests


@pytest.mark.parametrize(
    ("method", "path", "target"),
    [
        ("get", "/h5/", "/h5/login?next=/h5/"),
        ("get", "/h5/usage?account=3", "/h5/login?next=/h5/usage%3Faccount%3D3"),
        ("get", "/h5/bills", "/h5/login?next=/h5/bills"),
        ("post", "/h5/bindings", "/h5/login?next=/h5/bindings"),
        ("get", "/h5/pay", "/h5/login?next=/h5/pay"),
        # A paper notice's QR code: back to its account after signing in.
        ("get", "/h5/pay?account=7", "/h5/login?next=/h5/pay%3Faccount%3D7"),
        ("get", "/h5/pay/result?order=MD1", "/h5/login?next=/h5/pay"),
        ("get", "/staff/", "/staff/login"),
        ("get", "/staff/usage?q=A001", "/staff/login?next=/staff/usage"),
        ("get", "/staff/readings/new?meter_no=E1", "/staff/login?next=/staff/readings/new"),
        ("post", "/staff/readings", "/staff/login"),
    ],
)
def test_a_page_sends_whoever_is_not_signed_in_to_sign_in(live, method, path, target):
    answer = getattr(requests, method)(f"{live.url}{path}", allow_redirects=False, timeout=5)
    assert (answer.status_code, answer.headers["location"]) == (303, target)


def test_the_pay_form_sent_without_a_session_goes_to_sign_in_before_anything_else(live):
    answer = requests.post(
        f"{live.url}/h5/pay",
        data={"account": "1", "provider": "wechat", "csrf_token": "stale"},
        allow_redirects=False,
        timeout=5,
    )
    assert (answer.status_code, answer.headers["location"]) == (303, "/h5/login?next=/h5/pay")

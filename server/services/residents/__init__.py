"""Residents on WeChat: their WeChat users (`wechat_users`), bindings to accounts, the
portal (bills, self-reads, payment), service requests, bulletins (公告), template
messages, the outbox that sends them, and SMS.

May import every package above it: `core`, `staff`, `accounts`, `metering`, `billing`,
`collection` and `online_pay`.
"""

"""Domain services: one package per domain, one function per use case.

Services take a session and never commit; the caller's unit of work does.

The packages, each importing only the ones before it (tests/test_layers.py checks):

    core        errors, money, business calendar and workdays, audit, permissions, photos,
                numbering, rate limits
    staff       org, sign-in, one's own profile, staff admin
    accounts    accounts, customer classes, account changes
    metering    meters and places, readings and their rules, the reading-ingest engine
                and its sources, review desk, route sheets, labels
    control     prepaid control (费控): switch commands and their queue, 保电, the policy,
                a payment's switch-on
    billing     tariffs, the billing run, bills, late fees, payment notices
    collection  payments, receipts, till, counter read models, settlement, exports
    online_pay  providers, orders, callbacks, reconciliation
    residents   WeChat users, bindings, portal, requests, bulletins, template messages,
                outbox, SMS
    reports     set-based report queries returning `TableReport`, the dashboard
    legacy      the old system's workbook: sheets → plan → the ingest engine

Demo data (`server.demo`) and operations (`server.ops`) build on these; no service
imports them.
"""

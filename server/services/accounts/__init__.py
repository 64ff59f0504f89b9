"""Billing accounts (户号): accounts and their customer classes, the balance ledger of
prepaid accounts, account changes and closing.

May import `core` and `staff`.
"""

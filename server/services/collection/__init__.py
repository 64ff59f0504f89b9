"""Taking money: payments, receipts, the till and its day, refunds, the counter's read
models (`counter_view`, and `account_detail` for the accounts page), settlement and
payment exports.

May import `core`, `staff`, `accounts`, `metering` and `billing`.
"""

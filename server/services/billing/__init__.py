"""Bills: tariffs and the tariff desk, the billing run, bills and their states
(`bills`, which also says what a bill has been paid), late fees, and payment notices
(缴款通知单).

May import `core`, `staff`, `accounts` and `metering`.
"""

"""Meters and readings: meters and their places, readings and the rules that judge them
(`usage_rules`), the reading-ingest engine every bulk source goes through (`ingest`), the
sources themselves (desk and field entry, handheld files, BLE, bench reads, the remote
platform), the review desk, route sheets and labels.

May import `core`, `staff` and `accounts`; never `legacy`, which builds on `ingest`.
"""

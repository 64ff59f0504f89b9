"""Meters and readings: meters and their places, readings and the rules that judge them
(`usage_rules`), the reading-ingest engine every source goes through (`ingest`: the figure
check, the meter lookup, the judgement against the database one reading at a time or many
in time order, the bulk write), the sources themselves (desk and field entry through
`readings.record_reading`, handheld files read by `handheld_lines`, BLE, bench reads, the
remote platform), the review desk, route sheets and labels.

May import `core`, `staff` and `accounts`; never `legacy`, which builds on `ingest`.
"""

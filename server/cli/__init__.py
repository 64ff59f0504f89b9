"""`meterdesk`: the operator's command line.

`core` holds the root group and what every command shares; each domain module (`accounts`,
`metering`, `billing`, `collection`, `online_pay`, `residents`, `reports`, `imports`,
`staff`, `ops`, `demo`, `devices`, `companion`) registers its commands on the root group.
"""

from server.cli.core import cli


def main() -> None:
    cli(prog_name="meterdesk")


__all__ = ["cli", "main"]

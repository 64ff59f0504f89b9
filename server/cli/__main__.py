"""`python -m server.cli`: how the demo and the tests start `meterdesk serve` as a child."""

from server.cli import main

main()

"""Running an installation: backup and restore, the doctor's checks, diagnostics for
support, and setting up a PC (which may seed the demo).

Built on `server.services` (and `server.demo`); no service imports this package.
"""

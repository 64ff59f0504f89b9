"""Domain services: one module per area, one function per use case.

Services take a session and never commit; the caller's unit of work does.
"""

"""Demo and benchmark data: the simulated clock, the campuses, masters and meters of the
demo, a year of readings and counter activity, and the bench's larger data sets.

Built on `server.services`; no service imports this package.
"""

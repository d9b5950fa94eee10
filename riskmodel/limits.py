"""The limits riskmodel enforces before it starts a piece of work, stated once.

This module imports nothing, so the command line's argument parsers can read it
without loading numpy or pandas (``riskmodel --help`` stays instant).

>>> MAX_MONTHS, MAX_DRAWS
(600, 100000)
"""

#: Longest horizon, start or duration of a cut, in months (a scenario's ``months``).
MAX_MONTHS = 600
#: Most Monte Carlo draws one call takes (each draw is a full simulation of the chain).
MAX_DRAWS = 100_000

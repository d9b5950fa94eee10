"""The limits riskmodel enforces before it starts a piece of work, stated once.

This module imports nothing, so the command line's argument parsers can read it
without loading numpy or pandas (``riskmodel --help`` stays instant).

>>> MAX_MONTHS, MAX_DRAWS, MEMORY_BUDGET // 1024**3
(600, 100000, 2)
"""

#: Longest horizon, start or duration of a cut, in months (a scenario's ``months``).
MAX_MONTHS = 600
#: Most Monte Carlo draws one call takes (each draw is a full simulation of the chain).
MAX_DRAWS = 100_000
#: Bytes the working arrays of one batch of scenario columns may take (scoring,
#: simulation, Monte Carlo and cut sets all size their batches to it, through
#: :func:`riskmodel.engine.batch_columns`): 2 GiB leaves room on an 8 GB laptop.
MEMORY_BUDGET = 2 * 1024**3

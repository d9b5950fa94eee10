"""The ``riskmodel`` command line.

``main(argv=None) -> int``: errors print one clear line (or one list) to stderr and
return 1; usage errors return 2. Heavy modules are imported only by the command that
needs them, so ``riskmodel --help`` is instant.

- ``run``: :func:`main`, the error handling and the signals;
- ``parser``: :func:`build_parser`, the commands in their order;
- ``common``: exit codes, the usage error, ``--out``, scenarios from the arguments;
- ``args``: the argument types (whole numbers, fractions, months, draws, seeds);
- ``cluster``: ``--scheduler`` and ``--workers`` (a Dask cluster for the draws and sweeps);
- ``chains``: ``chains``, ``validate`` and ``schema``;
- ``simulate``: ``simulate``;
- ``analysis``: ``score`` and ``cutsets``;
- ``pairs``: ``score --pairs`` (conditional criticality);
- ``sensitivity``: ``sensitivity`` (tornado, horizon sweep, robustness);
- ``diff``: ``diff``;
- ``report``: ``report``;
- ``export``: ``export`` (GraphML, GEXF, node-link JSON, CSV);
- ``eto``: ``import eto``.

Each command module holds its command's arguments (``add_<command>_parser``) and its
run (``cli_<command>``).
"""

from riskmodel.cli.analysis import MAX_SCORE_CELLS, SCORE_COLUMNS
from riskmodel.cli.common import EXIT_ERROR, EXIT_OK, EXIT_USAGE
from riskmodel.cli.parser import build_parser
from riskmodel.cli.run import main

__all__ = ["EXIT_ERROR", "EXIT_OK", "EXIT_USAGE", "MAX_SCORE_CELLS", "SCORE_COLUMNS",
           "build_parser", "main"]

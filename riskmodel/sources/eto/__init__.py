"""The ETO Advanced Semiconductor Supply Chain Dataset importer.

- ``options``: the reading options (light, for the CLI);
- ``read``: the five CSV files read and checked, every row with its line;
- ``shares``: provider rows into supplier-country shares;
- ``convert``: :func:`~riskmodel.sources.eto.convert.from_eto`, the whole conversion;
- ``example``: a tiny invented dataset in the same format, for examples and tests.

Users import it as :mod:`riskmodel.eto`.
"""

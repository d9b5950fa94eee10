"""Importers of public datasets into chains (the ETO semiconductor dataset today).

Each importer is a subpackage that reads the dataset's own files, keeps every value's
source line, and returns a :class:`~riskmodel.model.Chain` with the problems it met.
``references`` records the published sources riskmodel's own method cites (title,
year, link and the passage relied on).
"""

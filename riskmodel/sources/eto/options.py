"""The ETO importer's reading options (no heavy imports: the CLI's ``--help`` reads them)."""

VARIANTS = ("any", "all")        #: how a category needs its children
QUALITATIVE = ("range", "midpoint", "zero")  #: value of a provider named without a share
COVERS = ("market", "full")      #: what an alternative covers

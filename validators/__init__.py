"""One module per check; each registers itself with `validators.registry`."""

from utils.plugins import import_submodules

import_submodules(__name__, skip=frozenset({"base", "registry", "report"}))

"""One module per database engine; each registers itself with `dialects.registry`."""

from utils.plugins import import_submodules

import_submodules(__name__, skip=frozenset({"base", "registry"}))

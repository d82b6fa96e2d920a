"""One module per transformer family; each registers its plugins with the registry."""

from utils.plugins import import_submodules

import_submodules(__name__, skip=frozenset({"base", "registry"}))

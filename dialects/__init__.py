"""One module per database engine; each registers itself with `dialects.registry`."""

from utils.plugins import import_submodules

# Not engines: `stream` needs pyarrow, which only a migration loads.
import_submodules(__name__, skip=frozenset({"base", "registry", "stream"}))

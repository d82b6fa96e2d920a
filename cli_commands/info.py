"""`his-analyzer info`: where this installation keeps its store, key, logs and reports; and
`his-analyzer api-key`: the key API clients send."""

from __future__ import annotations

from cli_commands.common import out
from config import get_settings
from services.api_keys import ensure_api_keys
from services.installation import installation_facts


def info() -> None:
    """Show the store URL (never its password), the data folder, the key files, the log and
    report folders, the versions, and whether the fast reader is available."""
    # No service context: asking where things are must not create the store or its folder.
    facts = installation_facts(get_settings())
    fast_reader = "yes (connectorx)" if facts.fast_reader else f"no: {facts.fast_reader_note}"
    store_note = "" if facts.embedded_store else "  (HIS_DATABASE_URL)"
    lines = [
        ("Store", f"{facts.store_url}{store_note}"),
        ("Data directory", str(facts.data_dir)),
        ("Key file", str(facts.key_file) if facts.key_file else "none: HIS_SECRET_KEY is set"),
        ("API key file", str(facts.api_key_file or "none: HIS_API_KEYS is set")),
        ("Logs", str(facts.log_dir)),
        ("Reports", str(facts.reports_dir)),
        ("Python", facts.python),
        *((name, installed or "not installed") for name, installed in facts.versions.items()),
        ("Fast reader", fast_reader),
    ]
    width = max(len(label) for label, _ in lines) + 1
    for label, value in lines:
        out.print(f"{label + ':':<{width}} {value}")


def api_key() -> None:
    """Print the key API and Socket.IO clients send (`Authorization: Bearer <key>`): the first
    of HIS_API_KEYS, or the generated one (created now if the API never started)."""
    # Plain print: scripts read it (curl -H "Authorization: Bearer $(his-analyzer api-key)").
    print(ensure_api_keys(get_settings()).keys[0])

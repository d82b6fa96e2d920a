"""`his-analyzer validators` and `his-analyzer transformers` list every registered plugin."""

from __future__ import annotations

import subprocess
from collections.abc import Callable

from data_transformers.registry import transformers
from validators.registry import validators

Cli = Callable[..., subprocess.CompletedProcess[str]]


def test_validators_command_lists_every_validator_with_its_parameters(cli: Cli) -> None:
    done = cli("validators")
    assert done.returncode == 0, done.stderr
    for plugin in validators:
        assert plugin.name in done.stdout
        assert plugin.description.split()[0] in done.stdout
    assert "treat_empty_as_null" in done.stdout
    assert "pattern: str (required)" in done.stdout


def test_transformers_command_lists_every_transformer_with_its_family(cli: Cli) -> None:
    done = cli("transformers")
    assert done.returncode == 0, done.stderr
    assert len(transformers) > 0
    for plugin in transformers:
        assert plugin.name in done.stdout
        assert plugin.family in done.stdout

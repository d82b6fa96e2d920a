"""Page logic of the Schema Mapper: the two sides, Auto-Map, the test-mode preview, and saving,
loading and exporting configs. Errors are the services' `HisError`s, raised unchanged."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any, Literal

from controllers import mapper_configs, mapper_sources
from controllers.mapper_configs import LoadedConfig
from controllers.mapper_draft import MappingDraft, PluginUse, SourceRef, SuggestedRow
from controllers.mapper_plugins import PluginForm, transformer_forms, validator_forms
from controllers.mapper_sources import ColumnGlance, SourceTable, TargetChoice
from models.migration_run import MigrationOptions
from models.test_run import TestRunReport
from services import mapping
from services.context import ServiceContext
from services.errors import InvalidInput

__all__ = ["LoadedConfig", "MapperController", "SavedVersion", "TargetChoice"]

#: Source rows a preview tries, and transformed rows it shows.
PREVIEW_SOURCE_ROWS = 200
PREVIEW_ROWS = 10
ExportFormat = Literal["json", "ts"]


@dataclass(frozen=True, slots=True)
class SavedVersion:
    """A save's outcome: the config and the version it is now at."""

    name: str
    version: int
    created: bool  # True for a new config (version 1 of a new name)


class MapperController:
    """Everything the Schema Mapper does, as calls on the shared service context."""

    def __init__(self, ctx: ServiceContext) -> None:
        self.ctx = ctx

    # --- the two sides ----------------------------------------------------------------------

    def datasources(self) -> list[str]:
        """Names of every datasource, by name."""
        return mapper_sources.datasource_names(self.ctx)

    def tables(self, datasource: str) -> list[str]:
        """The tables of a datasource, by name (DatasourceNotFound, ConnectionFailed)."""
        return mapper_sources.table_names(self.ctx, datasource)

    def report_runs(self) -> list[str]:
        """Report run ids, newest first."""
        return mapper_sources.report_run_ids(self.ctx)

    def report_tables(self, run_id: str) -> list[str]:
        """The tables a report run profiled (ReportRunNotFound, ReportFileNotFound)."""
        return mapper_sources.report_tables(self.ctx, run_id)

    def source(self, ref: SourceRef) -> SourceTable:
        """The source side `ref` names: a live table, or a report run's table with its
        masked profile."""
        if ref.mode == "run":
            return mapper_sources.report_source(self.ctx, ref.origin, ref.table)
        return mapper_sources.live_source(self.ctx, ref.origin, ref.table)

    def profile(self, source: SourceTable) -> dict[str, ColumnGlance]:
        """A quick, masked profile of a live source table's columns."""
        return mapper_sources.live_profile(self.ctx, source.ref.origin, source.table)

    def target_columns(self, target: TargetChoice) -> tuple[str, ...] | None:
        """The target table's live columns, or None when the run is to create it.

        Raises:
            InvalidInput: a table to create already exists (the existing one is to be chosen).
        """
        columns = mapper_sources.target_columns(self.ctx, target.datasource, target.table)
        if target.create:
            if columns is not None:
                raise InvalidInput(
                    f"Table {target.table!r} already exists in {target.datasource!r}: "
                    "choose it as an existing table, or give the new table another name.",
                    field="target_table",
                )
            return None
        if columns is None:
            raise InvalidInput(
                f"Datasource {target.datasource!r} has no table {target.table!r}.",
                field="target_table",
            )
        return columns

    def transformer_forms(self) -> dict[str, PluginForm]:
        """Every transformer with its parameter fields, by name."""
        return transformer_forms()

    def validator_forms(self) -> dict[str, PluginForm]:
        """Every validator with its parameter fields, by name."""
        return validator_forms()

    # --- Auto-Map ---------------------------------------------------------------------------

    def auto_map(
        self, source: SourceTable, target: TargetChoice, *, semantic: bool = True
    ) -> list[SuggestedRow]:
        """Each source column's suggested target, confidence, reasons, transformers and
        validators, onto an existing target table.

        Raises:
            ModelUnavailable: `semantic` and the model is not on this machine.
            InvalidInput, DatasourceNotFound, ReportRunNotFound, ConnectionFailed.
        """
        from services.mapping.suggest import suggest_mapping  # the suggester loads on use

        if target.create:
            raise InvalidInput(
                "Auto-Map needs an existing target table; a new one takes the source's names.",
                field="target_table",
            )
        run_id = source.ref.origin if source.ref.mode == "run" else None
        found = suggest_mapping(
            self.ctx,
            source=source.table if run_id else f"{source.ref.origin}.{source.table}",
            target=f"{target.datasource}.{target.table}",
            run_id=run_id,
            semantic=semantic,
        )
        return [
            SuggestedRow(
                source=s.source_column,
                target=s.target_column,
                confidence=s.confidence,
                reasons=s.reasons,
                transformers=tuple(PluginUse(t.name, dict(t.params)) for t in s.transformers),
                validators=tuple(PluginUse(v.name, dict(v.params)) for v in s.validators),
            )
            for s in found.suggestions
        ]

    # --- preview, save, load, export --------------------------------------------------------

    def config_data(
        self, draft: MappingDraft, source: SourceTable, target: TargetChoice
    ) -> dict[str, Any]:
        """The config the editor describes, as JSON data (see `mapper_configs.config_data`)."""
        return mapper_configs.config_data(self.ctx, draft, source, target)

    def preview(
        self, draft: MappingDraft, source: SourceTable, target: TargetChoice
    ) -> TestRunReport:
        """Run the editor's config in test mode, unsaved: one batch loaded inside a
        transaction that is rolled back; the first transformed rows (masked) and the
        would-be rejects grouped by column and reason.

        Raises:
            InvalidInput, InvalidConfig: as `config_data`, or the config does not validate
                or cannot run; ConnectionFailed; MigrationFailed.
        """
        from services.migration import run_migration, summarize_test_run  # pandas: on use

        if source.datasource is None:
            raise InvalidInput(
                "The report's datasource is not registered here; add it in Settings to "
                "preview rows.",
                field="source",
            )
        data = self.config_data(
            replace(draft, name=draft.name.strip() or "preview"), source, target
        )
        config = mapper_configs.migration_config(self.ctx, data)
        options = MigrationOptions(
            test=True, test_rows=PREVIEW_SOURCE_ROWS, preview_rows=PREVIEW_ROWS
        )
        return summarize_test_run(run_migration(self.ctx, config, options=options))

    def save(self, draft: MappingDraft, source: SourceTable, target: TargetChoice) -> SavedVersion:
        """Save the editor's config: version 1 of a new name, else the name's next version.

        The config is checked against the live schemas first; nothing is saved on a problem.

        Raises:
            InvalidInput, InvalidConfig: as `config_data`, or the config does not validate
                or disagrees with a live schema.
            LiveCheckUnavailable: a datasource could not be reached to check it.
            Conflict: nothing changed since the last version, or the name was deleted.
        """
        data = self.config_data(draft, source, target)
        name = data["name"]
        existing = {record.name for record in mapping.list_configs(self.ctx)}
        if name in existing:
            saved = mapping.update_config(self.ctx, name, data, summary="saved in the mapper")
            return SavedVersion(name, saved.version, created=False)
        saved = mapping.save_config(self.ctx, data, summary="created in the mapper", new=True)
        return SavedVersion(name, saved.version, created=True)

    def configs(self) -> list[str]:
        """Names of the saved (not deleted) configs, by name."""
        return [record.name for record in mapping.list_configs(self.ctx)]

    def load(self, name: str) -> LoadedConfig:
        """Saved config `name` opened in the editor (see `mapper_configs.load_for_editing`)."""
        return mapper_configs.load_for_editing(self.ctx, name)

    def export(self, name: str, format: ExportFormat) -> str:
        """Saved config `name` as JSON (what import reads) or as a TypeScript module."""
        return mapping.export_config(self.ctx, name, format=format)

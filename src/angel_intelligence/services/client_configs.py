"""Client configs (`/api/config`): validated before they are stored, prompts checked on the
analysis model when this process has one.

The API's routes call this service only; the rows live in `db/client_configs.py`, what a valid
`config_data` is in `analysis/client_config.py`, and the prompt check in
`analysis/prompt_check.py`. The worker reads the table on every call, so a change applies to
the next call analysed.
"""

from __future__ import annotations

from typing import Any, Literal

from sqlalchemy.orm import Session, sessionmaker

from angel_intelligence.analysis.analyser import AnalysisOptions, output_limits
from angel_intelligence.analysis.client_config import (
    ClientConfigOptions,
    ClientConfigResolver,
    InvalidConfigError,
    validate_config_data,
)
from angel_intelligence.analysis.prompt_check import check_custom_prompt
from angel_intelligence.db import client_configs as rows
from angel_intelligence.domain.client_config import ClientConfigFilter, StoredClientConfig
from angel_intelligence.errors import (
    AnalysisFailedError,
    InvalidAnalysisConfigError,
    ModelLoadError,
)
from angel_intelligence.ports import LanguageModel
from angel_intelligence.services.models import ModelRegistry

ANALYSIS_MODEL = "analysis"  # the ModelRegistry name of the model a prompt is checked with

PromptCheck = Literal["placeholders", "model"]


class ConfigNotFoundError(Exception):
    """No config with this id."""


class ConfigExistsError(Exception):
    """This client (or the global scope) already has a config of this type."""


class ConfigRejectedError(Exception):
    """`config_data` is not valid for its type, or the client's other rows are broken."""


class PromptCheckUnavailableError(Exception):
    """The analysis model needed to check a prompt cannot run; `code` says why."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


class ClientConfigService:
    """List, read, create, change and delete `ai_client_configs` rows."""

    def __init__(
        self,
        sessions: sessionmaker[Session],
        *,
        resolver_options: ClientConfigOptions,
        analysis_options: AnalysisOptions,
        models: ModelRegistry,
    ) -> None:
        self._sessions = sessions
        self._resolver = ClientConfigResolver.from_options(
            resolver_options, rows.ClientConfigRepository(sessions)
        )
        self._analysis = analysis_options
        self._models = models

    def list(
        self, filters: ClientConfigFilter, *, after_id: int, limit: int
    ) -> list[StoredClientConfig]:
        return rows.list_configs(self._sessions, filters, after_id=after_id, limit=limit)

    def get(self, config_id: int) -> StoredClientConfig:
        row = rows.get_config(self._sessions, config_id)
        if row is None:
            raise ConfigNotFoundError(f"No config with id {config_id}.")
        return row

    def create(
        self, client_ref: str | None, config_type: str, config_data: Any, *, is_active: bool
    ) -> tuple[StoredClientConfig, PromptCheck | None]:
        """Validate, check a prompt, then store; `ConfigExistsError` on a duplicate."""
        data, check = self.checked(client_ref, config_type, config_data)
        try:
            row = rows.create_config(
                self._sessions,
                client_ref=client_ref,
                config_type=config_type,
                config_data=data,
                is_active=is_active,
            )
        except rows.ClientConfigExistsError as error:
            raise ConfigExistsError(str(error)) from None
        return row, check

    def update(
        self,
        config_id: int,
        *,
        config_data: Any = None,
        data_given: bool = False,
        is_active: bool | None = None,
    ) -> tuple[StoredClientConfig, PromptCheck | None]:
        """Change `config_data` (when `data_given`) and/or `is_active`."""
        row = self.get(config_id)
        changes: dict[str, Any] = {"is_active": is_active}
        check = None
        if data_given:
            changes["config_data"], check = self.checked(
                row.client_ref, row.config_type, config_data
            )
        updated = rows.update_config(self._sessions, config_id, **changes)
        if updated is None:  # deleted meanwhile
            raise ConfigNotFoundError(f"No config with id {config_id}.")
        return updated, check

    def delete(self, config_id: int) -> StoredClientConfig:
        """Delete a row and return what it was."""
        row = rows.delete_config(self._sessions, config_id)
        if row is None:
            raise ConfigNotFoundError(f"No config with id {config_id}.")
        return row

    def checked(
        self, client_ref: str | None, config_type: str, data: Any
    ) -> tuple[Any, PromptCheck | None]:
        """`data` validated and normalised for `config_type`, and how a prompt was checked."""
        try:
            normalised = validate_config_data(config_type, data)
            if config_type != "prompt":
                return normalised, None
            model = self._analysis_model()
            if model is None:
                return normalised, "placeholders"
            base = self._resolver.resolve(client_ref, ignore_types=("prompt",))
            check_custom_prompt(
                normalised,
                model,
                base,
                max_new_tokens=self._analysis.max_new_tokens,
                limits=output_limits(self._analysis, model),
            )
            return normalised, "model"
        except InvalidConfigError as error:
            raise ConfigRejectedError(
                f"config_data is not a valid {config_type} config: {error}"
            ) from None
        except InvalidAnalysisConfigError as error:  # another of the client's rows is broken
            raise ConfigRejectedError(f"cannot check the prompt: {error.message}") from None
        except (ModelLoadError, AnalysisFailedError) as error:
            raise PromptCheckUnavailableError(
                error.code, f"the prompt could not be checked: {error.message}"
            ) from None

    def _analysis_model(self) -> LanguageModel | None:
        """The analysis model, if this process has one registered (loaded on first use)."""
        if ANALYSIS_MODEL not in self._models:
            return None
        model: LanguageModel = self._models.get(ANALYSIS_MODEL)
        return model

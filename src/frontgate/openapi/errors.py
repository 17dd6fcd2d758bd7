"""The import error type and the collector that turns findings into errors or warnings."""

from __future__ import annotations


class OpenApiImportError(ValueError):
    """A definition that cannot be imported; the message names the file and, if known, where."""

    def __init__(self, source: str, detail: str, where: str | None = None) -> None:
        self.source = source
        self.where = where
        self.detail = detail
        super().__init__(f"{source}: {where}: {detail}" if where else f"{source}: {detail}")


class OpenApiInputError(OpenApiImportError):
    """A definition that is not an OpenAPI document at all (not JSON/YAML, not an object, no
    ``openapi``/``swagger`` version): AWS answers these ``Invalid OpenAPI input.``."""


class Findings:
    """Errors raise at once; warnings accumulate and become one error under fail_on_warnings."""

    def __init__(self, source: str, fail_on_warnings: bool = False) -> None:
        self.source = source
        self.fail_on_warnings = fail_on_warnings
        self.warnings: list[str] = []

    def error(self, detail: str, where: str | None = None) -> OpenApiImportError:
        return OpenApiImportError(self.source, detail, where)

    def unreadable(self, detail: str) -> OpenApiInputError:
        return OpenApiInputError(self.source, detail)

    def warn(self, detail: str, where: str | None = None) -> None:
        self.warnings.append(f"{where}: {detail}" if where else detail)

    def finish(self) -> list[str]:
        """Raise the first warning as an error when warnings are fatal, else hand them back."""
        if self.fail_on_warnings and self.warnings:
            more = len(self.warnings) - 1
            suffix = f" (and {more} more warning{'s' if more > 1 else ''})" if more else ""
            raise OpenApiImportError(
                self.source, f"warning treated as error: {self.warnings[0]}{suffix}"
            )
        return list(self.warnings)

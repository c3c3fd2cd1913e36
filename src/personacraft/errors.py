"""The exception tree of personacraft.

Every error a user can meet derives from :class:`PersonaError`. Each class carries
the CLI exit code and the HTTP status it maps to, so the shells never guess::

    PersonaError                       exit 1   500
    ├── ConfigError (ValueError)       exit 2   400
    ├── InputError                     exit 3   422
    │   ├── SourceNotFoundError (FileNotFoundError)   exit 4
    │   ├── InputFormatError (ValueError)             exit 3   file, line, column, value
    │   │   └── MissingColumnError (KeyError-free)    exit 3
    │   └── RejectThresholdError                      exit 5
    ├── SchemaError (ValueError)       exit 6   500    output failed its JSON Schema
    ├── WorkspaceError                 exit 7   500    the DuckDB workspace is unusable
    │   ├── WorkspaceBusyError                        exit 11  another process writes it (pid, since when)
    │   ├── DiskFullError                             exit 12  the disk filled up; the last good run is kept
    │   └── ForgetCoverageError                       exit 7   a table forget cannot clean (nothing removed)
    ├── NotFoundError (LookupError)    exit 8   404    a run, persona or customer that does not exist
    │   └── ForgetNotFoundError                       exit 8   forget: no key given names anyone
    ├── MissingExtraError (ImportError) exit 9  501    an optional extra is not installed
    ├── ModelError (ValueError)        exit 10  422    a model cannot be fitted or used on these data
    └── SampleRatioMismatchError       exit 4   422    an experiment's arms are not in the planned ratio

Messages say what went wrong, where, and what to do next, in one paragraph.
"""

from __future__ import annotations

import errno
from pathlib import Path
from types import ModuleType


class PersonaError(Exception):
    """Root of all personacraft errors."""

    exit_code = 1
    http_status = 500


class ConfigError(PersonaError, ValueError):
    """The configuration file is missing, unreadable or invalid."""

    exit_code = 2
    http_status = 400


class InputError(PersonaError):
    """A source file cannot be used as given."""

    exit_code = 3
    http_status = 422


class SourceNotFoundError(InputError, FileNotFoundError):
    """A configured source path matches no file."""

    exit_code = 4


def _where(path: str | Path, line: int | None, column: str | None) -> str:
    parts = [Path(path).name]
    if line is not None:
        parts.append(f"line {line:,}")
    if column is not None:
        parts.append(f'column "{column}"')
    return ", ".join(parts)


class InputFormatError(InputError, ValueError):
    """A value, row or header in a source file does not have the expected format."""

    def __init__(
        self,
        path: str | Path,
        problem: str,
        *,
        line: int | None = None,
        column: str | None = None,
        value: str | None = None,
        hint: str | None = None,
    ) -> None:
        self.path = str(path)
        self.line = line
        self.column = column
        self.value = value
        self.problem = problem
        self.hint = hint
        msg = _where(path, line, column) + ": "
        if value is not None:
            msg += f"{value!r} {problem}"
        else:
            msg += problem
        if hint:
            msg += f" ({hint})"
        super().__init__(msg)


class MissingColumnError(InputFormatError):
    """A required column is absent from a file's header."""

    def __init__(self, path: str | Path, missing: list[str], found: list[str], kind: str) -> None:
        shown = ", ".join(repr(c) for c in found[:12]) + (" …" if len(found) > 12 else "")
        super().__init__(
            path,
            f'is missing the required column(s) {", ".join(repr(m) for m in missing)} for kind "{kind}"',
            line=1,
            column=missing[0],
            hint=f"the header has {shown}; export the file again from the vendor, or use "
            'kind = "csv" with a [sources.columns] mapping',
        )
        self.missing = missing


class RejectThresholdError(InputError):
    """Too large a share of a source's rows was rejected."""

    exit_code = 5


class SchemaError(PersonaError, ValueError):
    """A produced artefact does not match its published schema."""

    exit_code = 6
    http_status = 500


class WorkspaceError(PersonaError):
    """The DuckDB workspace cannot be opened or is inconsistent."""

    exit_code = 7


class WorkspaceBusyError(WorkspaceError):
    """Another process writes the workspace (a build, an inspection) and did not finish within the wait."""

    exit_code = 11


class DiskFullError(WorkspaceError):
    """The disk filled up while a build wrote its tables or files; the last good run is kept."""

    exit_code = 12


def disk_full(exc: BaseException, *places: Path) -> DiskFullError | None:
    """A :class:`DiskFullError` naming where, when ``exc`` (or what caused it) is a full disk (``ENOSPC``, or
    DuckDB's "No space left on device"); else None. ``places``: the folders the build writes to."""
    seen: BaseException | None = exc
    while seen is not None:
        if (isinstance(seen, OSError) and seen.errno == errno.ENOSPC) or "no space left on device" in str(seen).lower():
            path = getattr(seen, "filename", None)
            at = f"while writing {path}" if path else f"({str(seen).strip()[:300]})"
            folders = ", ".join(str(p) for p in places)
            return DiskFullError(
                f"No space left on the device {at}. Free some space where personacraft writes ({folders}), "
                "or point `workspace` and --out at a larger disk, then build again; the last good run is kept."
            )
        seen = seen.__cause__ or seen.__context__
    return None


class NotFoundError(PersonaError, LookupError):
    """A requested run, persona or customer does not exist."""

    exit_code = 8
    http_status = 404


class MissingExtraError(PersonaError, ImportError):
    """An optional dependency group is not installed."""

    exit_code = 9
    http_status = 501

    def __init__(self, feature: str, extra: str) -> None:
        super().__init__(f"{feature} needs the optional extra [{extra}]: run  pip install 'personacraft[{extra}]'")


class ModelError(PersonaError, ValueError):
    """A model cannot be fitted on, or applied to, the data given (too few rows, invalid summaries)."""

    exit_code = 10
    http_status = 422


class SampleRatioMismatchError(PersonaError):
    """An experiment's arms are not in the planned ratio (chi-square p < 0.001): its effects cannot be trusted.

    ``personacraft experiment`` raises it after printing and writing its reading, so the exit code
    (4, as docs/experiments.md and the contract give it) flags the experiment and the numbers are kept.
    """

    exit_code = 4
    http_status = 422


def require_pandas(feature: str) -> ModuleType:
    """The pandas module, for answers that are DataFrames; :class:`MissingExtraError` without the ``pandas`` extra."""
    try:
        import pandas
    except ImportError as exc:
        raise MissingExtraError(feature, "pandas") from exc
    return pandas


class ForgetNotFoundError(NotFoundError):
    """``personacraft forget``: none of the keys given names anyone in the workspace (nothing was removed)."""


class ForgetCoverageError(WorkspaceError):
    """``personacraft forget``: a table of the workspace may hold customer rows, but forget cannot tell whose.

    Raised before anything is removed, so a new table can never keep a forgotten person silently."""


class EngineError(PersonaError):
    """The configured engine cannot run a step: SQL it cannot write, or a source only DuckDB reads (docs/spark.md)."""

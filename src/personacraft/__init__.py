"""personacraft: customer personas built on evidence, from the exports a company already has."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("personacraft")
except PackageNotFoundError:  # running from a source tree without installing
    __version__ = "0.0.0+unknown"

__all__ = ["__version__"]

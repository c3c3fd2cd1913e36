"""The installed version of personacraft, as package metadata gives it."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("personacraft")
except PackageNotFoundError:  # running from a source tree without installing
    __version__ = "0.0.0+unknown"

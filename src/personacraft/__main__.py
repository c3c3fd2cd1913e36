"""``python -m personacraft``: the same command line as ``personacraft``."""

from personacraft.cli import main

main()

"""What the commands share: the console and error reporting."""

from __future__ import annotations

from rich.console import Console
from rich.text import Text

from personacraft.errors import PersonaError

# markup off: what the commands print (messages, file names, labels) is the user's text, and Rich would
# read "[[sources]]" or "[sources.columns]" as its own tags; styles are given as Text or style=. No log
# path either: a progress line says what is happening, not which line of personacraft printed it.
console = Console(stderr=True, highlight=False, markup=False, log_path=False)
STATE: dict[str, bool] = {"debug": False}

INTERNAL_EXIT = 70


def fail(exc: BaseException) -> int:
    """Print ``exc`` as a one-paragraph message (a traceback with --debug); return the exit code."""
    if STATE["debug"]:
        console.print_exception()
    if isinstance(exc, KeyboardInterrupt):
        console.print("Interrupted.", style="red")
        return 130
    if isinstance(exc, PersonaError):
        # Text, not markup: a message naming [[sources]] or [sources.columns] keeps its brackets
        console.print(Text.assemble(("Error: ", "bold red"), str(exc)), soft_wrap=True)
        return exc.exit_code
    console.print(
        Text.assemble(
            ("Internal error: ", "bold red"),
            f"{type(exc).__name__}: {str(exc).rstrip('.')}. This is a bug in personacraft; "
            "run the command again with --debug and report the traceback.",
        ),
        soft_wrap=True,
    )
    return INTERNAL_EXIT

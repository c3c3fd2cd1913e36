"""What the commands share: the console and error reporting."""

from __future__ import annotations

from rich.console import Console

from personacraft.errors import PersonaError

console = Console(stderr=True, highlight=False)
STATE: dict[str, bool] = {"debug": False}

INTERNAL_EXIT = 70


def fail(exc: BaseException) -> int:
    """Print ``exc`` as a one-paragraph message (a traceback with --debug); return the exit code."""
    if STATE["debug"]:
        console.print_exception()
    if isinstance(exc, KeyboardInterrupt):
        console.print("[red]Interrupted.[/red]")
        return 130
    if isinstance(exc, PersonaError):
        console.print(f"[bold red]Error:[/bold red] {exc}", soft_wrap=True)
        return exc.exit_code
    console.print(
        f"[bold red]Internal error:[/bold red] {type(exc).__name__}: {exc}. This is a bug in personacraft; "
        "run the command again with --debug and report the traceback.",
        soft_wrap=True,
    )
    return INTERNAL_EXIT

"""The ``personacraft`` command: a thin Typer shell over the library."""

from __future__ import annotations

import sys

import typer

from personacraft.cli import build, churn, demo, diff, experiment, icp, init, inspect, runs, segments, serve, value
from personacraft.cli.common import STATE, console, fail
from personacraft.cli.features import features
from personacraft.cli.forget import forget
from personacraft.cli.hypotheses import hypotheses
from personacraft.cli.sql import sql

app = typer.Typer(
    name="personacraft",
    help="Customer personas built on evidence, from the exports you already have.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


@app.callback()
def _root(
    debug: bool = typer.Option(False, "--debug", help="Show full tracebacks on errors."),
) -> None:
    STATE["debug"] = debug


app.command("demo")(demo.demo)
app.command("init")(init.init)
app.command("build")(build.build)
app.command("inspect")(inspect.inspect)
app.add_typer(runs.app, name="runs")
app.command("diff")(diff.diff)
app.command("assign")(segments.assign)
app.command("explain")(segments.explain)
app.command("clv")(value.clv)
app.command("churn")(churn.churn)
app.command("experiment")(experiment.experiment)
app.command("features")(features)
app.command("hypotheses")(hypotheses)
app.add_typer(icp.app, name="icp")
app.command("serve")(serve.serve)
app.add_typer(serve.token_app, name="token")
app.command("forget")(forget)
app.command("sql")(sql)


def main() -> None:
    """Entry point: run the app, turning errors into one-paragraph messages and exit codes."""
    STATE["debug"] = "--debug" in sys.argv
    try:
        app()
    except SystemExit:
        raise
    except BaseException as exc:  # every error ends here; only --debug shows the traceback
        raise SystemExit(fail(exc)) from None


__all__ = ["app", "console", "main"]

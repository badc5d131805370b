"""The ``mineplan`` command group.

Commands live one per module in :mod:`mineplan.commands` and are imported only when used, so
``mineplan --help`` and ``mineplan --version`` stay instant (geopandas alone costs ~0.5 s).
Library errors (:class:`mineplan.errors.MineplanError`) become one line on stderr and an exit
code here, at one boundary; ``--verbose`` keeps the traceback of internal errors.
"""

from __future__ import annotations

import importlib
import logging
import os
import sys

import click

from mineplan import __version__

#: command name -> "module:attribute". Add one line per command module.
LAZY_COMMANDS: dict[str, str] = {
    "plan": "mineplan.commands.plan:plan",
    "rules": "mineplan.commands.rules:rules",
    "check": "mineplan.commands.check:check",
    "convert": "mineplan.commands.convert:convert",
    "screen": "mineplan.commands.screen:screen",
    "map": "mineplan.commands.map:map_",
    "registry": "mineplan.commands.registry:registry",
    "report": "mineplan.commands.report:report",
    "serve": "mineplan.commands.serve:serve",
    "where": "mineplan.commands.where:where",
}


class LazyGroup(click.Group):
    """A click group whose subcommands are imported on first use."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *LAZY_COMMANDS})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name in LAZY_COMMANDS:
            module_name, attr = LAZY_COMMANDS[cmd_name].split(":")
            return getattr(importlib.import_module(module_name), attr)
        return super().get_command(ctx, cmd_name)

    def invoke(self, ctx: click.Context):
        from mineplan.errors import MineplanError

        try:
            return super().invoke(ctx)
        except MineplanError as exc:
            raise LibraryError(exc) from exc
        except (click.exceptions.ClickException, click.exceptions.Exit, click.exceptions.Abort):
            raise
        except Exception as exc:  # an internal error: one line, the traceback with --verbose
            if (ctx.obj or {}).get("verbose") or os.environ.get("MINEPLAN_DEBUG"):
                raise
            raise InternalError(exc) from exc


class LibraryError(click.ClickException):
    """A :class:`~mineplan.errors.MineplanError` shown as one line with its exit code."""

    def __init__(self, exc: Exception):
        super().__init__(str(exc))
        self.exit_code = getattr(exc, "exit_code", 1)

    def show(self, file=None) -> None:
        click.echo(f"mineplan: error: {self.format_message()}", err=True, file=file)


class InternalError(click.ClickException):
    exit_code = 1

    def __init__(self, exc: Exception):
        super().__init__(f"{type(exc).__name__}: {exc} (rerun with --verbose for the traceback)")

    def show(self, file=None) -> None:
        click.echo(f"mineplan: internal error: {self.format_message()}", err=True, file=file)


class _StderrHandler(logging.StreamHandler):
    """Writes to whatever sys.stderr is at the time (click's test runner swaps it)."""

    @property
    def stream(self):
        return sys.stderr

    @stream.setter
    def stream(self, value):
        pass


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="mineplan")
@click.option(
    "--data",
    "data_dir",
    type=click.Path(file_okay=False, exists=True),
    envvar="MINEPLAN_DATA",
    help="Plan pack directory (holds plan.toml). Default: the bundled Changle plan. Env: MINEPLAN_DATA.",
)
@click.option("-v", "--verbose", is_flag=True,
              help="Show tracebacks of internal errors, and the phases of a screen with time and memory.")
@click.pass_context
def cli(ctx: click.Context, data_dir: str | None, verbose: bool) -> None:
    """mineplan: check mineral rights and sites against a county mineral-resources plan."""
    ctx.ensure_object(dict)
    ctx.obj["data_dir"] = data_dir
    ctx.obj["verbose"] = verbose
    if verbose:  # mineplan's own log (not dask's or other libraries') to stderr, for this invocation only
        logger = logging.getLogger("mineplan")
        level = logger.level
        logger.setLevel(logging.INFO)
        handler = _StderrHandler()
        handler.setFormatter(logging.Formatter("mineplan: %(message)s"))
        logger.addHandler(handler)

        def restore() -> None:  # a process that runs more commands (tests, a server) gets its log back
            logger.removeHandler(handler)
            logger.setLevel(level)

        ctx.call_on_close(restore)


def _terminate(signum, frame) -> None:
    """SIGTERM ends a run as Ctrl-C does: cleanup (spill folders, temporary outputs, worker
    processes) runs on the way out."""
    raise KeyboardInterrupt


def main() -> None:
    """Console-script entry point."""
    import signal

    signal.signal(signal.SIGTERM, _terminate)
    cli(prog_name="mineplan")


if __name__ == "__main__":
    main()

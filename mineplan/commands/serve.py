"""``mineplan serve``: the web page and the REST API on this machine (FastAPI + uvicorn)."""

from __future__ import annotations

import click

from mineplan.commands.options import as_of_opt


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to bind. Anything but a loopback address needs --token.")
@click.option("--port", type=click.IntRange(0, 65535), default=8000, show_default=True, help="Port to bind.")
@click.option("--token", envvar="MINEPLAN_TOKEN", default=None, metavar="TOKEN",
              help="Require 'Authorization: Bearer TOKEN' on every /api request. Env: MINEPLAN_TOKEN.")
@click.option("--max-upload-mb", type=click.FloatRange(min=0, min_open=True), default=200, show_default=True,
              help="Largest request body accepted (larger: HTTP 413).")
@click.option("--max-screens", type=click.IntRange(min=1), default=2, show_default=True,
              help="Batch screens run at once; more wait their turn.")
@as_of_opt
@click.pass_context
def serve(ctx: click.Context, host: str, port: int, token: str | None, max_upload_mb: float,
          max_screens: int, as_of) -> None:
    """Serve the web page (/) and the JSON API (/api/v1, docs at /docs) for the plan.

    The page checks one application (a file, or a polygon drawn on the map) and screens a batch
    file; the API answers exactly what the commands print. Stop with Ctrl+C.
    """
    import logging

    import uvicorn

    from mineplan.commands.options import pack_from
    from mineplan.serve import Settings, create_app
    from mineplan.serve.auth import is_loopback

    if not is_loopback(host) and not token:
        raise click.UsageError(f"--host {host} is reachable from other machines: give --token TOKEN "
                               "(or set MINEPLAN_TOKEN)")
    log = logging.getLogger("mineplan.serve")
    if not log.handlers:
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("%(levelname)s:     %(name)s: %(message)s"))
        log.addHandler(handler)
        log.setLevel(logging.INFO)
        log.propagate = False  # --verbose's handler on "mineplan" would print every line twice
    pack = pack_from(ctx, as_of=as_of)
    app = create_app(Settings(pack=pack, token=token, max_upload_bytes=int(max_upload_mb * 1_000_000),
                              max_screens=max_screens))
    shown = f"[{host}]" if ":" in host else host
    click.echo(f"mineplan: serving {pack.plan['id']} {pack.plan['version']} at http://{shown}:{port}/ "
               f"(API: /api/v1, docs: /docs{', bearer token required' if token else ''})", err=True)
    uvicorn.run(app, host=host, port=port, log_level="info", server_header=False)

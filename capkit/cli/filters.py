"""``capkit filters``: the filters projects can use, and the filter packs that bring more.

Mounted by the main app as ``capkit filters``. Like the rest of the CLI it imports the engine only
inside commands, and every problem a user can fix is one ``error:`` line and exit status 2. Text
that comes from a pack (names, ids, paths) is printed literally, never read as rich markup.
"""

from __future__ import annotations

import json
import sys
from typing import Annotated, Optional

import typer
from rich.markup import escape

from capkit.cli.report import console, err_console, fail, one_line_errors, sub_app

filters_app = sub_app("filters", "List the filters projects can use; install, inspect, check and remove filter packs.")


def _param_json(p) -> dict:
    import dataclasses

    return dataclasses.asdict(p)


def _params_table(params, title: str):
    from rich.table import Table

    table = Table(title=escape(title), title_justify="left")
    for column in ("parameter", "type", "default", "range", "unit", ""):
        table.add_column(column)
    for p in params:
        span = f"{p.min:g} .. {p.max:g}" if p.min is not None and p.max is not None else ", ".join(p.choices)
        table.add_row(escape(p.name), p.kind, escape(str(p.default)), escape(span), escape(p.unit), escape(p.doc))
    return table


@filters_app.command("list")
def list_filters(
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")] = False,
) -> None:
    """List every filter a project can use: capkit's own and those of installed packs (broken packs are reported and skipped)."""
    from capkit.fx.registry import filters
    from capkit.packs import installed, load_all

    with one_line_errors():
        builtins = sorted(filters().values(), key=lambda s: s.id)
        _, problems = load_all()
        packs = installed()
    if as_json:
        rows = [{"id": s.id, "name": s.name, "pack": None, "version": None,
                 "params": [_param_json(p) for p in s.params]} for s in builtins]
        rows += [{"id": f.id, "name": f.name, "pack": info.id, "version": info.version,
                  "params": [_param_json(p) for p in f.params]} for info in packs for f in info.filters]
        sys.stdout.write(json.dumps({
            "filters": rows,
            "packs": [info.to_json() for info in packs],
            "problems": [{"path": str(p.path), "message": p.message} for p in problems],
        }, indent=2) + "\n")
    else:
        from rich.table import Table

        table = Table(show_header=True)
        for column in ("filter", "name", "from"):
            table.add_column(column)
        for s in builtins:
            table.add_row(escape(s.id), escape(s.name), "built-in")
        for info in packs:
            for f in info.filters:
                table.add_row(escape(f.id), escape(f.name), escape(f"{info.id} {info.version}"))
        console.print(table)
    for problem in problems:
        err_console.print(f"[yellow]warning:[/] skipped {escape(str(problem))}", soft_wrap=True)


@filters_app.command()
def info(
    ident: Annotated[str, typer.Argument(
        metavar="ID", help="A pack id (com.example.looks), a pack filter (com.example.looks/warm) or a built-in filter (grade).")],
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of tables.")] = False,
) -> None:
    """Show a filter's parameters, or a pack's details, versions and filters."""
    from capkit import packs
    from capkit.fx.registry import get

    with one_line_errors():
        if "/" in ident:
            return _show_filter(packs.resolve(ident), ident.split("/", 1)[0], as_json)
        if "." not in ident:  # built-in ids have no dots; pack ids always do
            return _show_filter(get(ident), None, as_json)
        pack = packs.info(ident)
    if as_json:
        sys.stdout.write(json.dumps(pack.to_json(), indent=2) + "\n")
        return
    older = f" (also installed: {', '.join(pack.versions[1:])})" if len(pack.versions) > 1 else ""
    console.print(f"[bold]{escape(pack.name)}[/] {escape(pack.id)} {escape(pack.version)}{escape(older)}")
    console.print(f"by {escape(pack.author)}, licence {escape(pack.license)}, for capkit {escape(pack.capkit)}")
    if pack.description:
        console.print(escape(pack.description))
    console.print(f"in {escape(str(pack.path))}", soft_wrap=True)
    for f in pack.filters:
        title = f"{f.id}: {f.name}" + (f" ({f.description})" if f.description else "")
        console.print(_params_table(f.params, title) if f.params else escape(title) + " (no parameters)")


def _show_filter(spec, pack_id: str | None, as_json: bool) -> None:
    if as_json:
        sys.stdout.write(json.dumps({"id": spec.id, "name": spec.name, "pack": pack_id, "doc": spec.doc,
                                     "params": [_param_json(p) for p in spec.params]}, indent=2) + "\n")
        return
    source = f"from {pack_id}" if pack_id else "built-in"
    title = f"{spec.id}: {spec.name} ({source})" + (f" {spec.doc}" if spec.doc else "")
    console.print(_params_table(spec.params, title) if spec.params else escape(title) + " (no parameters)")


@filters_app.command()
def install(
    source: Annotated[str, typer.Argument(metavar="PATH-or-URL",
                                          help="A pack folder, a .capkitpack file, or a file:// or https:// address.")],
    sha256: Annotated[Optional[str], typer.Option(
        "--sha256", metavar="HEX", help="The archive's SHA-256 as its author publishes it (required for https://).")] = None,
    force: Annotated[bool, typer.Option("--force", help="Reinstall the same version, or go back to an older one.")] = False,
) -> None:
    """Install a filter pack after checking it (nothing is installed if anything is wrong)."""
    from capkit import packs

    with one_line_errors():
        pack = packs.install(source, sha256=sha256, force=force)
    console.print(f"[green]installed[/] {escape(pack.id)} {escape(pack.version)} ({len(pack.filters)} filters: "
                  f"{escape(', '.join(f.id for f in pack.filters))})", soft_wrap=True)


@filters_app.command()
def remove(
    pack_id: Annotated[str, typer.Argument(metavar="ID", help="A pack id; ID@VERSION removes only that version.")],
) -> None:
    """Remove an installed pack (every version, or one with ID@VERSION); works on broken packs too."""
    from capkit import packs

    with one_line_errors():
        versions = packs.remove(pack_id)
    console.print(f"[green]removed[/] {escape(pack_id.split('@', 1)[0])} {escape(', '.join(versions))}")


@filters_app.command()
def validate(
    path: Annotated[str, typer.Argument(metavar="PATH", help="A pack folder or .capkitpack file.")],
) -> None:
    """Check a pack as installing it would, and list every problem (installs nothing)."""
    from capkit import packs

    with one_line_errors():
        report = packs.validate(path)
    if report.ok:
        console.print(f"[green]ok:[/] {escape(str(report))}", soft_wrap=True)
        return
    if len(report.problems) == 1:
        fail(str(report))
    err_console.print(f"[bold red]error:[/] {escape(path)} has {len(report.problems)} problems:", soft_wrap=True)
    for problem in report.problems:
        err_console.print(f"  {escape(str(problem))}", soft_wrap=True)
    sys.exit(2)

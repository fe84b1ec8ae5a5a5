"""docs/cli.md is generated from the CLI itself; this fails when a command, argument, option or
help text changed and the page was not regenerated."""

from importlib.machinery import SourceFileLoader
from importlib.util import module_from_spec, spec_from_loader
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _generator():
    path = ROOT / "scripts" / "make-cli-reference"
    loader = SourceFileLoader("make_cli_reference", str(path))
    module = module_from_spec(spec_from_loader(loader.name, loader))
    loader.exec_module(module)
    return module


def test_cli_reference_is_up_to_date():
    committed = (ROOT / "docs" / "cli.md").read_text(encoding="utf-8")
    assert committed == _generator().render(), "docs/cli.md is out of date: run scripts/make-cli-reference"


def test_cli_reference_lists_every_command():
    import typer.main

    from capkit.cli.app import app

    text = _generator().render()
    root = typer.main.get_command(app)
    for name, command in root.commands.items():
        assert f"`capkit {name}`" in text
        for sub in getattr(command, "commands", {}) or {}:
            assert f"`capkit {name} {sub}`" in text

"""The golden of the `meterdesk` command tree: every command's and group's `--help`.

A command or option lost, renamed or re-worded shows up here as a diff against
`command_tree.txt`. After a deliberate change, rewrite the golden with
`python -m tests.cli.test_command_tree` and review the diff.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click
from click.testing import CliRunner

from server.cli import cli
from server.cli.core import COMMAND_MODULES

GOLDEN = Path(__file__).with_name("command_tree.txt")


def _paths(group: click.Group, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    ctx = click.Context(group)
    found = []
    for name in group.list_commands(ctx):
        command = group.get_command(ctx, name)
        assert command is not None, name
        path = (*prefix, name)
        found.append(path)
        if isinstance(command, click.Group):
            found.extend(_paths(command, path))
    return found


def command_tree() -> str:
    """Every command path in help order, each followed by its `--help` at 80 columns."""
    runner = CliRunner()
    parts = []
    for path in [(), *_paths(cli)]:
        result = runner.invoke(cli, [*path, "--help"], prog_name="meterdesk", env={"COLUMNS": "80"})
        assert result.exit_code == 0, (path, result.output)
        parts.append(f"=== meterdesk {' '.join(path)}".rstrip() + "\n" + result.output)
    return "\n".join(parts)


def test_the_command_tree_matches_its_golden():
    assert command_tree() == GOLDEN.read_text(encoding="utf-8")


def test_each_command_is_found_in_the_module_that_registers_it():
    # Run alone, a command is found only through COMMAND_MODULES: a command missing there,
    # or named with another module, would be "No such command" outside of `--help`.
    ctx = click.Context(cli)
    names = cli.list_commands(ctx)
    assert set(names) == set(COMMAND_MODULES)
    for name in names:
        command = cli.get_command(ctx, name)
        assert command is not None
        assert command.callback is not None
        assert command.callback.__module__ == f"server.cli.{COMMAND_MODULES[name]}", name


if __name__ == "__main__":
    GOLDEN.write_text(command_tree(), encoding="utf-8")
    sys.stdout.write(f"wrote {GOLDEN}\n")

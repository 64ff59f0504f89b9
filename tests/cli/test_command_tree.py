"""The golden of the `meterdesk` command tree: every command's and group's `--help`.

A command or option lost, renamed or re-worded shows up here as a diff against
`command_tree.txt`. After a deliberate change, rewrite the golden with
`python -m tests.cli.test_command_tree` and review the diff.
"""

from __future__ import annotations

import subprocess
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
        assert command.callback.__module__ == f"server.cli.{COMMAND_MODULES[name].module}", name


def test_the_roots_summaries_are_the_commands_own():
    # `meterdesk --help` prints the summaries without importing the domain modules; each must
    # read as the command's own help would at any width.
    ctx = click.Context(cli)
    for name, entry in COMMAND_MODULES.items():
        command = cli.get_command(ctx, name)
        assert command is not None
        for limit in (20, 45, 70, 10_000):
            assert entry.short_help(limit) == command.get_short_help_str(limit), (name, limit)


def test_the_roots_help_imports_no_domain_module():
    code = (
        "import sys; from click.testing import CliRunner; from server.cli import cli; "
        "CliRunner().invoke(cli, ['--help']); "
        "print(sorted(m for m in sys.modules "
        "if m.startswith('server.cli.') and m != 'server.cli.core'))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


if __name__ == "__main__":
    GOLDEN.write_text(command_tree(), encoding="utf-8")
    sys.stdout.write(f"wrote {GOLDEN}\n")

"""The ``sanji`` command: tier groups come from entry points, so shared imports no app."""

from __future__ import annotations

from importlib.metadata import entry_points

import click

from shared.demo import demo


class _SanjiGroup(click.Group):
    def list_commands(self, ctx: click.Context) -> list[str]:
        names = {ep.name for ep in entry_points(group="sanji.commands")}
        return sorted(names | set(self.commands))

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name in self.commands:
            return self.commands[cmd_name]
        for ep in entry_points(group="sanji.commands"):
            if ep.name == cmd_name:
                command: click.Command = ep.load()
                return command
        return None


@click.group(
    cls=_SanjiGroup, help="sanji 三级政务服务平台（县级枢纽 hub、镇 town、村 village、演示 demo）"
)
def main() -> None:
    pass


main.add_command(demo)

if __name__ == "__main__":
    main()

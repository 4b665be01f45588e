"""Command-line tasks of the app (``flask --app examples/flask_app ...``):
``create-operator NAME --password-stdin`` adds someone who may sign in,
``set-operator-password NAME --password-stdin`` changes a password."""

from __future__ import annotations

import sys
from typing import Callable

import click
from flask import Flask

from .errors import BadInput
from .operators import Operators


def _password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    value: str = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    return value


def _with_password(app: Flask, action: Callable[[Operators, str, str], str]) -> Callable[[str, bool], None]:
    """A command body: reads the password, runs ``action(table, name, password)``, prints its
    message; a refused input exits non-zero naming the field."""

    def command(name: str, password_stdin: bool) -> None:
        table: Operators = app.extensions["operators"]
        try:
            click.echo(action(table, name, _password(password_stdin)))
        except BadInput as e:
            raise click.ClickException(f"{e.field}: {e.message}") from None

    return command


def _create(table: Operators, name: str, password: str) -> str:
    return f"operator {table.create(name, password).username} created"


def _set_password(table: Operators, name: str, password: str) -> str:
    table.set_password(name, password)
    return f"password of {name} changed"


def register_commands(app: Flask) -> None:
    """Adds the commands to ``app.cli``."""
    name = click.argument("name")
    from_stdin = click.option("--password-stdin", is_flag=True, help="Read the password from the first line of stdin.")
    create = app.cli.command("create-operator", help="Adds an operator NAME (stored as an argon2 hash).")
    change = app.cli.command("set-operator-password", help="Replaces the password of operator NAME.")
    create(name(from_stdin(_with_password(app, _create))))
    change(name(from_stdin(_with_password(app, _set_password))))

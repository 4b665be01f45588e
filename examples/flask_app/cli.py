"""Command-line tasks of the app (``flask --app examples/flask_app ...``):
``create-operator NAME --password-stdin`` adds someone who may sign in,
``set-operator-password NAME --password-stdin`` changes a password."""

from __future__ import annotations

import sys

import click
from flask import Flask

from .errors import BadInput
from .operators import Operators


def _password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    value: str = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    return value


def register_commands(app: Flask) -> None:
    """Adds the commands to ``app.cli``."""

    @app.cli.command("create-operator")
    @click.argument("name")
    @click.option("--password-stdin", is_flag=True, help="Read the password from the first line of stdin.")
    def create_operator(name: str, password_stdin: bool) -> None:
        """Adds an operator NAME (the password is stored as an argon2 hash)."""
        table: Operators = app.extensions["operators"]
        try:
            operator = table.create(name, _password(password_stdin))
        except BadInput as e:
            raise click.ClickException(f"{e.field}: {e.message}") from None
        click.echo(f"operator {operator.username} created")

    @app.cli.command("set-operator-password")
    @click.argument("name")
    @click.option("--password-stdin", is_flag=True, help="Read the password from the first line of stdin.")
    def set_operator_password(name: str, password_stdin: bool) -> None:
        """Replaces the password of operator NAME."""
        table: Operators = app.extensions["operators"]
        try:
            table.set_password(name, _password(password_stdin))
        except BadInput as e:
            raise click.ClickException(f"{e.field}: {e.message}") from None
        click.echo(f"password of {name} changed")

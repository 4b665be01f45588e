"""pytest fixtures for the calstack module's tests (defined in calstack_fixtures.py)."""

from calstack_fixtures import (  # noqa: F401 - fixtures are found by name
    authorized,
    database_path,
    emulator,
    emulator_process,
    key,
    stack,
)

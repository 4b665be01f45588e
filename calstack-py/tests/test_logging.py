"""The library's log events reach Python's logging (logger ``calstack``): quiet below WARNING
unless the application asks for more, and never a secret."""

from __future__ import annotations

import logging

import pytest

import calstack
from calstack.testing import Emulator, consent

from calstack_fixtures import GOOGLE_CLIENT_SECRET, register


@pytest.fixture
def calstack_logger() -> logging.Logger:
    logger = logging.getLogger("calstack")
    level = logger.level
    yield logger
    logger.setLevel(level)


def test_info_events_are_logged_when_the_application_asks(
    stack: calstack.Calstack, calstack_logger: logging.Logger, caplog: pytest.LogCaptureFixture
) -> None:
    calstack_logger.setLevel(logging.INFO)
    with caplog.at_level(logging.INFO, logger="calstack"):
        client = stack.clients.create("Acme Ltd", "ops@acme.test")
    records = [r for r in caplog.records if r.name == "calstack"]
    assert any("client created" in r.getMessage() and client.id in r.getMessage() for r in records)
    assert all(getattr(r, "target", "").startswith("calstack") for r in records)


def test_below_warning_nothing_is_logged_by_default(
    stack: calstack.Calstack, calstack_logger: logging.Logger, caplog: pytest.LogCaptureFixture
) -> None:
    calstack_logger.setLevel(logging.NOTSET)  # inherits the root's WARNING
    logging.getLogger().setLevel(logging.WARNING)
    with caplog.at_level(logging.WARNING):
        stack.clients.create("Acme Ltd", "ops@acme.test")
    assert [r for r in caplog.records if r.name == "calstack"] == []


def test_warnings_are_logged_by_default_and_carry_no_secret(
    stack: calstack.Calstack, emulator: Emulator, calstack_logger: logging.Logger,
    caplog: pytest.LogCaptureFixture,
) -> None:
    calstack_logger.setLevel(logging.DEBUG)
    with caplog.at_level(logging.DEBUG):
        client = stack.clients.create("Acme Ltd", "ops@acme.test")
        credential = consent(stack, register(stack, client).id)
        token = stack.oauth.access_token(credential.id)
        emulator.expire_access_tokens()
        emulator.revoke_account("owner@acme.test")
        with pytest.raises(calstack.ReauthorizationRequired):
            stack.calendar(client.id).list_events("primary")
    text = "\n".join(r.getMessage() for r in caplog.records if r.name == "calstack")
    assert "consent completed" in text
    assert any(r.levelno == logging.WARNING for r in caplog.records if r.name == "calstack")
    for secret in (GOOGLE_CLIENT_SECRET, token):
        assert secret not in text

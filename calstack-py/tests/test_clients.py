"""stack.clients against a real SQLite file: the CRUD a user does, and the errors they get."""

from __future__ import annotations

from pathlib import Path

import pytest

import calstack


@pytest.fixture
def local(tmp_path: Path) -> calstack.Calstack:
    return calstack.Calstack(f"sqlite://{tmp_path / 'app.db'}", calstack.generate_key())


def test_create_get_list_update_delete(local: calstack.Calstack) -> None:
    acme = local.clients.create("Acme Ltd", "ops@acme.test")
    beta = local.clients.create("Beta GmbH", "it@beta.test")
    assert local.clients.get(acme.id) == acme
    assert [c.name for c in local.clients.list()] == ["Acme Ltd", "Beta GmbH"]

    renamed = local.clients.update(acme.id, name="Acme Group")
    assert (renamed.name, renamed.email) == ("Acme Group", "ops@acme.test")
    assert renamed.updated_at >= acme.updated_at
    assert local.clients.get(acme).name == "Acme Group"  # a Client works as an id too

    local.clients.delete(beta.id)
    assert [c.id for c in local.clients.list()] == [acme.id]


def test_clients_persist_in_the_database_file(tmp_path: Path) -> None:
    url = f"sqlite://{tmp_path / 'app.db'}"
    key = calstack.generate_key()
    created = calstack.Calstack(url, key).clients.create("Acme Ltd", "ops@acme.test")
    assert calstack.Calstack(url, key).clients.get(created.id) == created


def test_client_to_dict_is_json_ready(local: calstack.Calstack) -> None:
    import json

    acme = local.clients.create("Acme Ltd", "ops@acme.test")
    d = acme.to_dict()
    assert d["id"] == acme.id and d["name"] == "Acme Ltd" and d["email"] == "ops@acme.test"
    json.dumps(d)
    assert repr(acme) == f"Client(id='{acme.id}', name='Acme Ltd', email='ops@acme.test')"


@pytest.mark.parametrize(
    ("name", "email", "field"),
    [("", "ops@acme.test", "name"), ("   ", "ops@acme.test", "name"), ("Acme", "not-an-email", "email"),
     ("Acme", "", "email")],
)
def test_invalid_input_names_the_field_and_stores_nothing(
    local: calstack.Calstack, name: str, email: str, field: str
) -> None:
    with pytest.raises(calstack.ValidationError) as err:
        local.clients.create(name, email)
    assert err.value.field == field
    assert local.clients.list() == []


def test_duplicate_email_is_refused(local: calstack.Calstack) -> None:
    local.clients.create("Acme Ltd", "ops@acme.test")
    with pytest.raises(calstack.CalstackError) as err:
        local.clients.create("Acme Again", "OPS@acme.test")
    assert getattr(err.value, "field", None) == "email" or isinstance(err.value, calstack.ConflictError)
    assert len(local.clients.list()) == 1


def test_unknown_and_malformed_ids_are_not_found(local: calstack.Calstack) -> None:
    for missing in ("00000000-0000-4000-8000-000000000000", "not-a-uuid"):
        with pytest.raises(calstack.NotFoundError):
            local.clients.get(missing)
        with pytest.raises(LookupError):
            local.clients.delete(missing)
        with pytest.raises(calstack.NotFoundError):
            local.clients.update(missing, name="x")


def test_find_by_name_or_id(local: calstack.Calstack) -> None:
    acme = local.clients.create("Acme Ltd", "ops@acme.test")
    assert local.clients.find("acme ltd") == acme
    assert local.clients.find(acme.id) == acme


def test_bad_encryption_key_is_a_validation_error(tmp_path: Path) -> None:
    with pytest.raises(calstack.ValidationError) as err:
        calstack.Calstack(f"sqlite://{tmp_path / 'x.db'}", "too-short")
    assert err.value.field == "encryption_key"
    assert "too-short" not in str(err.value)


def test_bad_endpoint_url_names_the_parameter(tmp_path: Path) -> None:
    with pytest.raises(calstack.ValidationError) as err:
        calstack.Calstack(f"sqlite://{tmp_path / 'x.db'}", calstack.generate_key(), google_token_url="nope")
    assert err.value.field == "google_token_url"


def test_unusable_database_is_a_store_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    with pytest.raises(calstack.StoreError):
        calstack.Calstack(f"sqlite://{blocker}/app.db", calstack.generate_key())
    with pytest.raises(calstack.StoreError):
        calstack.Calstack("oracle://db.example/x", calstack.generate_key())

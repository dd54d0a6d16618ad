"""``volt contact get|upsert``."""

from __future__ import annotations

from pytest_httpx import HTTPXMock

from tests.payloads import FROM, TO, contact_data

from .helpers import RunVolt, fields, respond, sent


def test_contact_get_prints_the_contact(httpx_mock: HTTPXMock, volt: RunVolt) -> None:
    respond(httpx_mock, {"contact": contact_data()})

    run = volt("contact", "get", "--phone", TO, "--primary-phone", FROM)

    assert run.code == 0
    assert sent(httpx_mock) == [("GetContact", {"primaryPhone": FROM, "phoneNumber": TO})]
    shown = fields(run.out)
    assert shown["name"] == "Ada"
    assert shown["phone"] == TO
    assert shown["blocked"] == "no"
    assert shown["account"] == f"Main line ({FROM})"
    assert shown["fields"] == "plan = gold"
    assert shown["lists"] == "VIP"
    assert shown["updated at"] == "2024-05-02 08:30:00+02:00"


def test_contact_upsert_sends_blocked_and_the_custom_fields(
    httpx_mock: HTTPXMock, volt: RunVolt
) -> None:
    respond(httpx_mock, {"createOrUpdateContact": contact_data(blocked=True)})

    run = volt(
        "contact", "upsert", "--phone", TO, "--account-phone", FROM, "--name", "Ada",
        "--blocked", "--field", "plan=gold", "--field", "note=a=b", "--json",
    )  # fmt: skip

    assert run.code == 0
    assert sent(httpx_mock) == [
        (
            "UpsertContact",
            {
                "name": "Ada",
                "phoneNumber": TO,
                "accountPhone": FROM,
                "customFields": [{"key": "plan", "value": "gold"}, {"key": "note", "value": "a=b"}],
                "blocked": True,
            },
        )
    ]
    assert run.json == contact_data(blocked=True)


def test_contact_upsert_with_not_blocked_sends_false(httpx_mock: HTTPXMock, volt: RunVolt) -> None:
    respond(httpx_mock, {"createOrUpdateContact": contact_data()})

    run = volt(
        "contact", "upsert", "--phone", TO, "--account-phone", FROM, "--name", "Ada",
        "--not-blocked",
    )  # fmt: skip

    assert run.code == 0
    assert sent(httpx_mock)[0][1]["blocked"] is False
    assert sent(httpx_mock)[0][1]["customFields"] == []
    assert fields(run.out)["blocked"] == "no"


def test_contact_upsert_requires_blocked_or_not_blocked(
    httpx_mock: HTTPXMock, volt: RunVolt
) -> None:
    run = volt("contact", "upsert", "--phone", TO, "--account-phone", FROM, "--name", "Ada")

    assert run.code == 2
    assert run.err == (
        "volt: one of the arguments --blocked --not-blocked is required "
        "(see 'volt contact upsert --help')\n"
    )
    assert httpx_mock.get_requests() == []


def test_a_field_without_an_equals_sign_is_a_usage_error(volt: RunVolt) -> None:
    run = volt(
        "contact", "upsert", "--phone", TO, "--account-phone", FROM, "--name", "Ada",
        "--blocked", "--field", "plan",
    )  # fmt: skip

    assert run.code == 2
    assert "argument --field: expected KEY=VALUE, got 'plan'" in run.err

"""``volt list get|upsert|add``."""

from __future__ import annotations

from pytest_httpx import HTTPXMock

from tests.payloads import FROM, TO, list_data

from .helpers import RunVolt, fields, respond, sent


def test_list_get_prints_the_list(httpx_mock: HTTPXMock, volt: RunVolt) -> None:
    respond(httpx_mock, {"list": list_data()})

    run = volt("list", "get", "--primary-phone", FROM, "--name", "VIP")

    assert run.code == 0
    assert sent(httpx_mock) == [("GetList", {"primaryPhone": FROM, "listName": "VIP"})]
    shown = fields(run.out)
    assert (shown["id"], shown["name"], shown["size"]) == ("list_1", "VIP", "2")
    assert shown["created at"] == "2024-05-01 12:00:00+00:00"


def test_list_upsert_sends_the_list_query(httpx_mock: HTTPXMock, volt: RunVolt) -> None:
    respond(httpx_mock, {"createOrUpdateList": list_data(querySourceListName="VIP")})

    run = volt(
        "list", "upsert", "--primary-phone", FROM, "--name", "VIP Smiths",
        "--source-list", "VIP", "--name-search", "Smith",
    )  # fmt: skip

    assert run.code == 0
    assert sent(httpx_mock) == [
        (
            "UpsertList",
            {
                "primaryPhone": FROM,
                "listQuery": {
                    "name": "VIP Smiths",
                    "sourceListName": "VIP",
                    "nameSearchTerm": "Smith",
                },
            },
        )
    ]
    assert fields(run.out)["source list"] == "VIP"


def test_list_add_sends_every_phone_normalized(httpx_mock: HTTPXMock, volt: RunVolt) -> None:
    respond(httpx_mock, {"addContactsToList": list_data(size=4)})

    run = volt("list", "add", "--primary-phone", FROM, "--name", "VIP", TO, "+1 555 555 0146")

    assert run.code == 0
    assert sent(httpx_mock) == [
        (
            "AddContactsToList",
            {"primaryPhone": FROM, "listName": "VIP", "phoneNumbers": [TO, "+15555550146"]},
        )
    ]
    assert fields(run.out)["size"] == "4"


def test_list_add_names_the_bad_phone(httpx_mock: HTTPXMock, volt: RunVolt) -> None:
    run = volt("list", "add", "--primary-phone", FROM, "--name", "VIP", TO, "abc")

    assert run.code == 2
    assert run.err.startswith("volt: PHONE: 'abc' is not a phone number")
    assert httpx_mock.get_requests() == []

"""Contacts and lists: upserts, static and dynamic lists, membership."""

from __future__ import annotations

import pytest

from volt_sdk import GraphQLError, NotFoundError, Volt
from volt_sdk.sandbox import Sandbox

from .conftest import OTHER


def test_a_contact_is_created_then_updated_in_place(volt: Volt, sender: str) -> None:
    created = volt.upsert_contact(
        phone_number=OTHER,
        account_phone=sender,
        name="Ann",
        blocked=False,
        custom_fields={"plan": "gold", "city": "Oslo"},
    )
    updated = volt.upsert_contact(
        phone_number=OTHER,
        account_phone=sender,
        name="Ann Lee",
        blocked=True,
        custom_fields={"plan": "silver", "city": None},
    )

    assert updated.id == created.id
    assert (updated.name, updated.blocked) == ("Ann Lee", True)
    assert [(f.key, f.value) for f in updated.custom_fields or [] if f] == [("plan", "silver")]
    assert updated.created_at == created.created_at
    assert updated.account is not None
    assert updated.account.primary_phone == sender
    assert updated.mapped_number == sender


def test_custom_fields_not_sent_are_kept(volt: Volt, sender: str) -> None:
    volt.upsert_contact(
        phone_number=OTHER, account_phone=sender, name="A", blocked=False, custom_fields={"k": "v"}
    )

    again = volt.upsert_contact(phone_number=OTHER, account_phone=sender, name="A", blocked=False)

    assert [(f.key, f.value) for f in again.custom_fields or [] if f] == [("k", "v")]


def test_a_contact_is_read_back_with_its_lists_and_account(volt: Volt, sender: str) -> None:
    volt.upsert_contact(phone_number=OTHER, account_phone=sender, name="Ann", blocked=False)
    volt.upsert_list(primary_phone=sender, name="VIP")
    volt.upsert_list(primary_phone=sender, name="Other")
    volt.add_contacts_to_list(primary_phone=sender, list_name="VIP", phone_numbers=[OTHER])

    contact = volt.get_contact(phone_number=OTHER, primary_phone=sender)

    assert contact.name == "Ann"
    assert [lst.name for lst in contact.lists or [] if lst] == ["VIP"]
    assert contact.account is not None
    assert contact.account.id.startswith("acct_")


def test_contacts_belong_to_one_account(volt: Volt, sandbox: Sandbox, sender: str) -> None:
    volt.upsert_contact(phone_number=OTHER, account_phone=sender, name="Ann", blocked=False)

    with pytest.raises(NotFoundError):
        volt.get_contact(phone_number=OTHER, primary_phone=sandbox.numbers[1])
    with pytest.raises(NotFoundError):
        volt.get_contact(phone_number="+15555550146", primary_phone=sender)


def test_a_contact_of_an_account_the_organization_does_not_own_is_refused(volt: Volt) -> None:
    with pytest.raises(GraphQLError, match="accountPhone"):
        volt.upsert_contact(
            phone_number=OTHER, account_phone="+15555550199", name="Ann", blocked=False
        )
    with pytest.raises(GraphQLError, match="primaryPhone"):
        volt.get_contact(phone_number=OTHER, primary_phone="+15555550199")


def test_adding_numbers_to_a_list_creates_bare_contacts_and_counts_members(
    volt: Volt, sender: str
) -> None:
    volt.upsert_contact(phone_number=OTHER, account_phone=sender, name="Ann", blocked=False)
    empty = volt.upsert_list(primary_phone=sender, name="Customers")

    grown = volt.add_contacts_to_list(
        primary_phone=sender,
        list_name="Customers",
        phone_numbers=[OTHER, "+15555550146", "+15555550146"],
    )

    assert empty.size == 0
    assert grown.size == 2
    assert grown.id == empty.id
    bare = volt.get_contact(phone_number="+15555550146", primary_phone=sender)
    assert (bare.name, bare.blocked) == (None, False)
    assert volt.get_list(primary_phone=sender, name="Customers").size == 2
    again = volt.add_contacts_to_list(
        primary_phone=sender, list_name="Customers", phone_numbers=[OTHER]
    )
    assert again.size == 2


def test_a_dynamic_list_holds_the_source_lists_contacts_whose_name_matches(
    volt: Volt, sender: str
) -> None:
    for number, name in (("+15555550141", "Ann Lee"), ("+15555550142", "Bob"), (OTHER, "anna")):
        volt.upsert_contact(phone_number=number, account_phone=sender, name=name, blocked=False)
    volt.upsert_list(primary_phone=sender, name="All")
    volt.add_contacts_to_list(
        primary_phone=sender, list_name="All", phone_numbers=["+15555550141", "+15555550142"]
    )

    dynamic = volt.upsert_list(
        primary_phone=sender, name="Anns", source_list_name="All", name_search_term="ANN"
    )
    everyone = volt.upsert_list(primary_phone=sender, name="Any ann", name_search_term="ann")

    assert (dynamic.query_source_list_name, dynamic.query_name_search_term) == ("All", "ANN")
    assert dynamic.size == 1  # anna is not in All
    assert everyone.size == 2  # no source: every contact of the account
    volt.add_contacts_to_list(primary_phone=sender, list_name="All", phone_numbers=[OTHER])
    assert volt.get_list(primary_phone=sender, name="Anns").size == 2
    lists = volt.get_contact(phone_number=OTHER, primary_phone=sender).lists or []
    assert sorted(lst.name or "" for lst in lists if lst) == ["All", "Anns", "Any ann"]


def test_list_refusals_arrive_as_graphql_errors(volt: Volt, sender: str) -> None:
    volt.upsert_list(primary_phone=sender, name="Dyn", name_search_term="x")

    with pytest.raises(GraphQLError, match="no list 'Missing'") as missing:
        volt.add_contacts_to_list(primary_phone=sender, list_name="Missing", phone_numbers=[OTHER])
    with pytest.raises(GraphQLError, match="dynamic"):
        volt.add_contacts_to_list(primary_phone=sender, list_name="Dyn", phone_numbers=[OTHER])
    with pytest.raises(GraphQLError, match="sourceListName"):
        volt.upsert_list(primary_phone=sender, name="New", source_list_name="Missing")
    with pytest.raises(GraphQLError, match="its own source"):
        volt.upsert_list(primary_phone=sender, name="Dyn", source_list_name="Dyn")
    assert missing.value.errors[0].extensions["code"] == "NOT_FOUND"


def test_a_cycle_of_dynamic_lists_is_refused(volt: Volt, sender: str) -> None:
    volt.upsert_list(primary_phone=sender, name="A")
    volt.upsert_list(primary_phone=sender, name="B", source_list_name="A")

    with pytest.raises(GraphQLError, match="its own source"):
        volt.upsert_list(primary_phone=sender, name="A", source_list_name="B")


def test_an_unknown_list_is_not_found(volt: Volt, sender: str) -> None:
    with pytest.raises(NotFoundError):
        volt.get_list(primary_phone=sender, name="Nope")

"""A local Volt-compatible GraphQL server: test and demo without a Volt account.

Needs the sandbox extra: ``pip install "volt-sdk[sandbox]"``. ``import volt_sdk``
never imports this package.

::

    from volt_sdk import Volt
    from volt_sdk.sandbox import Sandbox

    with Sandbox() as sandbox:
        with Volt(base_url=sandbox.url, token=sandbox.token) as volt:
            msg = volt.send_message(to="+15555550145", from_=sandbox.numbers[0], body="Hi")
            print(volt.get_message(msg.id).status)           # delivered
        print(sandbox.outbox())

It serves the exact schema of the client (``schema.graphql`` here is a copy of
``queries/schema.graphql``) with ariadne, and behaves like Volt as far as what is
known of Volt goes (REFERENCE.md). Where Volt's behaviour is unknown, the
sandbox makes a choice; each is listed below.

HTTP and errors
---------------
- ``POST /graphql`` (also ``/v1.0/graphql``) with ``{"query", "variables",
  "operationName"}``; ``Authorization: Bearer <token>`` is required. Introspection works.
- Missing or wrong token: HTTP 401, ``{"errors": [{"message": ...}]}``.
- A body that is not JSON, not an object, or has no ``query``: HTTP 400 with ``errors``.
  Other methods than POST: 405. A body over 1 MiB: 413.
- A document that does not parse or validate, bad variables, and every refusal
  by a resolver (bad E.164, a ``from`` the organization does not own, an empty
  message, an unknown ``before`` cursor, ...): HTTP **200** with
  ``{"errors": [{"message", "locations", "path", "extensions": {"code"}}], "data": ...}``,
  ``data`` being null (or null at the refused field). This follows REFERENCE 8.1:
  Volt's clients read GraphQL errors from the body.
- ``extensions.code`` is a **sandbox choice** (Volt is thought not to send one):
  ``BAD_USER_INPUT``, ``FORBIDDEN`` (not the organization's number),
  ``NOT_FOUND`` (an unknown list, cursor, ...), ``GRAPHQL_PARSE_FAILED``,
  ``GRAPHQL_VALIDATION_FAILED``, ``INTERNAL_SERVER_ERROR`` (a sandbox bug);
  refusals of an argument also carry ``extensions.argument``.
- Looking up something that does not exist (``message``, ``contact``, ``list``,
  ``wave``, ``deleteWebhook``) returns null, which the client turns into
  ``NotFoundError``; ``conversation`` returns an empty page instead.

The organization
----------------
One organization owns ``numbers``; each number is an ``Account`` (its
``primaryPhone``). Timestamps are ISO 8601 UTC with milliseconds
(``2024-05-01T12:00:00.250Z``). Ids are a prefix and a zero-padded counter
(``msg_000000000042``): they sort in creation order and never repeat, not even
across a restart with the same ``db=`` file or after :meth:`Sandbox.reset`.

Messages
--------
``createMessage`` checks E.164 (``^\\+[1-9][0-9]{6,14}$``), refuses a ``from``
the organization does not own (naming it), and requires a non-blank body or at
least one media URL (absolute ``http(s)``). It stores media and passthrough.

Lifecycle: ``queued`` -> ``sent`` (``sentAt`` set) -> ``delivered`` or ``failed``
(``confirmedAt`` set; ``failed`` also sets ``errorCode`` and a
``statusDescription`` from Volt's error-code table), one step every ``pace``
seconds. The status is computed from stored timestamps when read: no timer
runs. **Choice:** ``createMessage`` itself always answers the message as
accepted (``queued``, no ``sentAt``), as a real API answers before the carrier
does; every later read (``message``, ``conversation``, :meth:`Sandbox.outbox`)
shows the state at that moment, which with ``pace=0`` is already final.

Magic destination numbers (all *possible* North American numbers, area code
500, so the client's checks let them through). A message to one of them is
accepted like any other and ends ``failed`` with the code below; none is
refused synchronously (REFERENCE 8.1: delivery failures surface as
``Message.errorCode``, not as request errors). Every other number ends ``delivered``.

================  ==========  ===========================================
To                errorCode   Family (REFERENCE 8.2)
================  ==========  ===========================================
+15005550001      402         client: invalid "to" number
+15005550002      501         phone number: destination not routable
+15005550003      503         phone number: DNC list / opted out
+15005550004      601         volumetric: messaging rate limit exceeded
+15005550005      701         spam: blocked as spam by Volt
+15005550006      801         carrier: temporarily rejected by the carrier
+15005550009      901         system: internal Volt error
================  ==========  ===========================================

A message to a contact saved with ``blocked: true`` on the sending number also
ends ``failed`` with 503.

``conversation(to, from, before)``: messages between the two numbers in either
direction, newest first, ``page_size`` per page; ``before`` is the id of a
message of that conversation and gives the messages older than it (any other
id is a ``NOT_FOUND`` error); ``pageInfo.totalItems`` counts the whole
conversation; ``from`` must be one of the organization's numbers.
:meth:`Sandbox.simulate_inbound` adds a received message (status ``received``).

Contacts, lists, waves, webhooks
--------------------------------
- Contacts are keyed by (``accountPhone``, ``phoneNumber``);
  ``createOrUpdateContact`` sets name and blocked, and *merges* ``customFields``
  (a key with a null value is removed), so sending no fields keeps them.
  ``mappedNumber`` is the account's number. ``Contact.lists`` lists the lists
  that have the contact as a member.
- Lists are keyed by (``primaryPhone``, name). ``createOrUpdateList`` with only
  a name makes a static list; with ``sourceListName`` and/or ``nameSearchTerm``
  a dynamic one: the contacts of the source list (or of the whole account)
  whose name contains the term, case-insensitively, recomputed on every read.
  ``addContactsToList`` adds to a static list, creating a bare contact (no name,
  not blocked) for a number the account does not know; it refuses a dynamic list
  and an unknown list. ``size`` counts the members when read.
- ``createWave(input)``: the input shape is a guess (REFERENCE 3.2). The wave is
  stored, ``totalMessages`` counts the distinct contacts of its lists (ids from
  ``List.id``) and no message is sent, so delivered and failed stay 0.
- ``registerWebhook`` stores url, primaryPhone and eventTypes, after Volt's
  test request (below).

Webhooks
--------
Needs the webhooks extra too (``cryptography``) once a webhook is used. The
scheme and payloads are those of :mod:`volt_sdk.webhooks`, provisional [GUESS]
like Volt's own documentation of them (see ``docs/webhooks.md``).

- Signing: one RSA-2048 key pair per process signs every request in
  ``X-Respond-Flow-Signature`` (base64 PKCS#1 v1.5 SHA-256 over the exact body).
  ``GET /_sandbox/webhook-key`` (no token, like Volt's ``id_rsa.pub``) serves the
  public key as ``ssh-rsa AAAA...``; ``?format=pem`` as PEM.
- ``registerWebhook`` first POSTs a signed ``webhook.test`` event to the URL
  (3 s timeout) and refuses the registration (``BAD_USER_INPUT``, argument
  ``url``) unless it answers 2xx. ``Sandbox(webhook_probe=False)`` skips it. The
  request is made from the server's thread, which waits for it.
- **Choice:** URLs on domains reserved for documentation (``example.com``,
  ``example.net``, ``example.org`` and their subdomains, ``*.example``,
  ``*.invalid``, ``*.test``) are never contacted: the test request and every
  delivery count as answered 2xx and are logged with ``simulated=True``.
- Events: ``message.sent`` at ``sentAt`` and ``message.finalized`` (delivered
  or failed) at ``confirmedAt`` of each created message, i.e. ``pace`` and
  ``2 * pace`` seconds after ``createMessage``; ``message.received`` at once for
  each inbound message (:meth:`Sandbox.simulate_inbound`, ``POST
  /_sandbox/inbound``). An event is queued only if some webhook exists when
  its message is created, and goes, when due, to each webhook registered then
  whose ``primaryPhone`` (if set) is the message's organization number and whose
  ``eventTypes`` (if set and not empty) include it (``MESSAGE_SENT``,
  ``MESSAGE_FINALIZED``, ``MESSAGE_RECEIVED``).
- Delivery: a POST of the JSON event (``application/json``) from one worker
  thread (started on the first event, stopped by ``close()``), 3 s timeout.
  Anything but a 2xx is retried after ``webhook_backoff`` seconds (default 0.5),
  doubling, up to ``webhook_attempts`` tries (default 5). At most 10 000
  deliveries wait; more are dropped with a warning. Every attempt is logged:
  :meth:`Sandbox.webhook_deliveries`; :meth:`Sandbox.wait_for_webhooks` waits
  until none is pending. :meth:`Sandbox.reset` empties the queue and the log.

Faults (:class:`FaultConfig`)
-----------------------------
Per sandbox from Python (``faults=``, :meth:`Sandbox.set_faults`) or over HTTP.
They apply to GraphQL requests that carry the right token, never to control
routes. Deterministic: the same seed and request sequence give the same faults.
A 429 (with ``Retry-After``) and a 5xx (500/502/503/504; 502 is an HTML page)
answer *instead of* running the operation. A dropped connection (closed with no
response) and a malformed answer (200, ``application/json``, the body cut in
half) come *after* the operation ran: a mutation took effect although the
client got an error, which is exactly when a client must not resend.

Control routes, on the same server, with the same token
-------------------------------------------------------
``GET /_sandbox/health`` (no token), ``GET /_sandbox/outbox``,
``GET``/``POST /_sandbox/faults`` (JSON of FaultConfig fields; replaces the
configuration and reseeds), ``POST /_sandbox/reset``, ``POST /_sandbox/inbound``
(``{"from_number", "to_number", "body", "media"}``; webhooks get a
``message.received`` event), ``GET /_sandbox/webhook-key`` (no token).
"""

from __future__ import annotations

import importlib as _importlib

try:
    for _extra in ("ariadne", "graphql", "uvicorn"):
        _importlib.import_module(_extra)
except ImportError as _exc:  # pragma: no cover - depends on the environment
    # A ModuleNotFoundError (an ImportError) that keeps the missing module's name,
    # so that callers such as the `volt` CLI can tell a missing extra from a bug.
    raise ModuleNotFoundError(
        f'the Volt sandbox needs its extra: pip install "volt-sdk[sandbox]" '
        f"(missing: {_exc.name or _exc})",
        name=_exc.name,
    ) from _exc

from ._faults import FaultConfig
from ._server import DEFAULT_NUMBERS, DEFAULT_TOKEN, Sandbox, serve
from ._store import MAGIC_NUMBERS, MagicOutcome, OutboxMessage
from ._webhooks import WebhookDelivery

__all__ = [
    "DEFAULT_NUMBERS",
    "DEFAULT_TOKEN",
    "MAGIC_NUMBERS",
    "FaultConfig",
    "MagicOutcome",
    "OutboxMessage",
    "Sandbox",
    "WebhookDelivery",
    "serve",
]

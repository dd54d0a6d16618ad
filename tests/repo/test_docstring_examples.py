"""Every code example of the API reference's docstrings runs (``test_docs.py`` runs the guides').

The examples are found the way the site finds them: the public API read statically with
griffe (``load`` of ``scripts/mkdocs_hooks.py``), the objects the ``:::`` directives of
``docs/reference/`` render (``Site`` of ``scripts/mkdocs_docstrings.py``, with their
members and inherited members), and in each of their docstrings the blocks the site shows
as code (``code_blocks``: a ``::`` block with the language the site gives it, ``pycon``,
``json``, ``python`` or ``text``, and a fenced block with its own).

:data:`EXAMPLES` says how each one runs: per rendered object, one kind per example, in
order. An example no entry classifies fails (so does an entry left without its example,
and a kind given a block of another language: a Python example that stopped parsing is
``text`` on the site, and fails its :class:`Script` entry). The kinds:

- :class:`Script`: a complete example, run as written with the ``volt_sandbox`` fixture
  behind ``VOLT_API_URL`` / ``VOLT_API_TOKEN``, so ``Volt()`` meets a real Volt-compatible
  server over loopback. An example with top-level ``await`` / ``async with`` / ``async
  for`` is compiled as a coroutine (``PyCF_ALLOW_TOP_LEVEL_AWAIT``) and run with
  ``asyncio.run``.
- :class:`Fragment`: the few lines of a method's docstring, run the same way in a namespace
  of the public names of ``volt_sdk``, ``volt_sdk.sandbox`` and ``volt_sdk.webhooks`` (what
  the reference pages are about) and of the names it declares, built by the test
  (:func:`given_values`): ``volt`` a client of the sandbox (an ``AsyncVolt`` in ``AsyncVolt``'s
  docstrings, run in an event loop), ``sandbox``, and a signed webhook request (``key``,
  ``body``, ``headers``, ``request``). A fragment may check what it left behind.
- :class:`PytestFunctions`: defines ``test_*`` functions, each called with the fixtures it names.
- :class:`Receiver`: the webhook receiver of ``volt_sdk.webhooks``, with Volt's key served
  by a mocked Volt, called with signed and forged requests.
- :class:`Doctest` (``pycon``): run by :mod:`doctest`; what it shows must be what it prints.
- :class:`Diagram` (``text``): shown, not run (a tree of classes).
- :class:`JsonDocument` (``json``): must parse.
- :class:`Shell` (``bash``, ``console``): each ``volt`` or ``make`` command must exist, as
  the guides' shell blocks (``test_docs.py``).

An example that raises fails its case. An example the site does not show as code fails too
(a ``>>>`` line in prose, a ``::`` with no indented block under it): nothing would run it.
"""

from __future__ import annotations

import ast
import asyncio
import doctest
import importlib.util
import inspect
import json
import sys
from collections.abc import Callable, Iterator, Mapping
from contextlib import AsyncExitStack, ExitStack
from dataclasses import dataclass
from pathlib import Path
from textwrap import indent
from types import CodeType
from typing import TYPE_CHECKING, Any, ClassVar

import httpx
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from pytest_httpx import HTTPXMock

import volt_sdk
import volt_sdk.sandbox
import volt_sdk.stores
import volt_sdk.webhooks
from tests.repo.test_docs import MAKE_TARGETS, Block, check_volt_command, commands

ROOT = Path(__file__).resolve().parents[2]
REFERENCE = ROOT / "docs" / "reference"

if TYPE_CHECKING:
    import mkdocs_docstrings
    import mkdocs_hooks
else:

    def _script(name: str) -> Any:
        module = sys.modules.get(name)
        if module is None:
            spec = importlib.util.spec_from_file_location(name, ROOT / "scripts" / f"{name}.py")
            assert spec is not None
            assert spec.loader is not None
            module = importlib.util.module_from_spec(spec)
            sys.modules[name] = module  # dataclasses look their module up
            spec.loader.exec_module(module)
        return module

    mkdocs_hooks = _script("mkdocs_hooks")
    mkdocs_docstrings = _script("mkdocs_docstrings")


# -- the examples the site shows -------------------------------------------------------------


@dataclass(frozen=True)
class Example:
    """One code block of a rendered docstring."""

    anchor: str  # where the site renders it: volt_sdk.Volt.execute
    index: int  # among the object's examples, from 0
    language: str
    code: str
    origin: str  # the docstring's file and line, for a traceback

    @property
    def id(self) -> str:
        return f"{self.anchor}[{self.index}]"

    @property
    def asynchronous(self) -> bool:
        """Top-level ``await``, or a method of ``AsyncVolt`` (whose ``volt`` is async)."""
        return bool(compiled(self).co_flags & inspect.CO_COROUTINE) or self.anchor.startswith(
            "volt_sdk.AsyncVolt"
        )


def examples_of(anchor: str, docstring: str, origin: str) -> list[Example]:
    return [
        Example(anchor, index, block.language, block.code, origin)
        for index, block in enumerate(mkdocs_docstrings.code_blocks(docstring))
    ]


def rendered() -> Iterator[tuple[str, str, str]]:
    """``(anchor, docstring, origin)`` of every docstring the reference renders."""
    package = mkdocs_hooks.load(ROOT)
    site = mkdocs_docstrings.Site.from_reference(package.modules_collection, REFERENCE)
    for anchor, obj in mkdocs_docstrings.rendered_docstrings(site):
        assert obj.docstring is not None
        path = obj.filepath if isinstance(obj.filepath, Path) else obj.filepath[0]
        origin = f"{path.relative_to(ROOT)}:{obj.docstring.lineno}"
        yield anchor, obj.docstring.value, origin


DOCSTRINGS = list(rendered())
FOUND = [e for anchor, text, origin in DOCSTRINGS for e in examples_of(anchor, text, origin)]


def compiled(example: Example) -> CodeType:
    """The example's code; with top-level ``await`` its flags say CO_COROUTINE."""
    code: CodeType = compile(
        example.code,
        f"<{example.origin}: {example.id}>",
        "exec",
        flags=ast.PyCF_ALLOW_TOP_LEVEL_AWAIT,
        dont_inherit=True,
    )
    return code


# -- what the test gives an example ----------------------------------------------------------


class Env:
    """What an example may need, built on demand from the test's fixtures."""

    def __init__(self, request: pytest.FixtureRequest, capsys: pytest.CaptureFixture[str]):
        self.request = request
        self.capsys = capsys

    def sandbox(self) -> volt_sdk.sandbox.Sandbox:
        """The ``volt_sandbox`` fixture: clean, ``VOLT_API_URL`` and ``VOLT_API_TOKEN`` name it."""
        sandbox: volt_sdk.sandbox.Sandbox = self.request.getfixturevalue("volt_sandbox")
        return sandbox

    @property
    def httpx_mock(self) -> HTTPXMock:
        mock: HTTPXMock = self.request.getfixturevalue("httpx_mock")
        return mock

    @property
    def signing_key(self) -> rsa.RSAPrivateKey:
        key: rsa.RSAPrivateKey = self.request.getfixturevalue("signing_key")
        return key


@pytest.fixture(scope="module")
def signing_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def openssh(key: rsa.RSAPrivateKey) -> bytes:
    return key.public_key().public_bytes(
        serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH
    )


def signed(event: Mapping[str, Any], key: rsa.RSAPrivateKey) -> tuple[dict[str, str], bytes]:
    body = json.dumps(event).encode()
    return {volt_sdk.webhooks.SIGNATURE_HEADER: volt_sdk.webhooks.sign_body(body, key)}, body


RECEIVED = {
    "id": "evt_1",
    "event_type": "message.received",
    "payload": {"id": "msg_1", "text": "STOP", "from_number": "+15555550145"},
}


class WebRequest:
    """A web framework's request (Starlette's shape): ``headers``, and the body to await."""

    def __init__(self, headers: Mapping[str, str], body: bytes) -> None:
        self.headers = dict(headers)
        self._body = body

    async def body(self) -> bytes:
        return self._body


def public_names() -> dict[str, Any]:
    """What the reference pages document: the public names of each public module."""
    names: dict[str, Any] = {}
    for module in (volt_sdk.sandbox, volt_sdk.webhooks, volt_sdk):
        names.update({name: getattr(module, name) for name in module.__all__})
    return names


def given_values(
    names: tuple[str, ...], env: Env, example: Example, stack: ExitStack | AsyncExitStack
) -> dict[str, Any]:
    """The values of ``names`` for ``example``; a client is closed with ``stack``."""
    values: dict[str, Any] = {}
    webhook = {"key", "body", "request_body", "headers", "request"} & {*names}
    headers, body = signed(RECEIVED, env.signing_key) if webhook else ({}, b"")
    for name in names:
        if name == "volt":
            sandbox = env.sandbox()
            if example.asynchronous:
                assert isinstance(stack, AsyncExitStack)
                client = volt_sdk.AsyncVolt(base_url=sandbox.url, token=sandbox.token)
                stack.push_async_callback(client.close)
                values[name] = client
            else:
                values[name] = stack.enter_context(
                    volt_sdk.Volt(base_url=sandbox.url, token=sandbox.token)
                )
        elif name == "sandbox":
            values[name] = env.sandbox()
        elif name == "acme_token":  # another organization's: one the sandbox knows
            values[name] = env.sandbox().token
        elif name == "key":
            values[name] = env.signing_key.public_key()
        elif name in ("body", "request_body"):
            values[name] = body
        elif name == "headers":
            values[name] = headers
        elif name == "request":
            values[name] = WebRequest(headers, body)
        else:
            raise AssertionError(f"{example.id}: the test gives no {name!r}")
    return values


def execute(
    example: Example,
    namespace: dict[str, Any],
    prepare: Callable[[ExitStack | AsyncExitStack], dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """Run ``example`` in ``namespace`` (with what ``prepare`` adds); the namespace after.

    An asynchronous example runs in an event loop of its own, its top-level ``await``
    included; what ``prepare`` opened is closed in that loop.
    """
    code = compiled(example)

    if not example.asynchronous:
        with ExitStack() as stack:
            namespace.update(prepare(stack) if prepare else {})
            exec(code, namespace)
        return namespace

    async def main() -> None:
        async with AsyncExitStack() as stack:
            namespace.update(prepare(stack) if prepare else {})
            result = eval(code, namespace)
            if inspect.isawaitable(result):
                await result

    asyncio.run(main())
    return namespace


# -- how each kind runs ----------------------------------------------------------------------

PYTHON = frozenset({"python"})


class Kind:
    """How an example runs; ``languages``: the blocks it is for."""

    languages: ClassVar[frozenset[str]] = PYTHON

    def run(self, example: Example, env: Env) -> None:
        raise NotImplementedError


@dataclass(frozen=True)
class Script(Kind):
    """A complete example, against the sandbox (``Volt()`` finds it in the environment)."""

    def run(self, example: Example, env: Env) -> None:
        env.sandbox()
        execute(example, {"__name__": "docstring_example"})
        if "print(" in example.code:
            assert env.capsys.readouterr().out.strip()


@dataclass(frozen=True)
class Fragment(Kind):
    """Lines that use ``given`` names (and the public ones), then ``check`` what they left."""

    given: tuple[str, ...] = ()
    check: Callable[[dict[str, Any], Env], None] | None = None
    prepare: Callable[[Env], None] | None = None  # a file to read, a mocked answer

    def run(self, example: Example, env: Env) -> None:
        if self.prepare is not None:
            self.prepare(env)
        namespace = {"__name__": "docstring_example", **public_names()}
        execute(example, namespace, lambda stack: given_values(self.given, env, example, stack))
        if self.check is not None:
            self.check(namespace, env)


@dataclass(frozen=True)
class PytestFunctions(Kind):
    """``test_*`` functions: each called with the fixtures it names."""

    def run(self, example: Example, env: Env) -> None:
        namespace = execute(example, {"__name__": "docstring_example"})
        tests = [value for name, value in namespace.items() if name.startswith("test_")]
        assert tests, f"{example.id} defines no test"
        for test in tests:
            fixtures = {
                name: env.request.getfixturevalue(name)
                for name in inspect.signature(test).parameters
            }
            result = test(**fixtures)
            if inspect.iscoroutine(result):
                asyncio.run(result)


@dataclass(frozen=True)
class Receiver(Kind):
    """The module's webhook receiver: Volt's key from a mocked Volt, then signed requests."""

    def run(self, example: Example, env: Env) -> None:
        webhooks = volt_sdk.webhooks
        env.httpx_mock.add_response(url=webhooks.DEFAULT_KEY_URL, content=openssh(env.signing_key))
        webhooks.clear_key_cache()
        try:
            handle: Callable[[Mapping[str, str], bytes], int] = execute(
                example, {"__name__": "docstring_example"}
            )["handle"]
        finally:
            webhooks.clear_key_cache()
        headers, body = signed(RECEIVED, env.signing_key)
        assert handle(headers, body) == 204
        assert handle(headers, body.replace(b"STOP", b"stop")) == 400  # forged
        assert handle({}, body) == 400  # unsigned
        headers, body = signed({"not": "an event"}, env.signing_key)
        assert handle(headers, body) == 400


@dataclass(frozen=True)
class Doctest(Kind):
    """A ``>>>`` session: what it shows must be what it prints."""

    languages: ClassVar[frozenset[str]] = frozenset({"pycon"})

    def run(self, example: Example, env: Env) -> None:
        test = doctest.DocTestParser().get_doctest(
            example.code, public_names(), example.id, example.origin, 0
        )
        report: list[str] = []
        runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS)
        result = runner.run(test, out=report.append, clear_globs=True)
        assert result.attempted, f"{example.id}: no >>> line"
        assert not result.failed, "".join(report)


@dataclass(frozen=True)
class Diagram(Kind):
    """A text diagram (a tree of classes): shown, not run."""

    languages: ClassVar[frozenset[str]] = frozenset({"text"})

    def run(self, example: Example, env: Env) -> None:
        assert example.code.strip()


@dataclass(frozen=True)
class Shell(Kind):
    """Shell commands (``$ `` prompts in a console block): each volt or make command exists."""

    languages: ClassVar[frozenset[str]] = frozenset({"bash", "console", "sh", "shell"})

    def run(self, example: Example, env: Env) -> None:
        lines = example.code.splitlines()
        if example.language == "console":
            lines = [line[2:] for line in lines if line.startswith("$ ")]
        block = Block(example.origin, 0, "bash", "\n".join(lines), None)
        found = list(commands(block))
        assert found, f"{example.id}: no command"
        for words in found:
            if words[0] == "volt":
                check_volt_command(words)
            elif words[0] == "make":
                targets = [w for w in words[1:] if "=" not in w and not w.startswith("-")]
                assert targets, words
                assert set(targets) <= MAKE_TARGETS, words


@dataclass(frozen=True)
class JsonDocument(Kind):
    """A JSON document (a payload, an answer): it must parse."""

    languages: ClassVar[frozenset[str]] = frozenset({"json"})

    def run(self, example: Example, env: Env) -> None:
        json.loads(example.code)


# -- the checks a fragment makes -------------------------------------------------------------


def sent(text: str) -> Callable[[dict[str, Any], Env], None]:
    """The sandbox's outbox has a message with ``text`` in its body."""

    def check(namespace: dict[str, Any], env: Env) -> None:
        assert any(text in message.body for message in env.sandbox().outbox())

    return check


def holds(name: str, kind: type) -> Callable[[dict[str, Any], Env], None]:
    """The fragment left ``name``, a ``kind``."""

    def check(namespace: dict[str, Any], env: Env) -> None:
        assert isinstance(namespace.get(name), kind), namespace.get(name)

    return check


def executed(namespace: dict[str, Any], env: Env) -> None:
    assert namespace["data"] == {"wave": None}  # no such wave, and Volt said so: no error


def faults_set(namespace: dict[str, Any], env: Env) -> None:
    assert env.sandbox().faults == volt_sdk.sandbox.FaultConfig(
        seed=7, rate_429=0.2, retry_after=0.5
    )


def both_keys(namespace: dict[str, Any], env: Env) -> None:
    assert len(env.httpx_mock.get_requests()) == 1  # Volt's, mocked; the sandbox's for real
    sandbox_key = volt_sdk.webhooks.load_public_key(env.sandbox().webhook_public_key())
    assert namespace["key"].public_numbers() == sandbox_key.public_numbers()


def prepare_keys(env: Env) -> None:
    """Volt's key URL answered by a mocked Volt; the sandbox's URL reached for real."""
    env.sandbox()
    volt_sdk.webhooks.clear_key_cache()
    env.request.addfinalizer(volt_sdk.webhooks.clear_key_cache)
    env.httpx_mock.add_response(
        url=volt_sdk.webhooks.DEFAULT_KEY_URL, content=openssh(env.signing_key)
    )


def prepare_key_file(env: Env) -> None:
    Path("id_rsa.pub").write_bytes(openssh(env.signing_key))


#: How each rendered object's examples run, in the order of its docstring.
EXAMPLES: dict[str, tuple[Kind, ...]] = {
    "volt_sdk.Volt": (Script(),),
    "volt_sdk.Volt.send_many": (Script(),),
    "volt_sdk.Volt.execute": (Fragment(("volt",), executed),),
    "volt_sdk.Volt.with_raw_response": (Fragment(("volt",), holds("message", volt_sdk.Message)),),
    "volt_sdk.Volt.with_options": (
        Fragment(("volt",), sent("654312")),
        Fragment(("volt", "acme_token"), holds("acme", volt_sdk.Volt)),
    ),
    "volt_sdk.AsyncVolt": (Script(),),
    "volt_sdk.AsyncVolt.send_many": (Script(),),
    "volt_sdk.AsyncVolt.execute": (Fragment(("volt",), executed),),
    "volt_sdk.AsyncVolt.with_raw_response": (
        Fragment(("volt",), holds("message", volt_sdk.Message)),
    ),
    "volt_sdk.AsyncVolt.with_options": (
        Fragment(("volt",), sent("654312")),
        Fragment(("volt", "acme_token"), holds("acme", volt_sdk.AsyncVolt)),
    ),
    "volt_sdk.AioHttpClient": (Script(),),
    "volt_sdk.parse_timestamp": (Doctest(),),
    "volt_sdk.testing": (PytestFunctions(),),
    "volt_sdk.sandbox": (Script(),),
    "volt_sdk.sandbox.Sandbox": (Script(),),
    "volt_sdk.sandbox.FaultConfig": (Fragment(("sandbox",), faults_set),),
    # A Redis limiter connects on its first decision: building one needs no server.
    "volt_sdk.limits": (Fragment((), holds("volt", volt_sdk.Volt)),),
    "volt_sdk.limits.LocalRateLimiter": (Fragment((), holds("marketing", volt_sdk.Volt)),),
    "volt_sdk.limits.RedisRateLimiter": (Fragment((), holds("volt", volt_sdk.Volt)),),
    "volt_sdk.limits.RedisConcurrencyLimiter": (Fragment((), holds("volt", volt_sdk.Volt)),),
    "volt_sdk.webhooks": (Receiver(),),
    "volt_sdk.webhooks.parse_event": (
        Fragment(("request", "key"), holds("event", volt_sdk.webhooks.MessageReceivedEvent)),
    ),
    "volt_sdk.webhooks.verify_signature": (Fragment(("request_body", "headers", "key")),),
    "volt_sdk.webhooks.sign_body": (Fragment(("body",)),),
    "volt_sdk.webhooks.fetch_public_key": (Fragment(("sandbox",), both_keys, prepare_keys),),
    "volt_sdk.webhooks.load_public_key": (
        Fragment((), holds("key", rsa.RSAPublicKey), prepare_key_file),
    ),
    # A client connects on its first command: building the store needs no server.
    "volt_sdk.webhooks.RedisDedup": (Fragment((), holds("dedup", volt_sdk.webhooks.RedisDedup)),),
    # Two SQLite files in the example's own directory (a temporary one here).
    "volt_sdk.stores": (Fragment((), holds("volt", volt_sdk.Volt)),),
    "volt_sdk.stores.RedisSuppressionList": (
        Fragment((), holds("suppression", volt_sdk.stores.RedisSuppressionList)),
    ),
}


def unclassified(found: list[Example], table: Mapping[str, tuple[Kind, ...]]) -> list[str]:
    """What ``table`` does not say how to run, or says of an example that is not there."""
    problems: list[str] = []
    by_anchor: dict[str, list[Example]] = {}
    for example in found:
        by_anchor.setdefault(example.anchor, []).append(example)
    for anchor, examples in by_anchor.items():
        kinds = table.get(anchor, ())
        for example, kind in zip(examples, kinds, strict=False):
            if example.language not in kind.languages:
                problems.append(
                    f"{example.id} ({example.origin}) is a {example.language or 'plain'} block, "
                    f"not one of {sorted(kind.languages)} for {type(kind).__name__}"
                )
        for example in examples[len(kinds) :]:
            first = example.code.strip().splitlines()[0] if example.code.strip() else ""
            problems.append(
                f"{example.id} ({example.origin}, {example.language or 'plain'}: {first!r}) "
                f"is not classified in EXAMPLES"
            )
        if len(kinds) > len(examples):
            problems.append(
                f"{anchor}: EXAMPLES has {len(kinds)} kinds, the docstring {len(examples)} examples"
            )
    problems.extend(
        f"{anchor}: in EXAMPLES, but the reference shows no example of it"
        for anchor in table
        if anchor not in by_anchor
    )
    return problems


def kind_of(example: Example) -> Kind:
    kinds = EXAMPLES.get(example.anchor, ())
    assert example.index < len(kinds), f"{example.id} is not classified in EXAMPLES"
    return kinds[example.index]


# -- the tests -------------------------------------------------------------------------------


def test_the_reference_shows_many_examples() -> None:
    # A discovery that finds nothing must not pass as "nothing to run".
    assert len(FOUND) > 20
    assert {e.anchor for e in FOUND} >= {"volt_sdk.Volt", "volt_sdk.AsyncVolt", "volt_sdk.webhooks"}


def test_every_example_is_classified() -> None:
    assert unclassified(FOUND, EXAMPLES) == []


def test_an_example_the_table_does_not_know_is_reported() -> None:
    forgotten = {k: v for k, v in EXAMPLES.items() if k != "volt_sdk.Volt.execute"}
    assert unclassified(FOUND, forgotten) == [
        "volt_sdk.Volt.execute[0] (volt_sdk/_client/_sync_client.py:198, python: "
        "'data = volt.execute(') is not classified in EXAMPLES"
    ]
    new = examples_of("volt_sdk.Volt.close", "Close it::\n\n    volt.close()\n", "x.py:1")
    assert unclassified([*FOUND, *new], EXAMPLES) == [
        "volt_sdk.Volt.close[0] (x.py:1, python: 'volt.close()') is not classified in EXAMPLES"
    ]
    # An example that no longer parses is a text block on the site, not the Script it was.
    (volt,) = [e for e in FOUND if e.anchor == "volt_sdk.Volt"]
    (broken,) = examples_of(volt.anchor, "Use::\n\n" + indent(volt.code + ")", "    "), "x.py:1")
    assert broken.language == "text"
    others = [e for e in FOUND if e != volt]
    assert unclassified([broken, *others], EXAMPLES) == [
        "volt_sdk.Volt[0] (x.py:1) is a text block, not one of ['python'] for Script"
    ]


def loose_examples(text: str) -> list[str]:
    """Lines of a docstring that show an example the site does not render as code.

    A ``>>>`` line in prose (Markdown shows it as nested quotes), and a paragraph ending
    with ``::`` left as it is: its block is not indented under it (griffe cleans a
    docstring like :func:`inspect.cleandoc`, so a block that is the only indented text
    after the first line loses its indentation).
    """
    return [
        line.strip()
        for line in mkdocs_docstrings.prose_lines(text)
        if line.lstrip().startswith(">>>") or line.rstrip().endswith("::")
    ]


def test_no_example_is_left_outside_a_code_block() -> None:
    loose = [
        f"{origin} ({anchor}): {line}"
        for anchor, text, origin in DOCSTRINGS
        for line in loose_examples(text)
    ]
    assert loose == []


def test_a_loose_example_is_found() -> None:
    assert loose_examples("Parse.\n\n>>> parse_timestamp(0)\n") == [">>> parse_timestamp(0)"]
    assert loose_examples("Build it::\n\nC(1)") == ["Build it::"]
    assert loose_examples("Build it::\n\n    C(1)\n\nDone.") == []


@pytest.fixture
def isolated(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """An example may write files (a journal, a key): in a directory of its own."""
    monkeypatch.chdir(tmp_path)


def not_loopback(request: httpx.Request) -> bool:
    return request.url.host not in ("127.0.0.1", "localhost", "::1")


@pytest.mark.usefixtures("isolated")
@pytest.mark.httpx_mock(should_mock=not_loopback)
@pytest.mark.parametrize("example", FOUND, ids=[e.id for e in FOUND])
def test_a_docstring_example_runs(
    example: Example, request: pytest.FixtureRequest, capsys: pytest.CaptureFixture[str]
) -> None:
    kind = kind_of(example)
    assert example.language in kind.languages, example.id
    kind.run(example, Env(request, capsys))


@pytest.mark.parametrize(
    ("docstring", "kind"),
    [
        ("The tree::\n\n    VoltError\n    └── WebhookError\n", Diagram()),
        ("Run:\n\n```console\n$ volt send --help\nusage: volt send\n```\n", Shell()),
        ("Run:\n\n```bash\nmake docs && volt --version\n```\n", Shell()),
        ("Show::\n\n    >>> parse_timestamp(0).year\n    1970\n", Doctest()),
        ('A payload::\n\n    {"event_type": "test", "payload": {}}\n', JsonDocument()),
    ],
    ids=["text", "console", "bash", "pycon", "json"],
)
def test_each_language_has_its_kind(
    docstring: str, kind: Kind, request: pytest.FixtureRequest, capsys: pytest.CaptureFixture[str]
) -> None:
    (example,) = examples_of("volt_sdk.x", docstring, "x.py:1")
    assert example.language in kind.languages
    assert unclassified([example], {"volt_sdk.x": (kind,)}) == []
    kind.run(example, Env(request, capsys))


def test_a_shell_block_with_an_unknown_flag_fails(
    request: pytest.FixtureRequest, capsys: pytest.CaptureFixture[str]
) -> None:
    (example,) = examples_of("volt_sdk.x", "```bash\nvolt send --nope\n```\n", "x.py:1")
    with pytest.raises(AssertionError, match="--nope"):
        Shell().run(example, Env(request, capsys))


def test_a_wrong_doctest_fails(
    request: pytest.FixtureRequest, capsys: pytest.CaptureFixture[str]
) -> None:
    (example,) = examples_of("volt_sdk.x", "See::\n\n    >>> 1 + 1\n    3\n", "x.py:1")
    with pytest.raises(AssertionError, match="Expected"):
        Doctest().run(example, Env(request, capsys))

"""Mutation testing of the delivery-critical modules: `make mutation`.

mutmut (pinned in pyproject.toml's dev extra, configured in its ``[tool.mutmut]``
table) copies ``volt_sdk/`` into ``mutants/``, makes one small change at a time
(a mutant: ``>`` for ``>=``, ``None`` for a message, ``-`` for ``+``) to the
functions listed in ``SCOPE`` below, and runs the unit tests that reach the
changed function. A mutant is *killed* when a test fails and *survives* when
every test passes: a survivor is behaviour no test pins.

This script starts from an empty ``mutants/`` (a result never comes from a
stale cache), runs mutmut on every mutant in scope, and prints per module the
mutants killed out of those scored, then every survivor as ``file:line``,
function and mutation. It exits 1 when any module in ``SCOPE`` kills under
``--threshold`` percent (95 by default), 2 when mutmut itself fails or a name
in ``SCOPE`` no longer exists. See docs/mutation.md.

    python scripts/mutation.py                   # clean run, then the report
    python scripts/mutation.py --report          # the report of the last run only
    python scripts/mutation.py --max-children 4  # workers (default: one per CPU)
    mutmut show NAME                             # the full diff of one mutant

Equivalent mutants (a change that cannot alter behaviour) are listed in
``EQUIVALENT`` with the mutated code they must read and why; they are neither run nor
scored, and every report prints them: nothing is dropped silently. An entry
whose mutant changed (the function was edited and mutmut renumbered its
mutants) no longer applies: that mutant is run and scored like any other and
the entry is reported as stale.
"""

from __future__ import annotations

import argparse
import ast
import difflib
import functools
import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from importlib.metadata import version
from pathlib import Path
from typing import Final, NamedTuple

if sys.version_info >= (3, 11):
    import tomllib
else:  # mutmut depends on toml there
    import toml as tomllib  # type: ignore[import-untyped, unused-ignore]

ROOT: Final = Path(__file__).resolve().parent.parent
MUTANTS: Final = ROOT / "mutants"
LOG: Final = MUTANTS / "mutation-run.log"
THRESHOLD: Final = 95.0


@dataclass(frozen=True)
class Module:
    """A module under mutation: all its functions, or ``only`` those named.

    Names are ``function`` or ``Class.method``; ``skip`` names functions left
    out of the run, each with the reason.
    """

    path: str
    only: tuple[str, ...] = ()
    skip: Mapping[str, str] = field(default_factory=dict)


#: What is mutated. Keep the paths in sync with ``only_mutate`` in pyproject.toml.
SCOPE: Final = (
    # Which failures are retried, the backoff, the token bucket.
    Module("volt_sdk/_wire/_retry.py"),
    # E.164: every refusal and its reason, the length limits.
    Module("volt_sdk/_phone.py"),
    # Message content rules, segment counting, media URLs.
    Module("volt_sdk/_message.py"),
    # The decisions made before and between attempts (the body and headers are
    # checked as JSON and header values by tests/client/test_requests.py).
    Module(
        "volt_sdk/_wire/_request.py",
        only=(
            "Wire.deadline_at",
            "Wire.attempt_timeout",
            "Wire.rate_wait",
            "Wire.retry_pause",
            "_longest_phase",
        ),
    ),
    # A response (or a failure to get one) -> data or the right VoltError.
    Module(
        "volt_sdk/_wire/_response.py",
        skip={
            "log_response": "the text of a DEBUG log line: no delivery decision, and it "
            "reads time.perf_counter, which only the executors' caller controls",
        },
    ),
    # AioHttpClient: which aiohttp failure means "never left", and its pool's size.
    Module(
        "volt_sdk/_wire/_aiohttp.py",
        only=("httpx_error", "AioHttpTransport.widen_pool", "AioHttpTransport._env_proxy"),
    ),
)


class Equivalent(NamedTuple):
    """A mutant that cannot change behaviour: what its mutated code must read, and why."""

    after: str
    reason: str


_CAST: Final = "typing.cast returns its value unchanged; its type argument has no run-time effect"
_CODEC: Final = "codec names are case-insensitive: 'UTF-8' is 'utf-8'"
_HEADERS: Final = "httpx.Headers looks names up case-insensitively"
_ZERO: Final = (
    "with exactly 0 tokens left the mutant returns -0.0 / rate, which is -0.0: equal to 0.0 "
    "and false like it, and the executors wait only `if wait:`"
)

#: Mutants left out of the run and the score, by mutmut name. ``after`` is the
#: mutated code (the report's text after ``->``); when the mutant named no longer
#: reads so (mutmut renumbers a function's mutants when it changes), the entry is stale.
EQUIVALENT: Final[Mapping[str, Equivalent]] = {
    "volt_sdk._wire._retry.xǁTokenBucketǁreserve__mutmut_17": Equivalent(
        "return 0.0 if self._tokens > 0 else -self._tokens / self.rate",
        _ZERO,
    ),
    "volt_sdk._phone.x__checked_e164__mutmut_25": Equivalent(
        "again = phonenumbers.format_number(phonenumbers.parse(e164, ), PhoneNumberFormat.E164)",
        "phonenumbers.parse's region defaults to None: the same call",
    ),
    "volt_sdk._message.x_message_segments__mutmut_7": Equivalent(
        "if (_GSM7_EXTENSION.isdisjoint(body)) and False",
        "a shortcut: with no extension character, the sum of their counts is 0 anyway",
    ),
    "volt_sdk._message.x_message_segments__mutmut_23": Equivalent(
        "double = units + characters",
        (
            "double only picks a shortcut for a body of one-unit characters; a nonzero value "
            "makes _pack count them one by one, which gives the same segments and remainder"
        ),
    ),
    "volt_sdk._message.x_check_utf8__mutmut_3": Equivalent(
        'text.encode("UTF-8")',
        _CODEC,
    ),
    "volt_sdk._message.x__has_host__mutmut_1": Equivalent(
        "end = None",
        "str.find(sub, 0, None) and rest[:None] reach the end as len(rest) does",
    ),
    "volt_sdk._message.x__has_host__mutmut_5": Equivalent(
        "found = rest.find(delimiter, None, end)",
        "str.find with start None starts at 0",
    ),
    "volt_sdk._wire._request.xǁWireǁattempt_timeout__mutmut_25": Equivalent(
        "if longest < remaining:",
        (
            "when the longest phase equals what is left, the cut copy has the same four "
            "values (min(phase, remaining) == phase)"
        ),
    ),
    "volt_sdk._wire._request.x__longest_phase__mutmut_6": Equivalent(
        'return float("INF") if None in phases else max(p for p in phases if p is not None)',
        "float() reads infinity in any case: float('INF') == float('inf')",
    ),
    "volt_sdk._wire._response.x_deadline_error__mutmut_8": Equivalent(
        ")",
        "request_sent defaults to True in VoltTimeoutError",
    ),
    "volt_sdk._wire._response.x__as_object__mutmut_3": Equivalent(
        "return cast(None, value) if isinstance(value, dict) else None",
        _CAST,
    ),
    "volt_sdk._wire._response.x__as_object__mutmut_7": Equivalent(
        'return cast("XXdict[str, Any]XX", value) if isinstance(value, dict) else None',
        _CAST,
    ),
    "volt_sdk._wire._response.x__as_object__mutmut_8": Equivalent(
        'return cast("dict[str, any]", value) if isinstance(value, dict) else None',
        _CAST,
    ),
    "volt_sdk._wire._response.x__as_object__mutmut_9": Equivalent(
        'return cast("DICT[STR, ANY]", value) if isinstance(value, dict) else None',
        _CAST,
    ),
    "volt_sdk._wire._response.x__malformed__mutmut_7": Equivalent(
        'text = content.decode("UTF-8", "replace")',
        _CODEC,
    ),
    "volt_sdk._wire._response.x__malformed__mutmut_17": Equivalent(
        'content_type = response.headers.get("CONTENT-TYPE", "")',
        _HEADERS,
    ),
    "volt_sdk._wire._response.x__malformed__mutmut_18": Equivalent(
        'content_type = response.headers.get("content-type", "XXXX")',
        "the default is only searched for 'html', which neither '' nor 'XXXX' contains",
    ),
    "volt_sdk._wire._response.x__malformed__mutmut_27": Equivalent(
        'looks_html = "html" in content_type or text.lstrip()[:16].lower().startswith(',
        (
            "startswith() tests prefixes of at most 9 characters ('<!doctype'): 15 or 16 make "
            "no difference"
        ),
    ),
    "volt_sdk._wire._response.x__error_details__mutmut_4": Equivalent(
        "entries = cast(None, errors) if isinstance(errors, list) else [errors]",
        _CAST,
    ),
    "volt_sdk._wire._response.x__error_details__mutmut_8": Equivalent(
        'entries = cast("XXlist[object]XX", errors) if isinstance(errors, list) else [errors]',
        _CAST,
    ),
    "volt_sdk._wire._response.x__error_details__mutmut_9": Equivalent(
        'entries = cast("LIST[OBJECT]", errors) if isinstance(errors, list) else [errors]',
        _CAST,
    ),
    "volt_sdk._wire._response.x__error_details__mutmut_49": Equivalent(
        "tuple(p for p in cast(None, path) if isinstance(p, (str, int)))",
        _CAST,
    ),
    "volt_sdk._wire._response.x__error_details__mutmut_53": Equivalent(
        'tuple(p for p in cast("XXlist[object]XX", path) if isinstance(p, (str, int)))',
        _CAST,
    ),
    "volt_sdk._wire._response.x__error_details__mutmut_54": Equivalent(
        'tuple(p for p in cast("LIST[OBJECT]", path) if isinstance(p, (str, int)))',
        _CAST,
    ),
    "volt_sdk._wire._response.x__error_details__mutmut_62": Equivalent(
        "for loc in map(_as_object, cast(None, locations))",
        _CAST,
    ),
    "volt_sdk._wire._response.x__error_details__mutmut_66": Equivalent(
        'for loc in map(_as_object, cast("XXlist[object]XX", locations))',
        _CAST,
    ),
    "volt_sdk._wire._response.x__error_details__mutmut_67": Equivalent(
        'for loc in map(_as_object, cast("LIST[OBJECT]", locations))',
        _CAST,
    ),
    "volt_sdk._wire._response.x__status_error__mutmut_8": Equivalent(
        'text = content.decode("UTF-8", "replace")',
        _CODEC,
    ),
    "volt_sdk._wire._response.x__status_error__mutmut_53": Equivalent(
        'retry_after = parse_retry_after(response.headers.get("RETRY-AFTER"))',
        _HEADERS,
    ),
    "volt_sdk._wire._response.x_without_token__mutmut_1": Equivalent(
        "if auth.safe_cause(None) is not None:  # its text quotes no token: the usual case",
        "str(None) quotes no token, so the mutant always goes on to blank the tokens out; "
        "blanking a text that holds none leaves it as it was (only the shortcut is lost)",
    ),
}


# -- mutants ------------------------------------------------------------------------------

#: mutmut's exit codes (mutmut.stats.status_by_exit_code), by what they mean here.
KILLED_CODES: Final = frozenset({1, 3})  # a test failed (3: pytest's internal error)
TIMEOUT_CODES: Final = frozenset({24, -24, 36, 152, 255, -9})  # CPU or wall-clock limit hit
SURVIVED_CODES: Final = frozenset({0})
NO_TESTS_CODES: Final = frozenset({5, 33})  # no selected test reaches the function


class Change(NamedTuple):
    """Where a mutant is (a line of the original file) and what it changed."""

    line: int
    before: str
    after: str

    @property
    def mutation(self) -> str:
        return f"{self.before} -> {self.after}"


class Mutant(NamedTuple):
    name: str
    module: Module
    change: Change
    exit_code: int | None = None

    @property
    def function(self) -> str:
        return function_of(self.name)

    @property
    def equivalent(self) -> Equivalent | None:
        """Its EQUIVALENT entry, when that entry describes this very mutation."""
        known = EQUIVALENT.get(self.name)
        return known if known is not None and known.after == self.change.after else None

    @property
    def status(self) -> str:
        code = self.exit_code
        if code in KILLED_CODES:
            return "killed"
        if code in TIMEOUT_CODES:
            return "timeout"
        if code in SURVIVED_CODES:
            return "survived"
        if code in NO_TESTS_CODES:
            return "no tests"
        return "not checked" if code is None else f"suspicious (exit {code})"

    @property
    def detected(self) -> bool:
        """Killed: a test failed, or the mutant made the tests hang (a timeout)."""
        return self.status in ("killed", "timeout")


def dotted(module: Module) -> str:
    return module.path.removesuffix(".py").replace("/", ".")


def function_of(mutant_name: str) -> str:
    """``Class.method`` or ``function`` from ``volt_sdk._x.xǁClassǁmethod__mutmut_3``."""
    key = mutant_name.partition("__mutmut_")[0].rpartition(".")[2]
    if key.startswith("xǁ"):
        owner, _, name = key[2:].partition("ǁ")
        return f"{owner}.{name}"
    return key.removeprefix("x_")


class Definition(NamedTuple):
    name: str
    first: int
    last: int
    decorated: bool


def definitions(module: Module) -> list[Definition]:
    """Top-level functions and methods of ``module``, as mutmut sees them."""
    return _definitions(module.path)


@functools.cache
def source_lines(path: str) -> list[str]:
    return (ROOT / path).read_text(encoding="utf-8").splitlines()


@functools.cache
def _definitions(path: str) -> list[Definition]:
    tree = ast.parse("\n".join(source_lines(path)))
    found: list[Definition] = []

    def add(node: ast.stmt, prefix: str) -> None:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            # mutmut leaves decorated functions alone (but for staticmethod/classmethod).
            decorated = any(
                not (isinstance(d, ast.Name) and d.id in ("staticmethod", "classmethod"))
                for d in node.decorator_list
            )
            found.append(
                Definition(prefix + node.name, node.lineno, node.end_lineno or 0, decorated)
            )

    for node in tree.body:
        add(node, "")
        if isinstance(node, ast.ClassDef):
            for child in node.body:
                add(child, node.name + ".")
    return found


def in_scope(module: Module, function: str) -> bool:
    if function in module.skip:
        return False
    return not module.only or function in module.only


def check_scope() -> list[str]:
    """Problems with ``SCOPE``: names that do not exist, paths mutmut would not mutate."""
    problems: list[str] = []
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    only_mutate = set(config["tool"]["mutmut"]["only_mutate"])
    for module in SCOPE:
        if module.path not in only_mutate:
            problems.append(f"{module.path} is not in [tool.mutmut] only_mutate")
        if not (ROOT / module.path).exists():
            problems.append(f"{module.path} does not exist")
            continue
        known = {d.name for d in definitions(module)}
        for name in (*module.only, *module.skip):
            if name not in known:
                problems.append(f"{module.path}: no function {name} (renamed or moved?)")
    for path in sorted(only_mutate - {m.path for m in SCOPE}):
        problems.append(f"{path} is in [tool.mutmut] only_mutate but not in SCOPE")
    return problems


class Mutated(NamedTuple):
    """mutmut's mutated copy of a module: its lines, where each generated function is, the names."""

    lines: list[str]
    spans: Mapping[str, tuple[int, int]]
    names: list[str]


@functools.cache
def mutated(path: str) -> Mutated:
    """The mutants mutmut makes of ``path``, made here in memory (the same, name for name)."""
    from mutmut.mutation.file_mutation import mutate_file_contents
    from mutmut.utils.format_utils import get_mutant_name

    result = mutate_file_contents(path, (ROOT / path).read_text(encoding="utf-8"))
    spans = {name: (s.start, s.end) for name, s in result.line_span_by_function_name.items()}
    names = [get_mutant_name(Path(path), name) for name in result.mutant_names]
    return Mutated(result.code.splitlines(), spans, names)


def mutants_of(module: Module, exit_codes: Mapping[str, int | None]) -> list[Mutant]:
    """The mutants in scope of ``module``, each with what it changed."""
    copy = mutated(module.path)
    found: list[Mutant] = []
    for name, exit_code in exit_codes.items():
        if not in_scope(module, function_of(name)):
            continue
        generated = name[len(dotted(module)) + 1 :]  # x_f__mutmut_3 or xǁClassǁm__mutmut_3
        original = generated.partition("__mutmut_")[0] + "__mutmut_orig"
        if generated not in copy.spans or original not in copy.spans:
            change = Change(0, "(the source changed since the run)", "")
        else:
            real = function_of(name).rpartition(".")[2]
            before, after = (
                [
                    line.replace(generated, real).replace(original, real)
                    for line in "\n".join(copy.lines[copy.spans[key][0] - 1 : copy.spans[key][1]])
                    .strip("\n")
                    .split("\n")
                ]
                for key in (original, generated)
            )
            diff = list(difflib.unified_diff(before, after, lineterm=""))
            change = change_of(module, name, diff)
        found.append(Mutant(name, module, change, exit_code))
    return found


def planned(module: Module) -> list[Mutant]:
    """The mutants mutmut will make of ``module``."""
    return mutants_of(module, dict.fromkeys(mutated(module.path).names))


def results(module: Module) -> list[Mutant]:
    """The mutants of ``module`` in mutants/, with the exit code of their run."""
    meta = MUTANTS / (module.path + ".meta")
    if not meta.exists():
        return []
    codes: dict[str, int | None] = json.loads(meta.read_text(encoding="utf-8"))["exit_code_by_key"]
    return mutants_of(module, codes)


def change_of(module: Module, name: str, diff: list[str]) -> Change:
    lines = diff[2:]  # past the ---/+++ header
    removed = [line[1:].strip() for line in lines if line.startswith("-")]
    added = [line[1:].strip() for line in lines if line.startswith("+")]
    before, after = " ".join(removed) or "(nothing)", " ".join(added) or "(removed)"
    return Change(line_of(module, function_of(name), lines), before, after)


def line_of(module: Module, function: str, diff: list[str]) -> int:
    """The line of the original file that a mutant changed (its function's first if unsure).

    The diff's old side (context and removed lines) is looked for in the
    function's lines of the original file; its context makes the match unique.
    """
    spans = [d for d in definitions(module) if d.name == function]
    if not spans:
        return 0
    span = spans[0]
    old_side = [line for line in diff if line[:1] in (" ", "-")]
    old = [line[1:].strip() for line in old_side]
    first_removed = next((i for i, line in enumerate(old_side) if line[0] == "-"), None)
    if first_removed is None:
        return span.first
    body = [line.strip() for line in source_lines(module.path)[span.first - 1 : span.last]]
    for start in range(len(body) - len(old) + 1):
        if body[start : start + len(old)] == old:
            return span.first + start + first_removed
    return span.first


# -- the report ---------------------------------------------------------------------------


class Score(NamedTuple):
    killed: int
    scored: int

    @property
    def percent(self) -> float:
        return 100.0 * self.killed / self.scored if self.scored else 100.0


def where(mutant: Mutant) -> str:
    return f"{mutant.module.path}:{mutant.change.line}  {mutant.function}"


def report(threshold: float) -> int:
    """Print the scores and survivors of the last run; 0 when every module passes."""
    scores: dict[str, Score] = {}
    survivors: list[Mutant] = []
    excluded: list[Mutant] = []
    unchecked: list[Mutant] = []
    seen: set[str] = set()
    for module in SCOPE:
        mutants = results(module)
        seen.update(m.name for m in mutants)
        scored = [m for m in mutants if m.equivalent is None]
        excluded += [m for m in mutants if m.equivalent is not None]
        unchecked += [m for m in scored if m.exit_code is None]
        survivors += [m for m in scored if m.exit_code is not None and not m.detected]
        scores[module.path] = Score(sum(m.detected for m in scored), len(scored))
    if not any(score.scored for score in scores.values()):
        print("mutation: no results in mutants/; run `make mutation` first", file=sys.stderr)
        return 2

    width = max(len(path) for path in scores)
    print(f"\n{'module':<{width}}  killed / scored   score  equivalent")
    for path, score in scores.items():
        equivalent = sum(m.module.path == path for m in excluded)
        print(
            f"{path:<{width}}  {score.killed:>6} / {score.scored:<6}  {score.percent:5.1f}%"
            f"  {equivalent:>10}"
        )
    total = Score(sum(s.killed for s in scores.values()), sum(s.scored for s in scores.values()))
    print(
        f"{'total':<{width}}  {total.killed:>6} / {total.scored:<6}  {total.percent:5.1f}%"
        f"  {len(excluded):>10}"
    )

    if survivors:
        print(f"\nsurvivors ({len(survivors)}): no test fails when this changes")
        for mutant in survivors:
            print(f"  {where(mutant)}  [{mutant.status}]  mutmut show {mutant.name}")
            print(f"      {mutant.change.mutation}")
    if excluded:
        print(f"\nequivalent, not run ({len(excluded)}): EQUIVALENT in scripts/mutation.py")
        for mutant in excluded:
            print(f"  {where(mutant)}  {mutant.change.mutation}")
            print(f"      {mutant.equivalent.reason if mutant.equivalent else ''}")
    not_mutated = [
        f"  {module.path} {name}: {reason}"
        for module in SCOPE
        for name, reason in module.skip.items()
    ] + [
        f"  {module.path} {d.name}: decorated (mutmut leaves decorated functions alone)"
        for module in SCOPE
        for d in definitions(module)
        if d.decorated and in_scope(module, d.name)
    ]
    if not_mutated:
        print(f"\nnot mutated ({len(not_mutated)}):")
        print("\n".join(not_mutated))
    stale = [f"{name}: no such mutant" for name in EQUIVALENT if name not in seen]
    stale += [
        f"{m.name}: the mutant is now {m.change.mutation!r}"
        for m in (*survivors, *unchecked)
        if m.name in EQUIVALENT
    ]
    stale += [
        f"{m.name}: the mutant is now {m.change.mutation!r} (killed)"
        for module in SCOPE
        for m in results(module)
        if m.name in EQUIVALENT and m.equivalent is None and m.detected
    ]
    if stale:
        print("\nstale EQUIVALENT entries (their mutants were run and scored; update the list):")
        for line in stale:
            print(f"  {line}")
    if unchecked:
        print(f"\nmutation: {len(unchecked)} mutants were not run to the end", file=sys.stderr)
        return 2

    failing = [(path, s) for path, s in scores.items() if s.percent < threshold]
    for path, score in failing:
        print(f"\nFAIL: {path} kills {score.percent:.1f}% of its mutants (< {threshold:g}%)")
    if not failing:
        print(f"\nOK: every module kills at least {threshold:g}% of its mutants")
    return 1 if failing else 0


# -- the run ------------------------------------------------------------------------------


def run(max_children: int) -> int:
    """A clean mutmut run over every mutant in ``SCOPE`` but the equivalent ones."""
    mutmut = Path(sys.executable).with_name("mutmut")
    if not mutmut.exists():
        print(f"mutation: {mutmut} not found; run `make install`", file=sys.stderr)
        return 2
    names = [m.name for module in SCOPE for m in planned(module) if m.equivalent is None]
    shutil.rmtree(MUTANTS, ignore_errors=True)
    MUTANTS.mkdir()
    print(
        f"mutation: mutmut {version('mutmut')}, {len(names)} mutants of "
        f"{len(SCOPE)} modules, {max_children} workers (log: {LOG.relative_to(ROOT)})",
        flush=True,
    )
    started = time.monotonic()
    with LOG.open("w", encoding="utf-8") as log:
        command = [str(mutmut), "run", "--max-children", str(max_children), *names]
        result = subprocess.run(command, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
    print(f"mutation: mutmut ran for {time.monotonic() - started:.0f} s", flush=True)
    if result.returncode != 0:
        tail = LOG.read_text(encoding="utf-8", errors="replace").replace("\r", "\n")
        print("\n".join(tail.splitlines()[-40:]), file=sys.stderr)
        print(f"mutation: mutmut failed (exit {result.returncode}); see {LOG}", file=sys.stderr)
        return 2
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--report", action="store_true", help="report the last run only")
    parser.add_argument("--max-children", type=int, default=os.cpu_count() or 2)
    parser.add_argument("--threshold", type=float, default=THRESHOLD)
    args = parser.parse_args(argv)
    os.chdir(ROOT)  # mutmut reads pyproject.toml and mutants/ from the working directory
    problems = check_scope()
    if problems:
        for problem in problems:
            print(f"mutation: {problem}", file=sys.stderr)
        return 2
    if not args.report:
        status = run(args.max_children)
        if status:
            return status
    return report(args.threshold)


if __name__ == "__main__":
    sys.exit(main())

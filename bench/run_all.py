"""Run every benchmark and write ``docs/benchmarks.md`` and its plots (``make bench``).

Each benchmark is its own script, run here in a subprocess; the last line of its
output is a JSON summary, from which this writes the tables, the verdicts against
the targets and the plots (matplotlib, from the ``bench`` extra). Every figure is
a ratio against a baseline measured in the same run of the same script, so the
document says how volt-sdk compares, on whatever machine it was made.

    python bench/run_all.py [--out docs] [--quick]

``--quick`` runs each script in its smoke mode (figures meaningless; for checking
the runner). The full run takes about twenty-five minutes on two cores, most of it
the 100,000-recipient runs of ``bench/bulk.py`` (in process, and ``--loopback``,
where the default client sends a few hundred messages a second).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from importlib import metadata
from pathlib import Path
from typing import Any, Final

BENCH: Final = Path(__file__).resolve().parent
ROOT: Final = BENCH.parent


@dataclass
class Run:
    name: str
    command: list[str]
    seconds: float
    output: str
    summary: dict[str, Any]


def run(name: str, script: str, *args: str, summary: bool = True) -> Run:
    """Run ``bench/script``; its last line is a JSON summary unless ``summary`` is False."""
    command = [sys.executable, str(BENCH / script), *args]
    shown = " ".join(["python", f"bench/{script}", *args])
    print(f"== {name}: {shown}", flush=True)
    started = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, cwd=ROOT)
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        sys.stderr.write(done.stdout + done.stderr)
        raise SystemExit(f"{shown} failed with exit status {done.returncode}")
    lines = done.stdout.rstrip().splitlines()
    text = "\n".join(lines[:-1] if summary else lines)
    print(text, flush=True)
    print(f"   ({seconds:.0f} s)", flush=True)
    found = json.loads(lines[-1]) if summary else {}
    return Run(name, ["python", f"bench/{script}", *args], seconds, text, found)


def cpu_model() -> str:
    try:
        with open("/proc/cpuinfo") as info:
            for line in info:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def version(name: str) -> str:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return "not installed"


def verdict(ok: bool) -> str:
    return "met" if ok else "**missed**"


def table(header: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


def details(run: Run) -> str:
    return (
        f"<details><summary>Output of <code>{' '.join(run.command)}</code> "
        f"({run.seconds:.0f} s)</summary>\n\n```text\n{run.output}\n```\n\n</details>"
    )


# -- plots ----------------------------------------------------------------------------------


def plot_overhead(overhead: Run, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rows = [r for r in overhead.summary["rows"] if not r["label"].startswith("  ")]
    labels = [r["label"] for r in rows]
    values = [r["us"] for r in rows]
    colors = [
        "#999999" if "raw" in label else "#d62728" if label == "gql" else "#1f77b4"
        for label in labels
    ]
    fig, ax = plt.subplots(figsize=(8, 3.6))
    bars = ax.barh(labels[::-1], values[::-1], color=colors[::-1])
    for bar, row in zip(bars, rows[::-1], strict=True):
        ax.text(
            bar.get_width(),
            bar.get_y() + bar.get_height() / 2,
            f" {row['us']:.0f} us ({row['ratio']:.2f}x)",
            va="center",
            fontsize=8,
        )
    ax.set_xlabel("CPU microseconds per call (median over rounds); ratio to its raw httpx floor")
    ax.set_title("Per-call overhead over httpx.MockTransport")
    ax.set_xlim(0, max(values) * 1.35)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def plot_e2e(e2e: Run, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rows = e2e.summary["rows"]
    fig, (left, right) = plt.subplots(1, 2, figsize=(9, 3.6))
    for side, color in (("raw", "#999999"), ("AsyncVolt", "#1f77b4")):
        mine = [r for r in rows if r["client"] == side]
        conc = [r["concurrency"] for r in mine]
        left.plot(conc, [r["rps"] for r in mine], marker="o", color=color, label=side)
        right.plot(conc, [r["p50_ms"] for r in mine], marker="o", color=color, label=f"{side} p50")
        right.plot(
            conc, [r["p99_ms"] for r in mine], marker="x", ls="--", color=color, label=f"{side} p99"
        )
    for ax in (left, right):
        ax.set_xscale("log", base=2)
        ax.set_xticks([1, 16, 64], ["1", "16", "64"])
        ax.set_xlabel("requests in flight")
        ax.legend(fontsize=8)
    left.set_ylabel("requests / second")
    left.set_ylim(bottom=0)
    left.set_title("Throughput (median of rounds)")
    right.set_yscale("log")
    right.set_ylabel("latency, ms")
    right.set_title("Latency")
    fig.suptitle("End to end on loopback: AsyncVolt vs raw httpx, the sandbox in its own process")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def plot_concurrency(concurrency: Run, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.ticker import FuncFormatter

    rows = concurrency.summary["rows"]
    levels = concurrency.summary["concurrency"]
    styles = {
        "aiohttp": ("#999999", "-", "o"),
        "httpx": ("#555555", "-", "s"),
        "httpx+AioHttpTransport": ("#2ca02c", "-", "^"),
        "httpx+httpx-aiohttp": ("#9467bd", "-", "v"),
        "AsyncVolt": ("#1f77b4", "-", "o"),
        "AsyncVolt+AioHttpClient": ("#d62728", "-", "o"),
        "httpx.Client threads": ("#555555", "--", "x"),
        "Volt.send_many": ("#1f77b4", "--", "x"),
    }
    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 4.8))
    for side, (color, line, marker) in styles.items():
        mine = [r for r in rows if r["side"] == side]
        if not mine:
            continue
        conc = [r["concurrency"] for r in mine]
        left.plot(conc, [r["cpu_us"] for r in mine], color=color, ls=line, marker=marker,
                  label=side)  # fmt: skip
        right.plot(conc, [r["rps"] for r in mine], color=color, ls=line, marker=marker,
                   label=side)  # fmt: skip

    def number(value: float, _: object) -> str:
        return f"{value:g}"

    plain = FuncFormatter(number)
    for ax in (left, right):
        ax.set_xscale("log", base=2)
        ax.set_xticks(levels, [str(c) for c in levels])
        ax.set_xlabel("requests in flight")
        ax.set_yscale("log")
        ax.yaxis.set_major_formatter(plain)
        ax.yaxis.set_minor_formatter(plain)
        ax.tick_params(axis="y", which="minor", labelsize=7)
    left.set_ylabel("client CPU microseconds per request")
    left.set_title("Client CPU per request (median of rounds)")
    right.set_ylabel("requests / second")
    right.set_title("Throughput (median of rounds)")
    handles, labels = left.get_legend_handles_labels()
    fig.legend(handles, labels, loc="lower center", ncol=4, fontsize=8)
    fig.suptitle("createMessage over loopback, the sandbox in its own process; dashed: threads")
    fig.tight_layout(rect=(0, 0.1, 1, 1))
    fig.savefig(path, dpi=110)
    plt.close(fig)


# -- the document --------------------------------------------------------------------------


def section_overhead(run: Run, plot: str) -> str:
    s = run.summary
    rows = [
        [r["label"].strip(), f"{r['us']:.1f}", f"{r['ratio']:.2f}x", r["baseline"]]
        for r in s["rows"]
    ]
    targets = [
        ["AsyncVolt / raw httpx", f"{s['AsyncVolt/raw']:.2f}x", "<= 1.10x",
         verdict(s["AsyncVolt/raw"] <= 1.10)],
        ["Volt / raw httpx (sync)", f"{s['Volt/raw']:.2f}x", "<= 1.10x",
         verdict(s["Volt/raw"] <= 1.10)],
    ]  # fmt: skip
    if "AsyncVolt/gql" in s:
        targets.append(
            ["AsyncVolt / gql = (AsyncVolt/raw) / (gql/raw)",
             f"{s['AsyncVolt/raw']:.2f} / {s['gql/raw']:.2f} = {s['AsyncVolt/gql']:.2f}x",
             "<= 0.40x", verdict(s["AsyncVolt/gql"] <= 0.40)]
        )  # fmt: skip
    gql = s.get("gql_versions", {})
    return f"""## 1. Per-call overhead

`send_message` over `httpx.MockTransport` (the same canned `createMessage`
response on every call, no network), a recipient never used before on every
call, CPU time (`time.process_time`) per call, {s["rounds"]} rounds of
{s["calls"]} calls alternating between the clients; the ratio is the median over
rounds of each round's ratio to its own floor. The floor is a raw
`httpx.AsyncClient.post` (or `httpx.Client.post`) of the same request body and
headers plus `json.loads` of the answer. "UK recipients" take phonenumbers' full
parse (North American numbers in E.164 take an exact fast path); the generated
client is `volt_sdk_graphql` behind the same executor, without the facade's checks.

gql (gql {gql.get("gql", "?")}, graphql-core {gql.get("graphql-core", "?")}) cannot
be installed beside ariadne-codegen (it needs graphql-core >= 3.3; ariadne-codegen
pins 3.2.14), so it runs in a venv of its own (`.venv/gql-venv`, made once by the
bench, with the same httpx, httpcore, h11, anyio and sniffio as the project's), in
a subprocess (`bench/gql_overhead.py`) that measures the raw httpx floor too, in
the same process. gql's `HTTPXAsyncTransport` passes its keyword arguments to the
`httpx.AsyncClient` it creates, so `transport=httpx.MockTransport(...)` injects the
same canned answer with no patching; the document is parsed once and each call
builds a `GraphQLRequest` with its variables. **AsyncVolt/gql is derived**:
(AsyncVolt/raw, from the main process) / (gql/raw, from gql's process).

{table(["client", "CPU us/call (median)", "ratio", "baseline"], rows)}

{table(["figure", "value", "target", "verdict"], targets)}

Why the floor can be matched or beaten: the SDK parses its endpoint URL once, at
construction, while a `str` URL costs httpx a parse (about 10 us) on every call of
the raw floor; the SDK's own work (phone fast path, message checks, the typed
`Message`) costs about as much as that parse saves. gql's cost on top of the
floor is its per-call work on the document (printing the AST to a string on every
request), its own validation of the result and its session machinery.

![per-call overhead](benchmarks-overhead.png)

{details(run)}
"""


def section_e2e(run: Run) -> str:
    s = run.summary
    rows = [
        [r["client"], str(r["concurrency"]), f"{r['requests']:.0f}", f"{r['rps']:.0f}",
         f"{r['p50_ms']:.2f}", f"{r['p99_ms']:.2f}"]
        for r in s["rows"]
    ]  # fmt: skip
    targets = [
        [f"concurrency {c}", f"{ratio:.2f}x", ">= 0.95x", verdict(ratio >= 0.95)]
        for c, ratio in s["ratios"].items()
    ]
    return f"""## 2. End to end on loopback

The sandbox (`volt_sdk.sandbox.serve`: uvicorn, httptools, uvloop) in its own
process on a loopback port; the load from the bench's process: `AsyncVolt.send_message`
against a raw `httpx.AsyncClient.post` of the same `createMessage` request (the
same document, headers and body; `json.loads` of the answer), each side over one
`httpx.AsyncClient` whose pool allows as many connections as requests in flight,
after a warm-up that opens them. Bounded counts per run, {s["rounds"]} rounds with
the sides alternating; throughput and latencies are medians over rounds, the ratio
is the median of each round's AsyncVolt/raw.

On two cores the sandbox and the load each take one, and both sides are bounded by
the same things: the server, and httpx itself (httpcore's pool walks every
connection on each request, so throughput falls as concurrency rises). Both sides
share one plain `httpx.AsyncClient` here, so this measures what the SDK adds on
top of httpx; the client's own transport, whose cheaper idle-connection check
changes the picture at high concurrency, is measured in section 6. The machine
is shared: expect a few percent of noise on the ratio.

{table(["client", "concurrency", "requests", "req/s", "p50 ms", "p99 ms"], rows)}

{table(["AsyncVolt / raw httpx throughput", "value", "target", "verdict"], targets)}

![end to end](benchmarks-e2e.png)

{details(run)}
"""


def section_imports(run: Run) -> str:
    s = run.summary
    rows = [
        [f"`{r['label']}`" if r["label"].startswith(("import", "from")) else r["label"],
         f"{r['ms']:.1f}", f"{r['ratio']:.2f}x", f"{r['wall_ms']:.1f}", f"{r['wall_ratio']:.2f}x"]
        for r in s["rows"]
    ]  # fmt: skip
    by_label = {r["label"]: r for r in s["rows"]}
    targets = [
        [f"`{label}` / baseline", f"{by_label[label]['ratio']:.2f}x", "<= 1.40x",
         verdict(by_label[label]["ratio"] <= 1.40)]
        for label in ("import volt_sdk", "from volt_sdk import Volt")
    ]  # fmt: skip
    startup = s["startup"]
    return f"""## 3. Import time and CLI startup

Medians of {s["runs"]} cold interpreters per statement, the statements alternating
run after run. "import ms" is timed inside the child around the statement only
(interpreter startup, about {startup["python -c pass"]:.0f} ms here and the same for
all, left out); "process ms" is the wall time of the whole child. The baseline is
`import httpx, pydantic, phonenumbers`. `import pydantic` is lazy: BaseModel's
machinery loads with the first model class, which the baseline never defines; the
row "baseline + one pydantic model" is what any library with a pydantic model pays.
`import volt_sdk` is lazy too (PEP 562); `from volt_sdk import Volt` is what users
pay in practice (the client, the generated operations, the models, pydantic's
machinery); "first send_message" adds one call over a mock transport, so that a
saving at import that is merely moved to the first call shows.

{table(["statement", "import ms", "ratio", "process ms", "ratio"], rows)}

{table(["figure", "value", "target", "verdict"], targets)}

`volt --help` startup (wall time of the process): {startup["volt --help"]:.0f} ms,
against {startup["python -c pass"]:.0f} ms for `python -c pass`.

{details(run)}
"""


def section_bulk(runs: list[Run]) -> str:
    rows = []
    for run in runs:
        s = run.summary
        n = s["recipients"]
        rows.append(
            [f"{n:,}", f"{s['msg_per_s']['without']:.0f}", f"{s['msg_per_s']['with']:.0f}",
             f"{s['ratio']:.3f}x", f"{s['ratio_canned']:.3f}x",
             f"{s['rss_mb_in_process']:.0f}", f"{s['rss_mb_client']:.0f}"]
        )  # fmt: skip
    blocks = "\n\n".join(details(run) for run in runs)
    return f"""## 4. Bulk: `send_many`, without and with the journal

`bench/bulk.py`: N recipients written to a CSV, read back one row at a time into
`AsyncVolt.send_many` at concurrency 32, against the sandbox in the same process
(`httpx.ASGITransport`, no sockets), each configuration in a fresh process,
alternating without/with the journal; best of the rounds. The throughput ratio is
with/without. Peak RSS (`ru_maxrss`) of the process includes the sandbox's
in-memory database of every message it accepted; "client RSS" is one more pair of
runs against a canned answer (`httpx.MockTransport`, no sandbox), where the
journal is also a larger share of the work. (bulk.py's own targets, from the
issue that added the journal: at most 15% slower with it, under 200 MB; its
output below says whether they were met.)

{
        table(
            [
                "recipients",
                "msg/s without",
                "msg/s with journal",
                "with/without",
                "with/without (canned)",
                "peak RSS MB",
                "client RSS MB",
            ],
            rows,
        )
    }

{blocks}
"""


def section_bulk_loopback(run: Run) -> str:
    s = run.summary
    names = {"default": "AsyncVolt (its own httpx client)",
             "aiohttp": "AsyncVolt(http_client=AioHttpClient())"}  # fmt: skip
    clients: dict[str, dict[str, float]] = s["clients"]
    rows = [
        [names.get(client, client), f"{c['msg_per_s']:.0f}", f"{c['cpu_us']:.0f}",
         f"{c['server_cpu']:.0%}", f"{c['rss_mb']:.0f}"]
        for client, c in clients.items()
    ]  # fmt: skip
    rounds = "one pair of runs" if s["rounds"] == 1 else f"{s['rounds']} rounds"
    return f"""### 4b. Bulk over loopback: AioHttpClient against the default client

`bench/bulk.py --loopback`: the same {s["recipients"]:,} recipients into
`AsyncVolt.send_many` at concurrency {s["concurrency"]} *with* the journal, but
against the sandbox in its own process on a loopback port (a fresh one per run),
since aiohttp cannot use the in-process `httpx.ASGITransport`: once with the
client's own httpx pool, once with `AioHttpClient`, each in a fresh process,
{rounds}, the clients alternating. CPU is the client process's, per message;
"server CPU" is the server's share of one core (near 100%: the server bounds the
run).

{table(["client", "msg/s", "client CPU us/msg", "server CPU", "peak RSS MB"], rows)}

| figure | value |
|---|---|
| AioHttpClient / default: messages per second | {s["ratio"]:.2f}x |
| AioHttpClient / default: client CPU per message | {s["ratio_cpu"]:.2f}x |

{details(run)}
"""


def section_concurrency(run: Run) -> str:
    s = run.summary
    levels: list[int] = s["concurrency"]
    rows = [
        [r["side"], str(r["concurrency"]), f"{r['requests']:.0f}", f"{r['rps']:.0f}",
         f"{r['cpu_us']:.0f}", f"{r['p50_ms']:.2f}", f"{r['p99_ms']:.2f}",
         "n/a" if r["server_cpu"] is None else f"{r['server_cpu']:.0%}", str(r["errors"])]
        for r in s["rows"]
    ]  # fmt: skip
    header = ["side", "concurrency", "requests", "req/s", "CPU us/req", "p50 ms", "p99 ms",
              "server CPU", "errors"]  # fmt: skip
    names = {"cpu": "CPU/request", "rps": "req/s", "p50": "p50", "p99": "p99"}
    pivot: dict[tuple[str, str, str], dict[int, float]] = {}
    for ratio in s["ratios"]:
        for metric in ("cpu", "rps", "p99"):
            if metric in ratio:
                key = (ratio["side"], ratio["base"], metric)
                pivot.setdefault(key, {})[ratio["concurrency"]] = ratio[metric]
    ratios = [
        [f"{side} / {base}: {names[metric]}",
         *(f"{values[c]:.2f}x" if c in values else "n/a" for c in levels)]
        for (side, base, metric), values in pivot.items()
    ]  # fmt: skip
    targets = [
        [f"{t['side']} / {t['base']}: {names[t['metric']]}", str(t["concurrency"]),
         f"{t['value']:.2f}x", f"{t['op']} {t['bound']:.2f}x", verdict(t["ok"])]
        for t in s["targets"]
    ]  # fmt: skip
    rounds = "one round" if s["rounds"] == 1 else f"{s['rounds']} rounds"
    threads = (
        f" The blocking sides ran up to {s['max_threads']} threads only."
        if any(c > s["max_threads"] for c in levels)
        else ""
    )
    return f"""## 6. Concurrency: AsyncVolt, AioHttpClient, send_many and the raw clients

`bench/concurrency.py`: the sandbox in its own process on a loopback port, the load
in the bench's process, `createMessage` at {", ".join(map(str, levels))} requests in
flight; {s["serial"]} requests per run at concurrency 1 and {s["requests"]} above
(each run cut at {s["max_seconds"]:g} s), after a warm-up that opens every
connection; {rounds}, the sides next to each other and in reverse order every
other round; figures are medians over rounds, ratios the median of
each round's ratio. The raw sides post the same document, headers and body as
`send_message` and `json.loads` the answer, over a pool of as many connections as
requests in flight: `aiohttp.ClientSession.post` (the floor), `httpx.AsyncClient.post`,
the same over volt_sdk's `AioHttpTransport` (what `AioHttpClient` runs on) and over
the packaged `httpx_aiohttp.AiohttpTransport`. `AsyncVolt` runs with its own httpx
client and with `AioHttpClient`, `max_concurrency` = the concurrency. The blocking
side: `Volt().send_many(..., concurrency=c)` against `httpx.Client.post` from a
`ThreadPoolExecutor` of c workers, each sending in a loop.{threads}

"CPU us/req" is the bench process's CPU time (`time.process_time`, every thread)
over the timed phase per request; the server runs in another process and its CPU
is given as a share of one core ("server CPU": near 100%, the server bounds the
throughput; well below, the client does). Latency is one
call on the async sides; on the blocking sides (`send_many` hides its calls) it
is the request's time from leaving to its answer's headers, taken by httpx event
hooks on both. A request that fails is counted ("errors", over all rounds), not
timed: uvicorn closes a connection idle for 5 s, httpx's default keep-alive
expiry, so a request can meet a kept-alive connection as the server closes it.
The machine is shared: throughput and p99 at high concurrency swing by tens of
percent from run to run, CPU per request much less.

{table(header, rows)}

{table(["ratio", *(f"c={c}" for c in levels)], ratios)}

{table(["figure", "concurrency", "value", "target", "verdict"], targets)}

![concurrency](benchmarks-concurrency.png)

{details(run)}
"""


def section_profiles(default: Run, aiohttp: Run) -> str:
    return f"""## 7. Where the client's CPU goes at concurrency 64

`bench/concurrency.py --profile SIDE`: one run of the side under cProfile, at 64
requests in flight, the sandbox in its own process. cProfile slows small functions
most, so read the shares, not the times; coroutines count one call per resumption.

**`AsyncVolt` on its own httpx client.** Most of the CPU is httpcore's
connection pool: on every change of a request's state it walks every connection
(`is_idle`, `has_expired`), so the cost per request grows with the requests in
flight. Part of that walk asks each idle connection whether its socket is
readable (a server that closed it makes it so), and httpcore's anyio backend
answers by rebuilding a dict of the stream's attributes on every call. The
client's own transport already wraps each connection's stream (to cut it to the
call's deadline); the wrapper answers that question from the socket it looked up
once (`_wire/_async_deadline.py`): about a fifth less client CPU than raw httpx
at 64 in flight, as section 6 shows. The walk itself remains, and it is the
floor of any single httpx pool: while developing that check, a version that
wrongly dropped every connection after its request (a new TCP connection per
request, no pool to walk) took well under half the CPU of the pool that kept
them, on loopback. Splitting the work over several smaller pools would cut the
walk; it is not built (`AioHttpClient` is the way past it today). volt_sdk's own
functions are a few percent.

**`AsyncVolt` on `AioHttpClient`.** What is left: aiohttp's own exchange (the
floor any aiohttp user pays), the `httpx.Request`/`Response`/`Headers` objects that
the SDK keeps so that errors, hooks and mocks stay httpx's, and volt_sdk's own work
(the body, the size-capped read, the typed `Message`, phone and content checks).
Three costs were found by this profile and removed from `AioHttpClient` during
development (measured then with the same load at concurrency 64, not re-measured
here): aiohttp's `trust_env`, which reads netrc and the proxy variables in a
thread on every request (the environment's proxies are now read once); httpx's
cookie jar, which parsed every answer for cookies (now only answers that set one);
and httpx's general header merge when the request is built (the SDK's headers are
laid over the client's directly). Together they took `AsyncVolt` on aiohttp from
about 0.8-0.9 ms to about 0.3-0.4 ms of client CPU per request, against 0.2 ms
for raw aiohttp in the same runs.

{details(default)}

{details(aiohttp)}
"""


def section_otel(run: Run) -> str:
    s = run.summary
    rows = [[r["label"], f"{r['us']:.1f}", f"{r['ratio']:.3f}x"] for r in s["rows"]]
    achieved = s["no_provider/unimportable"]
    targets = [
        ["API imported, no provider / API not importable", f"{achieved:.3f}x",
         f"<= {s['target']:.2f}x", verdict(achieved <= s["target"])],
    ]  # fmt: skip
    return f"""## 8. OpenTelemetry: what it costs when no provider is set

`bench/otel.py`: `Volt.send_message` over `httpx.MockTransport` (the canned answer
and fresh recipients of section 1), each configuration in a fresh process of its
own, {s["rounds"]} rounds in a new order each, {s["batches"]} batches of {s["calls"]} calls
per process (the median batch counts), CPU time per call; the ratio is the median
over rounds of each round's ratio to the baseline. The baseline has OpenTelemetry
unimportable (`sys.modules["opentelemetry"] = None`), as without the `otel`
extra: today's figure. "Not imported": the API is installed but nothing imported
it (a call checks `sys.modules` and stops). "No provider": `opentelemetry.trace`
and `opentelemetry.metrics` imported, no provider set (a call also reads the
API's two globals, finds them unset, and records nothing). "SDK providers", for
information: the SDK's tracer provider with an in-memory exporter behind a
`SimpleSpanProcessor` and its meter provider with an in-memory reader, so every
call makes its span and metrics ([telemetry.md](telemetry.md)).

{table(["configuration", "CPU us/call (median)", "ratio"], rows)}

{table(["figure", "value", "target", "verdict"], targets)}

{details(run)}
"""


def section_fleet(run: Run) -> str:
    s = run.summary
    r, c = s["rate"], s["limit"]
    rows = [
        ["`max_rate=R` (each process alone)", f"{s['rate-local']['aggregate']:.1f}/s",
         f"{s['rate-local']['ratio_to_r']:.2f}", str(s["rate-local"]["max_in_1s"])],
        ["`max_rate=RedisRateLimiter(rate=R)`", f"{s['rate-redis']['aggregate']:.1f}/s",
         f"{s['rate-redis']['ratio_to_r']:.2f}", str(s["rate-redis"]["max_in_1s"])],
    ]  # fmt: skip
    slots = [
        ["`max_concurrency=C` (each process alone)", str(s["slots-local"]["max_in_flight"]),
         f"{s['slots-local']['ratio_to_c']:.2f}"],
        ["`max_concurrency=RedisConcurrencyLimiter(limit=C)`",
         str(s["slots-redis"]["max_in_flight"]), f"{s['slots-redis']['ratio_to_c']:.2f}"],
    ]  # fmt: skip
    ratio = s["rate-redis"]["ratio_to_r"]
    targets = [
        ["Redis: aggregate / R", f"{ratio:.2f}", "<= 1.05", verdict(ratio <= 1.05)],
        ["Redis: most in flight / C", f"{s['slots-redis']['ratio_to_c']:.2f}", "<= 1.00",
         verdict(s["slots-redis"]["max_in_flight"] <= c)],
    ]  # fmt: skip
    return f"""## 9. One limit for a fleet (Redis)

`bench/fleet_limits.py`: {s["processes"]} processes (two `Volt` with six threads each, two
`AsyncVolt` with six tasks each) send `createMessage` as fast as they are let for
{s["seconds"]:g} s to one sandbox in its own process, which records every send's arrival and the
most requests in flight (`GET /_sandbox/traffic`). Each process is told R = {r:g}/s, then
C = {c} (against a sandbox adding 0.1 s to every answer). The baseline is a number, which
limits each process alone; the limiter is shared through a redis-server on loopback
([Limits for a fleet](limits.md)). Aggregate rate: sends between the first and the last
arrival over that time.

{table([f"rate, R = {r:g}/s", "aggregate at the sandbox", "/ R", "most in 1 s"], rows)}

{table(["concurrency, C = " + str(c), "most in flight at the sandbox", "/ C"], slots)}

{table(["figure", "value", "target", "verdict"], targets)}

{details(run)}
"""


def section_server(run: Run) -> str:
    return f"""## 5. The sandbox server against plain ariadne

`bench/sandbox.py` (no `--e2e`): the sandbox against `ariadne.asgi.GraphQL` over the
same schema, resolvers and store, each in its own process, under the same
AsyncVolt load; server throughput and CPU per request.

```text
{run.output}
```
"""


def write_doc(
    out: Path,
    runs: dict[str, Run],
    bulk: list[Run],
    loopback: Run,
    profiles: list[Run],
    quick: bool,
) -> None:
    out.mkdir(parents=True, exist_ok=True)
    plot_overhead(runs["overhead"], out / "benchmarks-overhead.png")
    plot_e2e(runs["e2e"], out / "benchmarks-e2e.png")
    plot_concurrency(runs["concurrency"], out / "benchmarks-concurrency.png")
    total = sum(r.seconds for r in [*runs.values(), *bulk, loopback, *profiles])
    gql = runs["overhead"].summary.get("gql_versions", {}).get("gql", "not run")
    versions = [
        ["volt-sdk", version("volt-sdk")],
        ["httpx", version("httpx")],
        ["aiohttp", version("aiohttp")],
        ["httpx-aiohttp", version("httpx-aiohttp")],
        ["pydantic", version("pydantic")],
        ["phonenumbers", version("phonenumbers")],
        ["ariadne", version("ariadne")],
        ["uvicorn", version("uvicorn")],
        ["gql (own venv)", gql],
        ["matplotlib", version("matplotlib")],
        ["opentelemetry-api", version("opentelemetry-api")],
        ["opentelemetry-sdk", version("opentelemetry-sdk")],
    ]
    machine = [
        ["CPU", cpu_model()],
        ["cores", str(os.cpu_count())],
        ["Python", f"{platform.python_implementation()} {platform.python_version()}"],
        ["OS", platform.platform()],
        ["date", datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")],
    ]
    warning = "\n> **Quick mode**: smoke-test sizes; these figures mean nothing.\n" if quick else ""
    doc = f"""# Benchmarks

<!-- Generated by bench/run_all.py (make bench): do not edit by hand. -->
{warning}
Every figure below is a ratio against a named baseline measured in the same run
(alternating the two sides in rounds, medians reported), so that it holds on
whatever machine made it, and the noise of a shared machine hits both sides alike.
The absolute numbers are this machine's only.

## How to reproduce

```sh
make bench    # installs the bench extra (matplotlib), runs bench/run_all.py
```

which runs, and writes this file and its plots from their output (about
{total / 60:.0f} minutes here):

{chr(10).join(f"- `{' '.join(r.command)}`" for r in [*runs.values(), *bulk, loopback, *profiles])}

Each script runs alone too, and says what it measures in its docstring.

## Machine and versions

{table(["machine", ""], machine)}

{table(["package", "version"], versions)}

{section_overhead(runs["overhead"], "benchmarks-overhead.png")}
{section_e2e(runs["e2e"])}
{section_imports(runs["imports"])}
{section_bulk(bulk)}
{section_bulk_loopback(loopback)}
{section_server(runs["server"]) if "server" in runs else ""}
{section_concurrency(runs["concurrency"])}
{section_profiles(*profiles)}
{section_otel(runs["otel"])}
{section_fleet(runs["fleet"])}"""
    (out / "benchmarks.md").write_text(doc.rstrip() + "\n")
    print(f"wrote {out / 'benchmarks.md'}")


def main() -> int:
    parser = argparse.ArgumentParser(description="run every benchmark, write the doc")
    parser.add_argument("--out", type=Path, default=ROOT / "docs")
    parser.add_argument("--quick", action="store_true", help="smoke sizes (figures meaningless)")
    args = parser.parse_args()
    quick = ["--quick"] if args.quick else []
    runs: dict[str, Run] = {}
    runs["overhead"] = run("overhead", "overhead.py", *quick)
    runs["e2e"] = run("e2e", "sandbox.py", "--e2e", *(quick or ["--rounds", "3"]))
    runs["imports"] = run("imports", "imports.py", *quick)
    runs["otel"] = run("otel", "otel.py", *quick)
    runs["concurrency"] = run("concurrency", "concurrency.py", *quick)
    runs["fleet"] = run("fleet", "fleet_limits.py", *quick)
    sizes = ["300"] if args.quick else ["10000", "100000"]
    bulk = [
        run(f"bulk {n}", "bulk.py", "--recipients", n, "--rounds", "1" if args.quick else "2")
        for n in sizes
    ]
    # One pair of runs: 100,000 recipients take minutes per run (the default client
    # sends a few hundred a second over loopback), and the difference is large.
    loopback = run(
        "bulk loopback", "bulk.py", "--loopback",
        *(quick or ["--recipients", "100000", "--rounds", "1"]),
    )  # fmt: skip
    if not args.quick:
        runs["server"] = run("server", "sandbox.py")
    profiles = [
        run(f"profile {side}", "concurrency.py", "--profile", side, "--profile-top", "15",
            *quick, summary=False)
        for side in ("AsyncVolt", "AsyncVolt+AioHttpClient")
    ]  # fmt: skip
    write_doc(args.out, runs, bulk, loopback, profiles, args.quick)
    return 0


if __name__ == "__main__":
    sys.exit(main())

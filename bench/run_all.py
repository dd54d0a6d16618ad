"""Run every benchmark and write ``docs/benchmarks.md`` and its plots (``make bench``).

Each benchmark is its own script, run here in a subprocess; the last line of its
output is a JSON summary, from which this writes the tables, the verdicts against
the targets and the plots (matplotlib, from the ``bench`` extra). Every figure is
a ratio against a baseline measured in the same run of the same script, so the
document says how volt-sdk compares, on whatever machine it was made.

    python bench/run_all.py [--out docs] [--quick]

``--quick`` runs each script in its smoke mode (figures meaningless; for checking
the runner). The full run takes about ten minutes on two cores.
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


def run(name: str, script: str, *args: str) -> Run:
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
    text = "\n".join(lines[:-1])
    print(text, flush=True)
    print(f"   ({seconds:.0f} s)", flush=True)
    return Run(name, ["python", f"bench/{script}", *args], seconds, text, json.loads(lines[-1]))


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
the same things: the server, and httpx itself (httpcore's pool scans every
connection on each request, so throughput falls as concurrency rises, for raw
httpx as for AsyncVolt). The ratio is what this measures; the machine is shared,
so expect a few percent of noise on it.

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


def section_server(run: Run) -> str:
    return f"""## 5. The sandbox server against plain ariadne

`bench/sandbox.py` (no `--e2e`): the sandbox against `ariadne.asgi.GraphQL` over the
same schema, resolvers and store, each in its own process, under the same
AsyncVolt load; server throughput and CPU per request.

```text
{run.output}
```
"""


def write_doc(out: Path, runs: dict[str, Run], bulk: list[Run], quick: bool) -> None:
    out.mkdir(parents=True, exist_ok=True)
    plot_overhead(runs["overhead"], out / "benchmarks-overhead.png")
    plot_e2e(runs["e2e"], out / "benchmarks-e2e.png")
    total = sum(r.seconds for r in [*runs.values(), *bulk])
    gql = runs["overhead"].summary.get("gql_versions", {}).get("gql", "not run")
    versions = [
        ["volt-sdk", version("volt-sdk")],
        ["httpx", version("httpx")],
        ["pydantic", version("pydantic")],
        ["phonenumbers", version("phonenumbers")],
        ["ariadne", version("ariadne")],
        ["uvicorn", version("uvicorn")],
        ["gql (own venv)", gql],
        ["matplotlib", version("matplotlib")],
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

{chr(10).join(f"- `{' '.join(r.command)}`" for r in [*runs.values(), *bulk])}

Each script runs alone too, and says what it measures in its docstring.

## Machine and versions

{table(["machine", ""], machine)}

{table(["package", "version"], versions)}

{section_overhead(runs["overhead"], "benchmarks-overhead.png")}
{section_e2e(runs["e2e"])}
{section_imports(runs["imports"])}
{section_bulk(bulk)}
{section_server(runs["server"]) if "server" in runs else ""}"""
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
    sizes = ["300"] if args.quick else ["10000", "100000"]
    bulk = [
        run(f"bulk {n}", "bulk.py", "--recipients", n, "--rounds", "1" if args.quick else "2")
        for n in sizes
    ]
    if not args.quick:
        runs["server"] = run("server", "sandbox.py")
    write_doc(args.out, runs, bulk, args.quick)
    return 0


if __name__ == "__main__":
    sys.exit(main())

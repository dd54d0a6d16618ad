#!/usr/bin/env bash
# The main job, end to end: start the local Volt sandbox, send Volt's documented
# example SMS through the `volt` CLI, show the typed result and its delivery
# progression, and shut the sandbox down (also on failure or Ctrl-C).
set -euo pipefail
cd "$(dirname "$0")/.."

VOLT=.venv/bin/volt
log=$(mktemp)
sandbox_pid=""
cleanup() {
    if [[ -n "$sandbox_pid" ]] && kill -0 "$sandbox_pid" 2>/dev/null; then
        kill "$sandbox_pid" 2>/dev/null || true
        wait "$sandbox_pid" 2>/dev/null || true
    fi
    rm -f "$log"
}
trap cleanup EXIT INT TERM

# Port 0: the sandbox picks a free loopback port and prints its URL. A pace of
# 0.5 s per step makes the queued -> sent -> delivered progression visible.
"$VOLT" sandbox --port 0 --pace 0.5 >"$log" 2>&1 &
sandbox_pid=$!

ready=""
for _ in $(seq 1 100); do
    ready=$(grep -E '^export VOLT_API_(URL|TOKEN)=' "$log" || true)
    [[ $(printf '%s\n' "$ready" | grep -c '^export') -eq 2 ]] && break
    if ! kill -0 "$sandbox_pid" 2>/dev/null; then
        echo "demo: the sandbox did not start:" >&2
        cat "$log" >&2
        exit 1
    fi
    sleep 0.1
done
if [[ $(printf '%s\n' "$ready" | grep -c '^export') -ne 2 ]]; then
    echo "demo: the sandbox did not report its URL and token within 10 s" >&2
    cat "$log" >&2
    exit 1
fi
# The sandbox prints shell-quoted export lines; evaluate exactly those two.
eval "$ready"

echo "== Local Volt sandbox"
cat "$log"
echo
echo "== volt send (the documented example), waiting for delivery"
"$VOLT" send \
    --to +15555550145 \
    --from +15555550123 \
    --body $'Your One Time Code is 654312\n\nReply STOP to opt-out.' \
    --wait
echo
echo "== Shutting the sandbox down"

#!/usr/bin/env bash
# QoS 1 throughput to persistent sessions (issue 6): P publisher -> persistent subscriber pairs (default 100), against
# Tern in memory, Tern on SQLite with ack durability and with periodic durability, and Mosquitto with
# `persistence true`, in alternation, ROUNDS rounds each; prints one JSON line per run and a table of ratios to Tern in
# memory (the median of the rounds' delivered messages per second). Each broker gets a fresh data directory.
#
# Usage: bench/scenarios/persistence.sh [--rounds N] [--duration S] [--publishers P] [--kinds "memory ack ..."] [--out DIR]
# --kinds runs a subset (memory is always needed for the ratios), e.g. --kinds "memory ack" while iterating.
# Needs: the .NET SDK, mosquitto, jq, python3. Every loop below is bounded in count and time.
set -euo pipefail

root=$(cd "$(dirname "$0")/../.." && pwd)
rounds=2
duration=5
publishers=100
kinds="memory ack periodic mosquitto"
out=""
while [ $# -gt 0 ]; do
  case "$1" in
    --rounds) rounds=$2; shift ;;
    --duration) duration=$2; shift ;;
    --publishers) publishers=$2; shift ;;
    --kinds) kinds=$2; shift ;;
    --out) out=$2; shift ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
  shift
done
out=${out:-$(mktemp -d /tmp/tern-persist-bench.XXXXXX)}
mkdir -p "$out"
dotnet build -c Release "$root/src/Tern.Cli" -v q -nologo >/dev/null
tern=(dotnet "$root/src/Tern.Cli/bin/Release/net10.0/tern.dll")

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }
wait_listening() {
  for _ in $(seq 1 100); do
    if (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; then return 0; fi
    sleep 0.1
  done
  echo "nothing listens on port $1" >&2; return 1
}

# run KIND ROUND: starts the broker KIND on a free port with a fresh data directory, runs the load, stops the broker.
run() {
  local kind=$1 round=$2 port data pid
  port=$(free_port)
  data="$out/data-$kind-$round"
  rm -rf "$data"; mkdir -p "$data"
  case "$kind" in
    memory)   "${tern[@]}" broker --port "$port" --http-port 0 --persistence memory --log-level Warning >"$out/$kind.log" 2>&1 & ;;
    ack)      "${tern[@]}" broker --port "$port" --http-port 0 --data-dir "$data" --log-level Warning >"$out/$kind.log" 2>&1 & ;;
    periodic) TERN_PERSISTENCE__DURABILITY=Periodic "${tern[@]}" broker --port "$port" --http-port 0 --data-dir "$data" --log-level Warning >"$out/$kind.log" 2>&1 & ;;
    mosquitto)
      printf 'listener %s 127.0.0.1\nallow_anonymous true\npersistence true\npersistence_location %s/\nmax_queued_messages 100000\nmax_inflight_messages 20\n' "$port" "$data" >"$out/mosquitto.conf"
      mosquitto -c "$out/mosquitto.conf" >"$out/$kind.log" 2>&1 & ;;
  esac
  pid=$!
  wait_listening "$port"
  "${tern[@]}" bench pairs --port "$port" --qos 1 --pairs "$publishers" --persistent \
    --duration "$duration" --warmup 1 --json | jq -c --arg kind "$kind" --argjson round "$round" '. + {kind: $kind, round: $round}' | tee -a "$out/results.jsonl"
  kill -TERM "$pid"; wait "$pid" || true
}

for round in $(seq 1 "$rounds"); do
  for kind in $kinds; do
    run "$kind" "$round"
  done
done

python3 - "$out/results.jsonl" <<'PY'
import json, statistics, sys
runs = [json.loads(l) for l in open(sys.argv[1])]
def rate(r):
    return r["delivered_per_s"]
kinds = [k for k in ("memory", "ack", "periodic", "mosquitto") if any(r["kind"] == k for r in runs)]
median = {k: statistics.median(rate(r) for r in runs if r["kind"] == k) for k in kinds}
print("| broker | QoS 1 msg/s delivered to a persistent session (median) | ratio to Tern in memory | ratio to Mosquitto |")
print("|---|---|---|---|")
for k, v in median.items():
    mosquitto = f"{v / median['mosquitto']:.1f}" if "mosquitto" in median else "-"
    print(f"| {k} | {v:,.0f} | {v / median['memory']:.2f} | {mosquitto} |")
# The machine's load moves from round to round: each round's ack / memory ratio shows how much.
rounds = sorted({r["round"] for r in runs})
per_round = [next(rate(r) for r in runs if r["kind"] == "ack" and r["round"] == n) / next(rate(r) for r in runs if r["kind"] == "memory" and r["round"] == n) for n in rounds]
print("ack / memory per round: " + ", ".join(f"{x:.2f}" for x in per_round))
PY

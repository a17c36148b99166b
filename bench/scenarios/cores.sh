#!/usr/bin/env bash
# Does Tern's broker path use a second core? The in-process scaling run (bench/Tern.Benchmarks, "scaling"): K
# publisher -> subscriber pairs share one broker, one thread each, no sockets and no load generator, pinned to one core
# (taskset -c 0) and to two (taskset -c 0,1) in alternation; prints the 2-core / 1-core ratio (median of rounds).
#
# Usage: bench/scenarios/cores.sh [--rounds N] [--seconds S] [--pairs "1 2 4"] [--out DIR]
# Needs: the .NET SDK, taskset, jq, python3. Every run is bounded: --seconds (default 3) after a 2 s warm-up.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
rounds=3
seconds=3
pairs_list="1 2 4"
out=""
while [ $# -gt 0 ]; do
  case "$1" in
    --rounds) rounds=$2; shift ;;
    --seconds) seconds=$2; shift ;;
    --pairs) pairs_list=$2; shift ;;
    --out) out=$2; shift ;;
    -h|--help) sed -n '2,8p' "$0"; exit 0 ;;
    *) echo "cores.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
  shift
done
out=${out:-$(mktemp -d /tmp/tern-cores.XXXXXX)}
mkdir -p "$out"
if [ "$(nproc --all)" -lt 2 ]; then echo "cores.sh: this machine has one core; nothing to compare" >&2; exit 1; fi

echo "== building Release"
dotnet build -c Release "$root/bench/Tern.Benchmarks/Tern.Benchmarks.csproj" -nologo -v quiet >"$out/build.log" 2>&1 || { cat "$out/build.log"; exit 1; }
bench="$root/bench/Tern.Benchmarks/bin/Release/net10.0/Tern.Benchmarks"

# On one processor the runtime waits 10 times longer before it replaces first-tier code with optimised code
# (TC_DelaySingleProcMultiplier); without this the one-core runs measured a quarter of their steady rate.
export DOTNET_TC_DelaySingleProcMultiplier=1

echo "== $rounds rounds of $seconds s, load average: $(cut -d' ' -f1-3 /proc/loadavg)"
for round in $(seq 1 "$rounds"); do
  for qos in 0 1; do
    for pairs in $pairs_list; do
      for cpus in 0 0,1; do
        taskset -c "$cpus" "$bench" scaling --pairs "$pairs" --qos "$qos" --seconds "$seconds" --warmup 2 --json \
          | jq -c --arg cpus "$cpus" --argjson round "$round" '. + {cpus: $cpus, round: $round}' >>"$out/results.jsonl"
      done
    done
  done
done

python3 - "$out/results.jsonl" <<'PY'
import json, statistics, sys
runs = [json.loads(l) for l in open(sys.argv[1])]
print("\nIn-process routing, messages per second (median of rounds), one core against two")
print(f"{'QoS':<4} {'pairs':>5} {'1 core/s':>12} {'2 cores/s':>12} {'2/1':>6}  processors seen")
for qos in sorted({r['qos'] for r in runs}):
    for pairs in sorted({r['pairs'] for r in runs}):
        one = [r for r in runs if r['qos'] == qos and r['pairs'] == pairs and r['cpus'] == '0']
        two = [r for r in runs if r['qos'] == qos and r['pairs'] == pairs and r['cpus'] == '0,1']
        a = statistics.median(r['messages_per_s'] for r in one)
        b = statistics.median(r['messages_per_s'] for r in two)
        print(f"{qos:<4} {pairs:>5} {a:>12,.0f} {b:>12,.0f} {b / a:>6.2f}  {one[0]['processors']} / {two[0]['processors']}")
PY
echo
echo "raw results: $out/results.jsonl"

#!/usr/bin/env bash
# Tern against Mosquitto, end to end, in the same run: every scenario of issue 9's target list against each broker in
# alternation (Tern, Mosquitto, Tern, Mosquitto, ...), the median of the rounds, and a table of Tern / Mosquitto ratios.
# Also: RSS per idle connection, the broker's CPU time per delivered message, the most idle connections the file limit
# allows, Tern's throughput on one core against two, and whether two generator processes measure more than one.
#
# The machine is shared and noisy: read the ratios, never a lone absolute number.
#
# Usage: bench/scenarios/compare.sh [--quick] [--rounds N] [--duration S] [--idle N] [--max-connections N] [--only REGEX]
#                                    [--no-unpinned] [--out DIR]
#   --quick            about 2 minutes on an idle machine: 1 s runs, 2,000 idle connections, no file-limit or unpinned runs
#   --rounds N         rounds per scenario and broker (default 2; the median is taken)
#   --duration S       seconds measured per run (default 5; quick 1)
#   --idle N           idle connections for RSS per connection (default 10000; quick 2000)
#   --max-connections N  idle connections for the file-limit run (default 19500; 0 skips it); --idle 0 skips RSS too
#   --only REGEX       run only the scenarios whose label matches (e.g. 'QoS1 16B|latency'), and no generator check
#   --no-unpinned      skip the unpinned runs
#   --out DIR          where results.jsonl and the logs go (default a new directory under /tmp)
# Needs: the .NET SDK, mosquitto (Debian package), taskset, jq, python3. Every loop below is bounded in count and time.
set -euo pipefail

root=$(cd "$(dirname "$0")/../.." && pwd)
quick=0
rounds=2
duration=""
idle=""
max_connections=""
only=""
no_unpinned=0
out=""
while [ $# -gt 0 ]; do
  case "$1" in
    --quick) quick=1 ;;
    --rounds) rounds=$2; shift ;;
    --duration) duration=$2; shift ;;
    --idle) idle=$2; shift ;;
    --max-connections) max_connections=$2; shift ;;
    --only) only=$2; shift ;;
    --no-unpinned) no_unpinned=1 ;;
    --out) out=$2; shift ;;
    -h|--help) sed -n '2,20p' "$0"; exit 0 ;;
    *) echo "compare.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
  shift
done

if [ "$quick" = 1 ]; then
  duration=${duration:-1}; warmup=0.5; drain=0.5; idle=${idle:-2000}; max_connections=${max_connections:-0}; unpinned=0; latency_duration=3
else
  duration=${duration:-5}; warmup=1; drain=2; idle=${idle:-10000}; max_connections=${max_connections:-19500}; unpinned=1; latency_duration=5
fi
if [ "$no_unpinned" = 1 ]; then unpinned=0; fi
out=${out:-$(mktemp -d /tmp/tern-compare.XXXXXX)}
mkdir -p "$out"
results="$out/results.jsonl"
: > "$results"

for tool in mosquitto taskset jq python3; do
  if ! command -v "$tool" >/dev/null 2>&1 && [ ! -x "/usr/sbin/$tool" ]; then
    echo "compare.sh: $tool is not installed (apt-get install mosquitto util-linux jq python3)" >&2
    exit 1
  fi
done
mosquitto_bin=$(command -v mosquitto || echo /usr/sbin/mosquitto)

# Tern's defaults (src/Tern.Broker/Hosting/BrokerOptions.cs), given to Mosquitto too so both queue and window alike.
tern_max_inflight=20
tern_max_queued=1000

echo "== building Release"
dotnet build -c Release "$root/src/Tern.Cli/Tern.Cli.csproj" -nologo -v quiet >"$out/build.log" 2>&1 || { cat "$out/build.log"; exit 1; }
tern="$root/src/Tern.Cli/bin/Release/net10.0/tern"

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }

# Waits (at most 10 s, in 0.1 s steps) until something listens on 127.0.0.1:$1.
wait_listening() {
  for _ in $(seq 1 100); do
    if (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; then return 0; fi
    sleep 0.1
  done
  echo "compare.sh: nothing listens on port $1 after 10 s" >&2
  return 1
}

# start_broker KIND CPUS NAME: starts Tern or Mosquitto on a free loopback port, pinned to CPUS ("" = unpinned).
# Sets BROKER_PID and BROKER_PORT.
start_broker() {
  local kind=$1 cpus=$2 name=$3 port pin=()
  port=$(free_port)
  if [ -n "$cpus" ]; then pin=(taskset -c "$cpus"); fi
  if [ "$kind" = tern ]; then
    # In memory, as Mosquitto below runs without persistence: the like-for-like comparison (docs/persistence.md has the durable one).
    "${pin[@]}" "$tern" broker --port "$port" --persistence memory --no-http --log-level Warning >"$out/$name.log" 2>&1 &
  else
    cat >"$out/$name.conf" <<EOF
listener $port 127.0.0.1
allow_anonymous true
persistence false
max_inflight_messages $tern_max_inflight
max_queued_messages $tern_max_queued
# Kestrel, under Tern, sets TCP_NODELAY on every connection; Mosquitto does only when asked. Without it Nagle's
# algorithm holds back Mosquitto's small acknowledgements: this is Mosquitto at its best, not at its default.
set_tcp_nodelay true
log_dest stderr
log_type error
log_type warning
EOF
    "${pin[@]}" "$mosquitto_bin" -c "$out/$name.conf" >"$out/$name.log" 2>&1 &
  fi
  BROKER_PID=$!
  BROKER_PORT=$port
  wait_listening "$port"
}

stop_broker() {
  kill -TERM "$1" 2>/dev/null || true
  for _ in $(seq 1 100); do kill -0 "$1" 2>/dev/null || break; sleep 0.1; done
  kill -KILL "$1" 2>/dev/null || true
  wait "$1" 2>/dev/null || true
}

cpu_seconds() { awk -v hz="$(getconf CLK_TCK)" '{printf "%.3f", ($14 + $15) / hz}' "/proc/$1/stat"; }
rss_kib() { awk '/^VmRSS/ {print $2}' "/proc/$1/status"; }

# run_bench BROKER_NAME PID PORT LABEL ROUND GENERATOR_CPUS ARGS...: one generator run; appends its JSON line, with the
# broker's CPU seconds over the run, to results.jsonl.
run_bench() {
  local name=$1 pid=$2 port=$3 label=$4 round=$5 cpus=$6 pin=() before after line
  shift 6
  if [ -n "$cpus" ]; then pin=(taskset -c "$cpus"); fi
  before=$(cpu_seconds "$pid")
  if ! line=$(timeout 300 "${pin[@]}" "$tern" bench "$@" -p "$port" --json 2>>"$out/bench-errors.log"); then
    echo "   $label against $name failed: $(tail -1 "$out/bench-errors.log")" >&2
    return 0
  fi
  after=$(cpu_seconds "$pid")
  echo "$line" | jq -c --arg b "$name" --arg l "$label" --argjson r "$round" --argjson c "$(awk -v a="$after" -v b="$before" 'BEGIN {printf "%.3f", a - b}')" \
    '. + {broker_name: $b, label: $l, round: $r, broker_cpu_s: $c}' >>"$results"
  echo "$line" | jq -r --arg b "$name" --arg l "$label" '"   \($l | .[0:28]) \($b): " + (if .latency_us then "p99 \(.latency_us.p99) us" else "\(.delivered_per_s | floor) delivered/s" end)'
}

# The target list of issue 9: label, then bench arguments.
scenarios=(
  "fan-in 4>1 QoS0 16B|fan-in --publishers 4 --subscribers 1 --qos 0 --size 16"
  "fan-in 4>1 QoS1 16B|fan-in --publishers 4 --subscribers 1 --qos 1 --size 16"
  "fan-in 4>1 QoS0 1KiB|fan-in --publishers 4 --subscribers 1 --qos 0 --size 1024"
  "fan-in 4>1 QoS1 1KiB|fan-in --publishers 4 --subscribers 1 --qos 1 --size 1024"
  "pairs 8x8 QoS0|pairs --pairs 8 --qos 0 --size 16"
  "pairs 8x8 QoS1|pairs --pairs 8 --qos 1 --size 16"
  "fan-out 1>100 QoS0|fan-out --subscribers 100 --qos 0 --size 16"
  "fan-out 1>100 QoS1|fan-out --subscribers 100 --qos 1 --size 16"
)
timing=(--duration "$duration" --warmup "$warmup" --drain "$drain")
sources=127.0.0.1,127.0.0.2,127.0.0.3,127.0.0.4,127.0.0.5,127.0.0.6,127.0.0.7,127.0.0.8

echo "== throughput and latency: broker on CPU 0, generator on CPU 1, $rounds rounds, ${duration} s each (results in $out)"
start_broker tern 0 tern-pinned; tern_pid=$BROKER_PID; tern_port=$BROKER_PORT
start_broker mosquitto 0 mosquitto-pinned; mosq_pid=$BROKER_PID; mosq_port=$BROKER_PORT
trap 'stop_broker $tern_pid; stop_broker $mosq_pid' EXIT
# Warm-up, not measured: a short pass of every scenario against both brokers, so that Tern's JIT has tiered its hot
# paths up before the first measurement (a 1,000 msg/s run on a barely warmed broker was seen compiling 1,000 methods
# mid-run on the pinned core) and both brokers have grown their pools. A broker in service is long past this point.
warm_up() {
  local port=$1 entry warm=("${scenarios[@]}")
  # Quick mode warms with two scenarios only: fan-in QoS 1 and latency touch most of the hot paths.
  if [ "$quick" = 1 ]; then warm=("${scenarios[1]}"); fi
  for entry in "${warm[@]}" "latency|latency --qos 1 --rate 1000"; do
    read -r -a args <<<"${entry#*|}"
    taskset -c 1 "$tern" bench "${args[@]}" -p "$port" --duration 0.5 --warmup 0 --drain 0.5 --json >/dev/null 2>&1 || true
  done
}
warm_up "$tern_port"
if [ "$quick" = 0 ]; then warm_up "$mosq_port"; fi

for round in $(seq 1 "$rounds"); do
  for entry in "${scenarios[@]}"; do
    label=${entry%%|*}
    if [ -n "$only" ] && ! [[ "$label" =~ $only ]]; then continue; fi
    read -r -a args <<<"${entry#*|}"
    run_bench tern "$tern_pid" "$tern_port" "$label" "$round" 1 "${args[@]}" "${timing[@]}"
    run_bench mosquitto "$mosq_pid" "$mosq_port" "$label" "$round" 1 "${args[@]}" "${timing[@]}"
  done
  if [ -z "$only" ] || [[ "latency 1000/s QoS1" =~ $only ]]; then
    latency=(latency --qos 1 --rate 1000 --size 16 --duration "$latency_duration" --warmup "$warmup" --drain "$drain")
    run_bench tern "$tern_pid" "$tern_port" "latency 1000/s QoS1" "$round" 1 "${latency[@]}"
    run_bench mosquitto "$mosq_pid" "$mosq_port" "latency 1000/s QoS1" "$round" 1 "${latency[@]}"
  fi
done

if [ -z "$only" ]; then
echo "== is the generator the bottleneck? fan-in QoS 0 with the 4 publishers split over two generator processes"
for name in tern mosquitto; do
  if [ "$name" = tern ]; then pid=$tern_pid; port=$tern_port; else pid=$mosq_pid; port=$mosq_port; fi
  topic="tern/split/$name/$$"
  before=$(cpu_seconds "$pid")
  taskset -c 1 "$tern" bench fan-in -p "$port" --publishers 2 --subscribers 1 --topic "$topic" "${timing[@]}" --json >"$out/split-a.json" 2>>"$out/bench-errors.log" &
  a=$!
  taskset -c 1 "$tern" bench fan-in -p "$port" --publishers 2 --subscribers 0 --topic "$topic" "${timing[@]}" --json >"$out/split-b.json" 2>>"$out/bench-errors.log" &
  b=$!
  wait "$a" "$b" || true
  after=$(cpu_seconds "$pid")
  if [ -s "$out/split-a.json" ]; then
    jq -c --arg b "$name" --argjson c "$(awk -v a="$after" -v b="$before" 'BEGIN {printf "%.3f", a - b}')" '. + {broker_name: $b, label: "split fan-in 2+2>1 QoS0 16B", round: 1, broker_cpu_s: $c}' "$out/split-a.json" >>"$results"
  fi
done
fi
stop_broker "$tern_pid"; stop_broker "$mosq_pid"

if [ "$unpinned" = 1 ]; then
  echo "== unpinned: broker and generator free on both cores (Tern's 1-core vs 2-core ratio)"
  start_broker tern "" tern-unpinned; tern_pid=$BROKER_PID; tern_port=$BROKER_PORT
  start_broker mosquitto "" mosquitto-unpinned; mosq_pid=$BROKER_PID; mosq_port=$BROKER_PORT
  warm_up "$tern_port"
  warm_up "$mosq_port"
  for round in $(seq 1 "$rounds"); do
    for entry in "${scenarios[0]}" "${scenarios[5]}" "${scenarios[6]}"; do
      label="unpinned ${entry%%|*}"
      read -r -a args <<<"${entry#*|}"
      run_bench tern "$tern_pid" "$tern_port" "$label" "$round" "" "${args[@]}" "${timing[@]}"
      run_bench mosquitto "$mosq_pid" "$mosq_port" "$label" "$round" "" "${args[@]}" "${timing[@]}"
    done
  done
  stop_broker "$tern_pid"; stop_broker "$mosq_pid"
fi

# warm_up_connects PORT: the same connect warm-up for both brokers, so that the measured connects are the steady state.
# .NET compiles a method at tier 1 only after it has been called 30 times once the call-counting delay has passed,
# and that delay (100 ms, 10 times as long on one CPU, as a broker pinned with taskset sees) starts again whenever new
# methods are called. A single 500-connect pass lasts less than the delay, so Tern's JIT used to compile the connect
# path at tier 1 during the measured connects (the tiering thread was about 20 % of the broker's samples, 400+
# methods). So: four passes of 1,000 connects from the same source addresses as the measurement, each followed by
# 1.5 s without connects, in which the delay runs out and then the background compilation finishes.
warm_up_connects() {
  local port=$1 pass
  for pass in 1 2 3 4; do
    taskset -c 1 "$tern" bench connections -p "$port" --connections 1000 --source-addresses "$sources" --json >/dev/null 2>>"$out/bench-errors.log" || true
    sleep 1.5
  done
}

# idle_connections KIND COUNT LABEL: a fresh pinned broker, warmed up by warm_up_connects, VmRSS, COUNT idle
# connections held open, VmRSS again. Appends the connections result with the RSS figures.
idle_connections() {
  local kind=$1 count=$2 label=$3 pid port before after file cpu_before cpu_after
  start_broker "$kind" 0 "$kind-idle-$count"; pid=$BROKER_PID; port=$BROKER_PORT
  warm_up_connects "$port"
  before=$(rss_kib "$pid")
  cpu_before=$(cpu_seconds "$pid")
  file="$out/idle-$kind-$count.json"
  : >"$file"
  taskset -c 1 "$tern" bench connections -p "$port" --connections "$count" --source-addresses "$sources" --hold 3 --json >"$file" 2>>"$out/bench-errors.log" &
  local bench=$!
  # The result line is printed while the connections are held open; wait for it (at most 120 s).
  for _ in $(seq 1 1200); do
    if [ -s "$file" ] || ! kill -0 "$bench" 2>/dev/null; then break; fi
    sleep 0.1
  done
  after=$(rss_kib "$pid")
  cpu_after=$(cpu_seconds "$pid")
  wait "$bench" || true
  if [ -s "$file" ]; then
    jq -c --arg b "$kind" --arg l "$label" --argjson before "$before" --argjson after "$after" \
      --argjson c "$(awk -v a="$cpu_after" -v b="$cpu_before" 'BEGIN {printf "%.3f", a - b}')" \
      '. + {broker_name: $b, label: $l, round: 1, rss_before_kib: $before, rss_after_kib: $after, broker_cpu_s: $c}' "$file" >>"$results"
    jq -r --arg b "$kind" --argjson before "$before" --argjson after "$after" \
      '"   \($b): \(.connected) of \(.connections) connected, \(.connect_per_s | floor)/s, RSS \($before) -> \($after) KiB"' "$file"
  else
    echo "   $kind: the connections run printed nothing: $(tail -1 "$out/bench-errors.log")" >&2
  fi
  stop_broker "$pid"
}

if [ "$idle" -gt 0 ]; then
  echo "== RSS per idle connection: $idle connections from 8 source addresses"
  idle_connections tern "$idle" "idle $idle"
  idle_connections mosquitto "$idle" "idle $idle"
fi
if [ "$max_connections" -gt 0 ]; then
  echo "== the file limit: $max_connections idle connections (ulimit -n is $(ulimit -n))"
  idle_connections tern "$max_connections" "max $max_connections"
  idle_connections mosquitto "$max_connections" "max $max_connections"
fi
trap - EXIT

echo
python3 "$root/bench/scenarios/report.py" "$results"
echo
echo "raw results: $results"

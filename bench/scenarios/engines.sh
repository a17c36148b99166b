#!/usr/bin/env bash
# Tern on its own epoll engine against Tern on the runtime's sockets (TERN_EPOLL=0): the same scenarios, the broker
# pinned to CPU 0 and the generator to CPU 1, the two engines in alternation, several rounds.
#
# Usage: bench/scenarios/engines.sh [--rounds N]     (default 3; each run 4 s after a 1 s warm-up)
# Needs: the .NET SDK, taskset, jq, python3. Every run is bounded (120 s at most).
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
rounds=3
if [ "${1:-}" = "--rounds" ]; then rounds=$2; fi
dotnet build -c Release "$root/src/Tern.Cli/Tern.Cli.csproj" -nologo -v quiet >/dev/null
tern="$root/src/Tern.Cli/bin/Release/net10.0/tern"
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }
printf '%-6s %-8s %-44s %12s\n' round engine scenario 'delivered/s'
for round in $(seq 1 "$rounds"); do
  for engine in epoll runtime; do
    for scenario in "pairs --pairs 8 --qos 1 --size 16" "fan-out --subscribers 100 --qos 0 --size 16" "fan-out --subscribers 100 --qos 1 --size 16"; do
      port=$(free_port)
      if [ "$engine" = runtime ]; then export TERN_EPOLL=0; else unset TERN_EPOLL; fi
      taskset -c 0 "$tern" broker --port "$port" --persistence memory --no-http --log-level Warning >/dev/null 2>&1 &
      pid=$!
      for _ in $(seq 1 100); do (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break; sleep 0.1; done
      # shellcheck disable=SC2086 # the scenario is several words on purpose
      rate=$(timeout 120 taskset -c 1 "$tern" bench $scenario -p "$port" --duration 4 --warmup 1 --json | jq '.delivered_per_s | floor')
      kill "$pid"; wait "$pid" 2>/dev/null || true
      printf '%-6s %-8s %-44s %12s\n' "$round" "$engine" "$scenario" "$rate"
    done
  done
done
unset TERN_EPOLL

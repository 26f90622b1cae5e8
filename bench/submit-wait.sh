#!/bin/sh
# Where one Tessera process's submissions wait (issue 15/16): starts the server of this checkout
# with bench/wait-probe.cjs on PORT (default 3925), runs bench:load's submit scenario at c=4, and
# prints the JavaScript thread's time on CPU, runnable but waiting for a CPU (the run queue), and
# asleep (waiting on the database, the network, the load generator), from /proc/<pid>/task/<pid>/schedstat,
# then the probe's JSON (statements by kind and shape, their wall time, event loop utilisation).
#   TESSERA_CONFIG_DIR=... TESSERA_DATA_DIR=... sh bench/submit-wait.sh [requests] [port]
# The data set is written to (submissions, and pending migrations are applied): never a shared one.
set -e
n=${1:-300}; port=${2:-3925}; out=${WAIT_PROBE_OUT:-/tmp/wait-probe.json}
: "${TESSERA_CONFIG_DIR:?}" "${TESSERA_DATA_DIR:?}"
cd "$(dirname "$0")/.."
node --import tsx src/cli/migrate.ts >/dev/null
PORT=$port HOST=127.0.0.1 NODE_OPTIONS=--require=./bench/wait-probe.cjs WAIT_PROBE_OUT=$out \
  nice -n -10 node --import tsx src/server.ts >"/tmp/tessera-submit-wait-$port.log" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null' EXIT
for i in $(seq 1 120); do curl -sf "http://127.0.0.1:$port/readyz" >/dev/null && break; sleep 0.5; done
kill -USR1 $pid
s0=$(cat /proc/$pid/task/$pid/schedstat); t0=$(date +%s%N)
uptime
nice -n -10 npx tsx bench/load.ts --url "http://127.0.0.1:$port" --pid $pid --scenarios submit \
  --submit-concurrency 4 --requests "$n" --warmup 30 | tail -6
s1=$(cat /proc/$pid/task/$pid/schedstat); t1=$(date +%s%N)
kill -USR2 $pid; sleep 0.5
uptime
echo "$s0 $s1 $(( (t1 - t0) / 1000000 ))" | awk '{on=($4-$1)/1e6; rq=($5-$2)/1e6; printf "JS thread: on CPU %.0f ms, runnable waiting for a CPU %.0f ms, asleep (waiting on I/O) %.0f ms, of %d ms wall\n", on, rq, $7-on-rq, $7}'
cat "$out"

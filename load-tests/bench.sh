#!/usr/bin/env bash
# Arcanum benchmark: throughput and latency side by side with the ceilings of this machine, in one run.
#
#   load-tests/bench.sh [-c connections] [-d seconds] [-w warmupSeconds] [-p paths] [--profile] [--quick]
#
#   -c  keep-alive connections of wrk, and inserts in flight for the storage ceiling (16)
#   -d  seconds measured per phase (30); -w  seconds of warm-up before each phase (10)
#   -p  secret paths written, then read (1000)
#   --quick    -d 5 -w 2, to try the script (figures too short to quote); -d/-w given as well win
#   --profile  JFR on the Arcanum server during the audited phases, summarised under the table
#   Environment: ARCANUM_BENCH_SERVER_OPTS (more JVM options for both servers),
#   ARCANUM_CASSANDRA_COMMITLOG_WINDOW_MS (0 = batch, the default; N = group, N ms),
#   ARCANUM_BENCH_PORT (18320), ARCANUM_BENCH_CASSANDRA_PORT / _STORAGE_PORT (19342 / 17342).
#
# 1. HTTP ceiling:    a bare Pekko HTTP route returning a small JSON body, with the node's server
#                     settings (io.arcanum.bench.HttpCeiling), driven by wrk over keep-alive connections.
# 2. Storage ceiling: single-row inserts through the Cassandra Java driver with as many in flight as
#                     wrk has connections (io.arcanum.bench.CassandraInsertCeiling), same node,
#                     same commit-log mode.
# 3. Arcanum:         KV v2 writes, then reads, by a token limited to the benchmark's paths, with a file
#                     audit device on; reads again at 80 % of their peak (latency) and over 64 connections; then the same with
#                     auditing off (ARCANUM_AUDIT_ENABLED=false), to measure what auditing costs. Each
#                     server's phases start once Cassandra is quiet (up to 60 s after the server is up).
#                     Also: single-row inserts one at a time and a single writer (one connection), so
#                     that a write's latency is compared with one durable round trip; first writes of
#                     new keys; and Cassandra's own count of operations per write, by table
#                     (io.arcanum.bench.CassandraOps, from system_views).
# 4. A table: absolute figures, the ratios Arcanum/ceiling, and the machine.
#
# It builds the cli module (bin/arcanum, which runs the Arcanum server) and the bench module (bench/:
# the two ceilings' mains and io.arcanum.bench.JfrSummary, which summarises --profile's recordings).
# It takes about 12 minutes (longer with -d/-w, and while the servers' JIT compilers warm up), and installs wrk with apt-get (sudo when not root) if
# it is missing.
# Everything runs on this machine: the local Cassandra (its own state directory and ports), the servers
# and wrk share its cores, as they would on a single-host deployment. --profile records JFR on the
# Arcanum server during the audited read and write phases and prints where the CPU time went.
# See docs/benchmarks.md for the latest results and how to read them.
set -euo pipefail

home="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$home"

connections=16
duration=30
warmup=10
paths=1000
profile=false
for a in "$@"; do [ "$a" = --quick ] && { duration=5; warmup=2; }; done
while [ $# -gt 0 ]; do
  case "$1" in
    -c|-d|-w|-p) [ $# -ge 2 ] || { echo "$1 needs a value (see --help)" >&2; exit 2; } ;;
  esac
  case "$1" in
    -c) connections="$2"; shift 2 ;;
    -d) duration="$2"; shift 2 ;;
    -w) warmup="$2"; shift 2 ;;
    -p) paths="$2"; shift 2 ;;
    --profile) profile=true; shift ;;
    --quick) shift ;;
    -h|--help) awk 'NR > 1 && /^#/ {sub(/^# ?/, ""); print; next} NR > 1 {exit}' "$0"; exit 0 ;;
    *) echo "unknown option: $1 (see --help)" >&2; exit 2 ;;
  esac
done
for v in "$connections" "$duration" "$warmup" "$paths"; do
  [[ "$v" =~ ^[0-9]{1,6}$ ]] && [ "$v" -gt 0 ] || { echo "-c, -d, -w and -p take positive integers, got '$v'" >&2; exit 2; }
done

threads=2
[ "$connections" -lt "$threads" ] && threads="$connections"
cassandra_port="${ARCANUM_BENCH_CASSANDRA_PORT:-19342}"
storage_port="${ARCANUM_BENCH_CASSANDRA_STORAGE_PORT:-17342}"
http_port="${ARCANUM_BENCH_PORT:-18320}"
out="$home/load-tests/target/bench/$(date -u +%Y%m%dT%H%M%SZ)"
mkdir -p "$out"
scripts="$home/load-tests/bench"
# ARCANUM_BENCH_SERVER_OPTS: more JVM options for both servers (e.g. to measure a setting's effect)
server_opts="-Xms1g -Xmx1g -Darcanum.tls.dev-directory=.arcanum/bench-tls ${ARCANUM_BENCH_SERVER_OPTS:-}"
ca="$home/.arcanum/bench-tls/arcanum-dev-ca.pem"

say() { printf '==> %s\n' "$*" >&2; }

# --- tools ------------------------------------------------------------------------------------------
if ! command -v wrk >/dev/null 2>&1; then
  say "installing wrk (Debian package)"
  if [ "$(id -u)" = 0 ]; then apt-get install -y wrk >"$out/apt.log" 2>&1 || { apt-get update >>"$out/apt.log" 2>&1 && apt-get install -y wrk >>"$out/apt.log" 2>&1; }
  else sudo apt-get install -y wrk >"$out/apt.log" 2>&1; fi
fi
command -v curl >/dev/null 2>&1 || { echo "curl is needed" >&2; exit 1; }
if (exec 3<>"/dev/tcp/127.0.0.1/$http_port") 2>/dev/null; then
  echo "port $http_port is in use (a server left running?): stop it or set ARCANUM_BENCH_PORT" >&2; exit 1
fi
say "building Arcanum (the cli and bench modules)"
./mvnw -B -q -DskipTests install -pl cli,bench -am >"$out/build.log" 2>&1 || { cat "$out/build.log" >&2; exit 1; }
if [ -n "${JAVA_HOME:-}" ] && [ -x "$JAVA_HOME/bin/java" ]; then java="$JAVA_HOME/bin/java"; else java=java; fi
# the ceilings and the JFR summary (bench module); the Arcanum server itself runs through bin/arcanum (cli module)
cp="$home/bench/target/arcanum-bench.jar:$home/bench/target/lib/*"

# --- processes ---------------------------------------------------------------------------------------
export ARCANUM_CASSANDRA_STATE_DIR="$home/.arcanum/bench-cassandra"
export ARCANUM_CASSANDRA_PORT="$cassandra_port" ARCANUM_CASSANDRA_STORAGE_PORT="$storage_port"
server_pid=""
stop_server() {
  if [ -n "$server_pid" ] && kill -0 "$server_pid" 2>/dev/null; then
    kill "$server_pid" 2>/dev/null || true
    for _ in $(seq 1 60); do kill -0 "$server_pid" 2>/dev/null || break; sleep 0.5; done
    kill -9 "$server_pid" 2>/dev/null || true
  fi
  server_pid=""
}
cleanup() {
  stop_server
  bin/arcanum cassandra stop >/dev/null 2>&1 || true
}
trap cleanup EXIT
trap 'exit 130' INT TERM

say "starting the benchmark's Cassandra (state in .arcanum/bench-cassandra, CQL port $cassandra_port)"
# every run starts from empty tables (and no compaction left from an earlier run) unless the node is up
if ! bin/arcanum cassandra status >/dev/null 2>&1; then
  rm -rf "$ARCANUM_CASSANDRA_STATE_DIR"/{data,commitlog,hints,saved_caches,cdc}
fi
bin/arcanum cassandra start >"$out/cassandra-start.log" 2>&1 || { cat "$out/cassandra-start.log" >&2; exit 1; }
cassandra_pid="$(cat "$ARCANUM_CASSANDRA_STATE_DIR/cassandra.pid")"

# cpu_ticks PID: user+system clock ticks the process has used so far
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat" 2>/dev/null || echo 0; }
tick_hz="$(getconf CLK_TCK)"

# run_wrk NAME URL SCRIPT SECONDS ARGS...: runs wrk, keeps its output, sets $rps $p50 $p99 $p999 $errors
# and $server_cores/$cassandra_cores (CPU cores the server and Cassandra used on average meanwhile)
run_wrk() {
  local name="$1" url="$2" script="$3" secs="$4"; shift 4
  local s0 c0
  s0="$(cpu_ticks "${server_pid:-0}")"; c0="$(cpu_ticks "$cassandra_pid")"
  wrk -t"${wrk_threads:-$threads}" -c"${wrk_connections:-$connections}" -d"${secs}s" --timeout 10s \
    -s "$scripts/$script" "$url" -- "$@" >"$out/$name.txt" 2>&1
  local line
  line="$(grep '^wrk-result' "$out/$name.txt" || true)"
  [ -n "$line" ] || { cat "$out/$name.txt" >&2; echo "wrk gave no result for $name" >&2; exit 1; }
  rps="$(sed -E 's/.* rps=([^ ]+).*/\1/' <<<"$line")"
  mean="$(sed -E 's/.* mean_ms=([^ ]+).*/\1/' <<<"$line")"
  p50="$(sed -E 's/.* p50_ms=([^ ]+).*/\1/' <<<"$line")"
  p99="$(sed -E 's/.* p99_ms=([^ ]+).*/\1/' <<<"$line")"
  p999="$(sed -E 's/.* p999_ms=([^ ]+).*/\1/' <<<"$line")"
  requests="$(sed -E 's/.* requests=([^ ]+).*/\1/' <<<"$line")"
  errors="$(awk '{for(i=1;i<=NF;i++){split($i,kv,"="); if(kv[1]=="non2xx"||kv[1]=="socket_errors") s+=kv[2]}} END{print s+0}' <<<"$line")"
  server_cores="$(awk -v a="$s0" -v b="$(cpu_ticks "${server_pid:-0}")" -v hz="$tick_hz" -v s="$secs" 'BEGIN{printf "%.2f", (b-a)/hz/s}')"
  cassandra_cores="$(awk -v a="$c0" -v b="$(cpu_ticks "$cassandra_pid")" -v hz="$tick_hz" -v s="$secs" 'BEGIN{printf "%.2f", (b-a)/hz/s}')"
  say "$(printf '%-26s %9s req/s  p50 %7s ms  p99 %7s ms  errors %s  (cpu: server %s, cassandra %s cores)' \
    "$name" "$rps" "$p50" "$p99" "$errors" "$server_cores" "$cassandra_cores")"
}

# settle: before each Arcanum phase, waits (at most 60 s) until Cassandra has used under 0.15 core
# over 3 s (an idle node with its projections polling every 500 ms keeps it near 0.1), so that a
# phase does not pay for flushes and compactions the previous one left: dropping the storage
# ceiling's keyspace flushes some 300,000 rows
settle() {
  local t0 a b quiet=false
  t0="$(date +%s)"
  while [ $(( $(date +%s) - t0 )) -lt 60 ]; do
    a="$(cpu_ticks "$cassandra_pid")"; sleep 3; b="$(cpu_ticks "$cassandra_pid")"
    if awk -v a="$a" -v b="$b" -v hz="$tick_hz" 'BEGIN{exit !((b-a)/hz/3 < 0.15)}'; then quiet=true; break; fi
  done
  if $quiet; then say "Cassandra quiet after $(( $(date +%s) - t0 )) s"
  else say "Cassandra still above 0.15 core after $(( $(date +%s) - t0 )) s; measuring anyway"; fi
}

wait_for_line() { # FILE PATTERN SECONDS PID
  for _ in $(seq 1 $(( $3 * 2 ))); do
    grep -q "$2" "$1" 2>/dev/null && return 0
    kill -0 "$4" 2>/dev/null || { cat "$1" >&2; echo "process exited before '$2'" >&2; exit 1; }
    sleep 0.5
  done
  cat "$1" >&2; echo "timed out waiting for '$2' in $1" >&2; exit 1
}

# jit_settle: the server's JIT compiles some 14,000 methods under load (about 40 s of a core on this
# machine); phases measured before that is done measure the compiler. Drives the server with the
# phases' own kinds of requests (under a prefix of their own) in 10 s rounds until its compiler
# threads used under 0.1 core in the last round, at most 12 rounds.
compiler_ticks() {
  local t sum=0
  for t in /proc/"$server_pid"/task/*; do
    case "$(cat "$t/comm" 2>/dev/null)" in C1\ Compiler*|C2\ Compiler*) sum=$(( sum + $(awk '{print $14 + $15}' "$t/stat") ));; esac
  done
  echo "$sum"
}
jit_settle() {
  local round c0 c1 used
  for round in $(seq 1 12); do
    c0="$(compiler_ticks)"
    run_wrk "jit-$round-write" "$base" write.lua 5 "$token" "$paths" /v1/secret/data/bench/jit/ "$threads"
    run_wrk "jit-$round-read" "$base" read.lua 5 "$token" "$paths" /v1/secret/data/bench/jit/
    c1="$(compiler_ticks)"
    used="$(awk -v a="$c0" -v b="$c1" -v hz="$tick_hz" 'BEGIN{printf "%.2f", (b-a)/hz/10}')"
    say "JIT round $round: compiler threads used $used cores"
    awk -v u="$used" 'BEGIN{exit !(u < 0.1)}' && return 0
  done
  say "the JIT still compiles after 12 rounds; measuring anyway"
}

declare -A R
record() { R[$1.rps]="$rps"; R[$1.p50]="$p50"; R[$1.p99]="$p99"; R[$1.p999]="$p999"; R[$1.err]="$errors"
           R[$1.scpu]="$server_cores"; R[$1.ccpu]="$cassandra_cores"; }

# --- 1. HTTP ceiling ------------------------------------------------------------------------------------
say "1/3 HTTP ceiling: bare Pekko HTTP route, $connections connections, ${duration}s (+${warmup}s warm-up)"
# shellcheck disable=SC2086
"$java" $server_opts -Darcanum.home="$home" -cp "$cp" io.arcanum.bench.HttpCeiling "127.0.0.1:$http_port" \
  >"$out/http-ceiling-server.log" 2>&1 &
server_pid=$!
wait_for_line "$out/http-ceiling-server.log" "listening on" 60 "$server_pid"
base="https://127.0.0.1:$http_port"
run_wrk http-ceiling-warmup "$base" read.lua "$(( warmup * 3 ))" hvs.benchmark "$paths" /v1/bench/
run_wrk http-ceiling "$base" read.lua "$duration" hvs.benchmark "$paths" /v1/bench/
record http
stop_server

# --- 2. storage ceiling -----------------------------------------------------------------------------------
say "2/3 storage ceiling: single-row inserts, $connections in flight, ${duration}s (+${warmup}s warm-up)"
c0="$(cpu_ticks "$cassandra_pid")"
"$java" -Xms256m -Xmx1g -cp "$cp" io.arcanum.bench.CassandraInsertCeiling "127.0.0.1:$cassandra_port" \
  "$connections" "$warmup" "$duration" 512 >"$out/storage-ceiling.txt" 2>"$out/storage-ceiling.log" \
  || { cat "$out/storage-ceiling.log" >&2; exit 1; }
line="$(grep '^storage-ceiling' "$out/storage-ceiling.txt")"
R[cql.rps]="$(sed -E 's/.* rps=([^ ]+).*/\1/' <<<"$line")"
R[cql.p50]="$(sed -E 's/.* p50_ms=([^ ]+).*/\1/' <<<"$line")"
R[cql.p99]="$(sed -E 's/.* p99_ms=([^ ]+).*/\1/' <<<"$line")"
R[cql.err]="$(sed -E 's/.* errors=([^ ]+).*/\1/' <<<"$line")"
commitlog="$(sed -E 's/.* commitlog_sync=([^ ]+).*/\1/' <<<"$line")"
say "$(printf '%-26s %9s req/s  p50 %7s ms  p99 %7s ms  errors %s  (commit log: %s)' storage-ceiling \
  "${R[cql.rps]}" "${R[cql.p50]}" "${R[cql.p99]}" "${R[cql.err]}" "$commitlog")"
# one insert at a time: what a single durable round trip costs (the single writer's yardstick)
"$java" -Xms256m -Xmx1g -cp "$cp" io.arcanum.bench.CassandraInsertCeiling "127.0.0.1:$cassandra_port" \
  1 "$warmup" "$duration" 512 >"$out/storage-single.txt" 2>"$out/storage-single.log" \
  || { cat "$out/storage-single.log" >&2; exit 1; }
line="$(grep '^storage-ceiling' "$out/storage-single.txt")"
R[cql1.rps]="$(sed -E 's/.* rps=([^ ]+).*/\1/' <<<"$line")"
R[cql1.p50]="$(sed -E 's/.* p50_ms=([^ ]+).*/\1/' <<<"$line")"
R[cql1.p99]="$(sed -E 's/.* p99_ms=([^ ]+).*/\1/' <<<"$line")"
R[cql1.err]="$(sed -E 's/.* errors=([^ ]+).*/\1/' <<<"$line")"
say "$(printf '%-26s %9s req/s  p50 %7s ms  p99 %7s ms  errors %s' storage-single "${R[cql1.rps]}" \
  "${R[cql1.p50]}" "${R[cql1.p99]}" "${R[cql1.err]}")"

# --- 3. Arcanum ---------------------------------------------------------------------------------------------
# start_arcanum AUDIT(true|false): a dev server on the benchmark's Cassandra; sets $base and $root
start_arcanum() {
  local log="$out/arcanum-audit-$1.log"
  ARCANUM_AUDIT_ENABLED="$1" ARCANUM_LISTEN_ADDRESS="127.0.0.1:$http_port" \
  ARCANUM_CASSANDRA_CONTACT_POINTS="127.0.0.1:$cassandra_port" ARCANUM_CASSANDRA_DEV_KEYSPACE=arcanum_bench_dev \
  ARCANUM_JAVA_OPTS="$server_opts" bin/arcanum server -dev >"$log" 2>&1 &
  server_pid=$!
  wait_for_line "$log" "Arcanum server started" 180 "$server_pid"
  root="$(sed -nE 's/^Root Token: (.*)$/\1/p' "$log")"
  base="https://127.0.0.1:$http_port"
}
api() { # METHOD PATH [BODY]: a call as root; prints the body, fails on an error status
  curl -sS --fail-with-body --cacert "$ca" -X "$1" -H "X-Vault-Token: $root" -H 'Content-Type: application/json' \
    ${3:+--data "$3"} "$base/v1/$2"
}
# limited_token: a policy that allows only the benchmark's paths, and a token with only that policy
limited_token() {
  api PUT sys/policies/acl/bench \
    '{"policy":"path \"secret/data/bench/*\" { capabilities = [\"create\", \"read\", \"update\"] }"}' >/dev/null
  api POST auth/token/create '{"policies":["bench"],"no_default_policy":true,"ttl":"24h"}' \
    | sed -E 's/.*"client_token":"([^"]+)".*/\1/'
}
jfr_start() { $profile && jcmd "$server_pid" JFR.start name="$1" settings=profile >/dev/null || true; }
jfr_stop() {
  if $profile; then
    jcmd "$server_pid" JFR.stop name="$1" filename="$out/$1.jfr" >/dev/null
    "$java" -cp "$cp" io.arcanum.bench.JfrSummary "$out/$1.jfr" 12 >"$out/$1-profile.txt"
  fi
}

# ops_count FILE: Cassandra's own operation counts per table of the server's keyspace (CassandraOps)
ops_count() { "$java" -cp "$cp" io.arcanum.bench.CassandraOps "127.0.0.1:$cassandra_port" arcanum_bench_dev >"$1" 2>/dev/null; }
# ops_per_request BEFORE AFTER REQUESTS NAME: per-table writes and reads per request between two counts,
# written to $out/NAME-ops.txt; sets $ops_total (writes + reads per request, all tables)
ops_per_request() {
  awk -v n="$3" '
    FNR == NR { for (i = 2; i <= NF; i++) { split($i, kv, "="); b[$2, kv[1]] = kv[2] } next }
    { split($2, t, "="); for (i = 3; i <= NF; i++) { split($i, kv, "="); d[t[2], kv[1]] = kv[2] - b[$2, kv[1]] } tables[t[2]] = 1 }
    END {
      for (tb in tables) { w = d[tb, "writes"] / n; r = d[tb, "reads"] / n; if (w + r >= 0.005) printf "%-22s writes %5.2f reads %5.2f\n", tb, w, r; tw += w; tr += r }
      printf "%-22s writes %5.2f reads %5.2f\n", "(all tables)", tw, tr
    }' "$1" "$2" | sort >"$out/$4-ops.txt"
  ops_total="$(awk '/^\(all tables\)/ {printf "%.1f", $4 + $6}' "$out/$4-ops.txt")"
}

# Each write phase walks the paths in blocks, one per wrk thread (write.lua); walked counts how far
# the slowest thread surely got, summed over the phase's runs: its requests, less the one per
# connection that may still have been in flight when wrk stopped. fill_paths writes on until every
# thread has walked its whole block, i.e. every path has a version before the reads.
walked=0
walk() {
  local made in_flight=$(( (connections + threads - 1) / threads ))
  made="$(sed -nE 's/^wrk-walk min_count=([0-9]+).*/\1/p' "$out/$1.txt")"
  [ "$made" -gt "$in_flight" ] && walked=$(( walked + made - in_flight ))
  return 0
}
fill_paths() {
  local block=$(( (paths + threads - 1) / threads )) n=0
  while [ "$walked" -lt "$block" ]; do
    n=$(( n + 1 ))
    run_wrk "arcanum-write-fill-$n" "$base" write.lua "$warmup" "$token" "$paths" /v1/secret/data/bench/ "$threads" "$walked"
    walk "arcanum-write-fill-$n"
  done
}

say "3/3 Arcanum, audited: a limited token, a file audit device, KV v2 at secret/"
start_arcanum true
token="$(limited_token)"
api PUT sys/audit/bench "{\"type\":\"file\",\"options\":{\"file_path\":\"$out/audit.log\"}}" >/dev/null
jit_settle
settle
walked=0
run_wrk arcanum-write-warmup "$base" write.lua "$warmup" "$token" "$paths" /v1/secret/data/bench/ "$threads"
walk arcanum-write-warmup
jfr_start writes
ops_count "$out/ops-write-before.txt"
run_wrk arcanum-write "$base" write.lua "$duration" "$token" "$paths" /v1/secret/data/bench/ "$threads" "$walked"
ops_count "$out/ops-write-after.txt"
ops_per_request "$out/ops-write-before.txt" "$out/ops-write-after.txt" "$requests" arcanum-write
R[write.ops]="$ops_total"
walk arcanum-write
jfr_stop writes
record write
# a single writer: one connection, each write sent when the previous one answered (latency, not load)
wrk_threads=1 wrk_connections=1 run_wrk arcanum-write-single "$base" write.lua "$duration" "$token" "$paths" \
  /v1/secret/data/bench/ 1
record write1
fill_paths
run_wrk arcanum-read-warmup "$base" read.lua "$warmup" "$token" "$paths" /v1/secret/data/bench/
jfr_start reads
run_wrk arcanum-read "$base" read.lua "$duration" "$token" "$paths" /v1/secret/data/bench/
jfr_stop reads
record read
# 80 % of the read peak: each connection pauses between requests. With c connections, a mean latency
# L and a pause P (ms), the rate is c / (L + P) per ms; L falls as the load falls, so P is corrected
# from what each short calibration run measured, until the rate is within 5 % of the target.
peak="${R[read.rps]}"
target="$(awk -v p="$peak" 'BEGIN{printf "%.1f", 0.8 * p}')"
pause="$(awk -v c="$connections" -v p="$peak" 'BEGIN{printf "%.3f", c * 1000 / p * 0.25}')"
for attempt in 1 2 3 4; do
  run_wrk "arcanum-read-80-calibrate-$attempt" "$base" paced.lua "$warmup" "$token" "$paths" /v1/secret/data/bench/ "$pause"
  awk -v r="$rps" -v t="$target" 'BEGIN{exit !(r > 0.95 * t && r < 1.05 * t)}' && break
  pause="$(awk -v c="$connections" -v t="$target" -v l="$mean" 'BEGIN{x = c * 1000 / t - l; if (x < 0) x = 0; printf "%.3f", x}')"
done
run_wrk arcanum-read-80 "$base" paced.lua "$duration" "$token" "$paths" /v1/secret/data/bench/ "$pause"
record read80
# the same reads over 64 connections (larger audit groups, more requests in flight); after the paced
# phase, so that the device's catching up after this one does not weigh on that one's latency
wrk_connections=64 run_wrk arcanum-read-64 "$base" read.lua "$duration" "$token" "$paths" /v1/secret/data/bench/
record read64
# first writes: every request writes a key that does not exist yet (so each one brings a key into
# existence and into the listing, and recovers a new entity)
run_wrk arcanum-create-warmup "$base" write.lua "$warmup" "$token" 100000000 /v1/secret/data/bench/new/ "$threads"
ops_count "$out/ops-create-before.txt"
run_wrk arcanum-create "$base" write.lua "$duration" "$token" 100000000 /v1/secret/data/bench/new/ "$threads" 1000000
ops_count "$out/ops-create-after.txt"
ops_per_request "$out/ops-create-before.txt" "$out/ops-create-after.txt" "$requests" arcanum-create
R[create.ops]="$ops_total"
record create
# the device delivers a few seconds behind the journal: wait until its file stops growing
audit_lines=-1
for _ in $(seq 1 30); do
  now_lines="$(wc -l <"$out/audit.log" | tr -d ' ')"
  [ "$now_lines" = "$audit_lines" ] && break
  audit_lines="$now_lines"; sleep 4
done
stop_server

say "3/3 Arcanum, auditing off (ARCANUM_AUDIT_ENABLED=false), same phases"
start_arcanum false
token="$(limited_token)"
jit_settle
settle
walked=0
run_wrk arcanum-noaudit-write-warmup "$base" write.lua "$warmup" "$token" "$paths" /v1/secret/data/bench/ "$threads"
walk arcanum-noaudit-write-warmup
run_wrk arcanum-noaudit-write "$base" write.lua "$duration" "$token" "$paths" /v1/secret/data/bench/ "$threads" "$walked"
walk arcanum-noaudit-write
record nwrite
fill_paths
run_wrk arcanum-noaudit-read-warmup "$base" read.lua "$warmup" "$token" "$paths" /v1/secret/data/bench/
run_wrk arcanum-noaudit-read "$base" read.lua "$duration" "$token" "$paths" /v1/secret/data/bench/
record nread
wrk_connections=64 run_wrk arcanum-noaudit-read-64 "$base" read.lua "$duration" "$token" "$paths" /v1/secret/data/bench/
record nread64
stop_server

# --- 4. the table ---------------------------------------------------------------------------------------------
ratio() { awk -v a="$1" -v b="$2" 'BEGIN{ if (b > 0) printf "%.0f %%", 100 * a / b; else print "n/a" }'; }
cores="$(nproc)"
cpu_model="$(sed -nE 's/^model name[^:]*: //p' /proc/cpuinfo | head -1)"
java_version="$("$java" -version 2>&1 | head -1)"
{
  echo
  echo "## Arcanum benchmark, $(date -u +%Y-%m-%dT%H:%MZ)"
  echo
  echo "Machine: $cores cores ($cpu_model), $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo);"
  echo "Java: $java_version; servers with -Xms1g -Xmx1g; Cassandra 5.0.9, one local node, commit log: $commitlog."
  echo "Load: wrk, $threads threads, $connections keep-alive connections over TLS (inserts: $connections in flight),"
  echo "${duration}s measured after ${warmup}s warm-up, $paths secret paths. Everything on this one machine."
  echo
  echo "| measurement | req/s | p50 ms | p99 ms | p99.9 ms | errors | server CPU | Cassandra CPU |"
  echo "|---|---:|---:|---:|---:|---:|---:|---:|"
  row() { echo "| $1 | ${R[$2.rps]} | ${R[$2.p50]} | ${R[$2.p99]} | ${R[$2.p999]:-} | ${R[$2.err]} | ${R[$2.scpu]:-} | ${R[$2.ccpu]:-} |"; }
  row "HTTP ceiling: bare Pekko HTTP route" http
  row "storage ceiling: single-row inserts (driver)" cql
  row "storage: single-row inserts, one at a time" cql1
  row "Arcanum KV v2 write, audited" write
  row "Arcanum KV v2 write, audited, single writer (1 connection)" write1
  row "Arcanum KV v2 first write of a new key, audited" create
  row "Arcanum KV v2 read, audited" read
  row "Arcanum KV v2 read, audited, paced at $(ratio "${R[read80.rps]}" "${R[read.rps]}") of peak (target 80 %)" read80
  row "Arcanum KV v2 read, audited, 64 connections" read64
  row "Arcanum KV v2 write, audit off" nwrite
  row "Arcanum KV v2 read, audit off" nread
  row "Arcanum KV v2 read, audit off, 64 connections" nread64
  echo
  echo "| ratio | value | target |"
  echo "|---|---:|---|"
  echo "| audited reads / HTTP ceiling | $(ratio "${R[read.rps]}" "${R[http.rps]}") | >= 25 % (issue [9]) |"
  echo "| audited reads at 64 connections / HTTP ceiling (measured at $connections) | $(ratio "${R[read64.rps]}" "${R[http.rps]}") | |"
  echo "| unaudited reads / HTTP ceiling | $(ratio "${R[nread.rps]}" "${R[http.rps]}") | >= 50 % (issue [9]) |"
  echo "| audited writes / storage ceiling | $(ratio "${R[write.rps]}" "${R[cql.rps]}") | >= 15 % (issue [8]) |"
  times() { awk -v a="$1" -v b="$2" 'BEGIN{ if (b > 0) printf "%.1fx", a / b; else print "n/a" }'; }
  echo "| single writer's p50 / the storage ceiling's insert p50 | $(times "${R[write1.p50]}" "${R[cql.p50]}") | <= 5x (issue [8]) |"
  echo "| single writer's p50 / one insert at a time, p50 | $(times "${R[write1.p50]}" "${R[cql1.p50]}") | (stricter) |"
  echo "| Cassandra operations per audited write (update of an existing key) | ${R[write.ops]} | <= 6 |"
  echo "| Cassandra operations per audited first write (a new key) | ${R[create.ops]} | |"
  echo "| audited reads / reads audit off | $(ratio "${R[read.rps]}" "${R[nread.rps]}") | >= 60 % (issue [9]) |"
  echo "| the same at 64 connections | $(ratio "${R[read64.rps]}" "${R[nread64.rps]}") | |"
  echo "| audited writes / writes audit off | $(ratio "${R[write.rps]}" "${R[nwrite.rps]}") | |"
  echo "| read p99 at $(ratio "${R[read80.rps]}" "${R[read.rps]}") of peak | ${R[read80.p99]} ms | < 10 ms at 80 % of peak (issue [9]) |"
  echo
  awk -v a="${R[read80.rps]}" -v p="${R[read.rps]}" 'BEGIN{exit !(a > 1.05 * p)}' && \
    echo "The paced reads ran faster than the measured peak: the server was still warming up when the peak was measured; use longer phases (-d, -w)."
  echo "Audit device lines written during the audited phases: $audit_lines. Raw output: ${out#"$home"/}"
  echo
  echo "Cassandra operations per request, by table (system_views.local_write_latency / local_read_latency):"
  for phase in arcanum-write arcanum-create; do echo; echo "$phase:"; echo '```'; cat "$out/$phase-ops.txt"; echo '```'; done
} | tee "$out/table.md"
if $profile; then
  for p in writes reads; do echo; echo "### JFR profile, audited $p (Arcanum server)"; echo; echo '```'; cat "$out/$p-profile.txt"; echo '```'; done | tee -a "$out/table.md"
fi

#!/usr/bin/env bash
# kill -9 of the server mid-burst (issues [8] and [9]): starts a server (plain HTTP on 127.0.0.1, its own
# local Cassandra and keyspace), initializes and unseals it, enables a file audit device, has C clients
# write fresh keys (or, with -r, read one secret) as fast as they can, kills the server with SIGKILL after
# S seconds, starts it again on the same keyspace, unseals it, and checks that
#   - writes: every acknowledged write reads back with the acknowledged version and value, and its
#     request record is in the audit device's output;
#   - reads (-r): every read a client received (200, with the secret) has its request and its response
#     entries in the audit device's output (both come from one record, durable before the reply, so
#     this shows that record was);
#   (matched by the request_id of the reply; the device catches up from the journal after the restart)
#   - sys/forensics/verify finds the journal and audit chains intact.
# Exits 1 on any loss.
#
#   load-tests/crash-check.sh [-r] [-c clients] [-s seconds before the kill] [-p port]
#
#   -r  readers instead of writers; -c  concurrent clients (16); -s  seconds of load before kill -9 (8);
#   -p  HTTP port (18330)
#   The Cassandra lives in .arcanum/crash-cassandra (ports 19352/17352) and is stopped at the end.
set -euo pipefail
clients=16 seconds=8 port=18330 reads=false
while [ $# -gt 0 ]; do
  case "$1" in
    -r) reads=true; shift ;;
    -c) clients="$2"; shift 2 ;;
    -s) seconds="$2"; shift 2 ;;
    -p) port="$2"; shift 2 ;;
    -h|--help) awk 'NR > 1 && /^#/ {sub(/^# ?/, ""); print; next} NR > 1 {exit}' "$0"; exit 0 ;;
    *) echo "unknown option: $1 (see --help)" >&2; exit 2 ;;
  esac
done
cd "$(dirname "$0")/.."
out=load-tests/target/crash/$(date -u +%Y%m%dT%H%M%SZ)
mkdir -p "$out"
export ARCANUM_LISTEN_ADDRESS=127.0.0.1:$port ARCANUM_TLS_DISABLE=true \
  ARCANUM_CASSANDRA_STATE_DIR=$PWD/.arcanum/crash-cassandra ARCANUM_CASSANDRA_PORT=19352 \
  ARCANUM_CASSANDRA_STORAGE_PORT=17352 ARCANUM_CASSANDRA_KEYSPACE=crash_$(date +%s) \
  ARCANUM_CASSANDRA_STOP_ON_EXIT=false
base=http://127.0.0.1:$port/v1
say() { echo "==> $*"; }
server_pid=""
start_server() {
  bin/arcanum server >>"$out/server.log" 2>&1 &
  server_pid=$!
  for _ in $(seq 1 120); do
    curl -s -o /dev/null "$base/sys/seal-status" && return 0
    sleep 1
  done
  echo "the server did not start (see $out/server.log)" >&2; exit 1
}
cleanup() {
  [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null || true
  bin/arcanum cassandra stop >/dev/null 2>&1 || true
}
trap cleanup EXIT
say "starting the server (its output: $out/server.log)"
start_server
init=$(curl -sf -X PUT "$base/sys/init" -d '{"secret_shares":1,"secret_threshold":1}')
key=$(sed -E 's/.*"keys_base64":\["([^"]+)".*/\1/' <<<"$init")
root=$(sed -E 's/.*"root_token":"([^"]+)".*/\1/' <<<"$init")
curl -sf -X PUT "$base/sys/unseal" -d "{\"key\":\"$key\"}" >/dev/null
H="X-Vault-Token: $root"
curl -sf -H "$H" -X POST "$base/sys/mounts/secret" -d '{"type":"kv","options":{"version":"2"}}' >/dev/null
device=$PWD/$out/audit.log
curl -sf -H "$H" -X PUT "$base/sys/audit/file" -d "{\"type\":\"file\",\"options\":{\"file_path\":\"$device\"}}" >/dev/null
reader() {
  local c=$1
  while :; do
    local reply
    reply=$(curl -s --max-time 10 -H "$H" "$base/secret/data/crash/read" -w '\n%{http_code}') || return 0
    if [ "$(tail -1 <<<"$reply")" = 200 ]; then
      sed -E 's/.*"request_id":"([^"]+)".*/\1/' <<<"$(head -1 <<<"$reply")" >>"$out/acked-$c.txt"
    fi
  done
}
writer() {
  local c=$1 n=0
  while :; do
    n=$((n + 1))
    local path="crash/c$c/k$n" value="v-$c-$n"
    local reply
    reply=$(curl -s --max-time 10 -H "$H" -X POST "$base/secret/data/$path" -d "{\"data\":{\"v\":\"$value\"}}" -w '\n%{http_code}') || return 0
    if [ "$(tail -1 <<<"$reply")" = 200 ]; then
      local body version rid
      body=$(head -1 <<<"$reply")
      version=$(sed -E 's/.*"version":([0-9]+).*/\1/' <<<"$body")
      rid=$(sed -E 's/.*"request_id":"([^"]+)".*/\1/' <<<"$body")
      echo "$path $version $value $rid" >>"$out/acked-$c.txt"
    fi
  done
}
if $reads; then
  curl -sf -H "$H" -X POST "$base/secret/data/crash/read" -d '{"data":{"v":"read-canary"}}' >/dev/null
  say "$clients readers for ${seconds} s, then kill -9"
  for c in $(seq 1 "$clients"); do reader "$c" & done
else
  say "$clients writers for ${seconds} s, then kill -9"
  for c in $(seq 1 "$clients"); do writer "$c" & done
fi
sleep "$seconds"
kill -9 "$server_pid"
say "killed the server (pid $server_pid)"
wait_writers() { for j in $(jobs -p); do [ "$j" = "$server_pid" ] || wait "$j" 2>/dev/null || true; done; }
wait_writers # each writer stops at its first refused connection
cat "$out"/acked-*.txt >"$out/acked.txt" 2>/dev/null || true
acked=$(wc -l <"$out/acked.txt")
say "$acked acknowledged $($reads && echo reads || echo writes); restarting the server on the same keyspace"
start_server
curl -sf -X PUT "$base/sys/unseal" -d "{\"key\":\"$key\"}" >/dev/null
lost=0
if ! $reads; then
  while read -r path version value rid; do
    got=$(curl -s -H "$H" "$base/secret/data/$path?version=$version")
    if ! grep -q "\"v\":\"$value\"" <<<"$got"; then
      lost=$((lost + 1)); echo "lost: $path v$version: $got" >>"$out/problems.txt"
    fi
  done <"$out/acked.txt"
  say "read back: $lost of $acked missing or different"
fi
# the request ids the device shows for entries of one type (request or response), sorted
device_ids() { grep -F "\"type\":\"$1\"" "$device" | sed -nE 's/.*"request":\{"id":"([^"]+)".*/\1/p' | sort -u; }
# the request ids acknowledged to clients, sorted (a write's is its line's last field, a read's the line)
awk '{print $NF}' "$out/acked.txt" | sort -u >"$out/acked-ids.txt"
# the device catches up from the journal: wait until every acknowledged request id is there
unrecorded=$acked
for _ in $(seq 1 60); do
  unrecorded=$(comm -23 "$out/acked-ids.txt" <(device_ids request) | wc -l)
  if $reads; then
    unrecorded=$(( unrecorded + $(comm -23 "$out/acked-ids.txt" <(device_ids response) | wc -l) ))
  fi
  [ "$unrecorded" = 0 ] && break
  sleep 2
done
say "$($reads && echo "request and response entries" || echo "request records") in the audit device: $unrecorded missing ($acked acknowledged)"
verify=$(curl -s -H "$H" -X POST "$base/sys/forensics/verify" -d '{}')
echo "$verify" >"$out/verify.json"
ok=$(sed -nE 's/.*"ok":(true|false).*/\1/p' <<<"$verify")
say "forensics verify: ok=$ok, $(grep -oE '"(records|events)_checked":[0-9]+' <<<"$verify" | tr '\n' ' ')"
echo "acked=$acked lost=$lost unrecorded=$unrecorded verify_ok=$ok output=$out"
[ "$lost" = 0 ] && [ "$unrecorded" = 0 ] && [ "$ok" = true ]

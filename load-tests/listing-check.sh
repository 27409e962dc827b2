#!/usr/bin/env bash
# Read-your-writes check of LIST against a running server (issue [8]): N rounds, each a write to a
# fresh key in one of F folders, a LIST of its folder at once (the key must be there: else a miss),
# the key's metadata delete, and a LIST again (the key must be gone: else stale). Run by C clients
# at once. Exits 1 when anything was missed or stale.
#
#   load-tests/listing-check.sh [-n rounds] [-c clients] [-f folders] [-m mount]
#
#   -n  rounds (1000); -c  concurrent clients (1); -f  folders the keys are spread over (50)
#   -m  the KV v2 mount (secret)
#   Environment: VAULT_ADDR (https://127.0.0.1:8200), VAULT_TOKEN (a token that may write, list
#   and delete metadata under <mount>/), VAULT_CACERT (the server's CA, e.g. the dev server's
#   .arcanum/dev-tls/arcanum-dev-ca.pem). The ARCANUM_* names are read first, as bin/arcanum does.
set -euo pipefail

rounds=1000 clients=1 folders=50 mount=secret
while [ $# -gt 0 ]; do
  case "$1" in
    -n|-c|-f|-m) [ $# -ge 2 ] || { echo "$1 needs a value (see --help)" >&2; exit 2; } ;;
  esac
  case "$1" in
    -n) rounds="$2"; shift 2 ;;
    -c) clients="$2"; shift 2 ;;
    -f) folders="$2"; shift 2 ;;
    -m) mount="$2"; shift 2 ;;
    -h|--help) awk 'NR > 1 && /^#/ {sub(/^# ?/, ""); print; next} NR > 1 {exit}' "$0"; exit 0 ;;
    *) echo "unknown option: $1 (see --help)" >&2; exit 2 ;;
  esac
done
for v in "$rounds" "$clients" "$folders"; do
  [[ "$v" =~ ^[0-9]{1,6}$ ]] && [ "$v" -gt 0 ] || { echo "-n, -c and -f take positive integers, got '$v'" >&2; exit 2; }
done
[[ "$mount" =~ ^[A-Za-z0-9_.-]+$ ]] || { echo "-m takes a mount name such as secret, got '$mount'" >&2; exit 2; }
addr="${ARCANUM_ADDR:-${VAULT_ADDR:-https://127.0.0.1:8200}}"
token="${ARCANUM_TOKEN:-${VAULT_TOKEN:-}}"
cacert="${ARCANUM_CACERT:-${VAULT_CACERT:-}}"
[ -n "$token" ] || { echo "set VAULT_TOKEN (or ARCANUM_TOKEN) to a token that may write, list and delete" >&2; exit 2; }
command -v curl >/dev/null || { echo "curl is needed" >&2; exit 1; }

run="rw$(date +%s%N | tail -c 9)" # a prefix of its own, so that runs never meet
export addr token cacert mount folders run

# one_round I: prints "ok", "miss", "stale" or "error <what>"
one_round() {
  local i="$1" folder key out status
  folder="$run/f$(( i % folders ))/"
  key="k$i"
  local -a c=(curl -sS --max-time 30 -H "X-Vault-Token: $token")
  [ -n "$cacert" ] && c+=(--cacert "$cacert")
  status="$("${c[@]}" -o /dev/null -w '%{http_code}' -X POST -H 'Content-Type: application/json' \
    --data "{\"data\":{\"i\":\"$i\"}}" "$addr/v1/$mount/data/$folder$key")" || { echo "error write"; return; }
  [ "$status" = 200 ] || { echo "error write $status"; return; }
  out="$("${c[@]}" -X LIST "$addr/v1/$mount/metadata/$folder")" || { echo "error list"; return; }
  local result=ok
  grep -q "\"$key\"" <<<"$out" || result=miss
  status="$("${c[@]}" -o /dev/null -w '%{http_code}' -X DELETE "$addr/v1/$mount/metadata/$folder$key")" \
    || { echo "error delete"; return; }
  [ "$status" = 204 ] || { echo "error delete $status"; return; }
  out="$("${c[@]}" -X LIST "$addr/v1/$mount/metadata/$folder")" || { echo "error list"; return; }
  grep -q "\"$key\"" <<<"$out" && result=stale
  echo "$result"
}
export -f one_round

echo "==> $rounds rounds, $clients client(s), $folders folders, under $mount/metadata/$run/ on $addr" >&2
started="$(date +%s)"
results="$(seq 0 $(( rounds - 1 )) | xargs -P "$clients" -I{} bash -c 'one_round {}')"
secs=$(( $(date +%s) - started ))
ok="$(grep -c '^ok$' <<<"$results" || true)"
misses="$(grep -c '^miss$' <<<"$results" || true)"
stale="$(grep -c '^stale$' <<<"$results" || true)"
errors="$(grep -c '^error' <<<"$results" || true)"
printf 'rounds=%d clients=%d ok=%d misses=%d stale=%d errors=%d seconds=%d\n' \
  "$rounds" "$clients" "$ok" "$misses" "$stale" "$errors" "$secs"
grep '^error' <<<"$results" | sort | uniq -c | head -5 >&2 || true
[ "$misses" = 0 ] && [ "$stale" = 0 ] && [ "$errors" = 0 ]

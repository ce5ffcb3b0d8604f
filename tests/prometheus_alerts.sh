#!/bin/bash
# prometheus_alerts.sh - the shipped alert rules, evaluated by a real
# Prometheus server against a live tcpdeck, fire on a real pile-up.
#
# In a network namespace of its own: tcpdeck-sockgen holds 60 CLOSE_WAIT
# sockets (it never closes the connections its peers closed), tcpdeck
# --serve samples every second, and a Prometheus server (Debian's
# `prometheus`, on loopback) scrapes it every second and evaluates every
# second a copy of doc/prometheus/alerts.yml in which only the `for:`
# durations are cut to 1s (sed; the copy is checked to differ from the
# shipped file in those lines alone, so the expressions are the real
# ones).  Checked, through Prometheus's HTTP API (/api/v1/alerts):
#   - TcpdeckCloseWaitLeak reaches pending or firing, labelled with the
#     generator's process name and pid, as ss -tanp names them;
#   - no other alert of the rules is active (nothing else piles up here).
# Needs root (a namespace), prometheus, promtool, curl and python3 (reads
# Prometheus's JSON).
set -u
. "${TESTS_SRCDIR:-$(dirname "$0")}/lib.sh"

for tool in prometheus promtool curl ss python3; do
  command -v "$tool" >/dev/null || skip_test "$tool is not installed (tools/install-deps)"
done
[ "$(id -u)" -eq 0 ] || skip_test "a network namespace needs root"
enter_private_netns "$@"
: "${SOCKGEN:?SOCKGEN must name the tcpdeck-sockgen binary}"

srcdir=$(cd "${TESTS_SRCDIR:-$(dirname "$0")}/.." && pwd)
rules="$srcdir/doc/prometheus/alerts.yml"
[ -r "$rules" ] || hard_error "missing $rules"
TCPDECK_PORT=9791
PROM_PORT=19092
CLOSE_WAIT=60
dir=$(mktemp -d "${TMPDIR:-/tmp}/promalerts-test.XXXXXX")
pids=()
cleanup() {
  local p
  stop_sockgen
  kill_ours "${pids[@]}"
  for p in "${pids[@]}"; do
    for _ in $(seq 1 100); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$p" 2>/dev/null
    wait "$p" 2>/dev/null
  done
  rm -rf "$dir"
}
trap cleanup EXIT

# --- the rules, with short `for:` -----------------------------------------
sed -E 's/^([[:space:]]*for:[[:space:]]*).*/\11s/' "$rules" >"$dir/alerts.yml"
changed=$(diff "$rules" "$dir/alerts.yml" | grep '^[<>]' | grep -cv '^[<>][[:space:]]*for:')
n_for=$(grep -c '^[[:space:]]*for:' "$rules")
[ "$changed" -eq 0 ] && [ "$n_for" -gt 0 ] &&
  pass "test copy of alerts.yml: only its $n_for for: lines differ" ||
  fail "the test copy differs beyond for: ($changed lines)"
promtool check rules "$dir/alerts.yml" >"$dir/check.out" 2>&1 ||
  hard_error "promtool check rules on the copy: $(tail -3 "$dir/check.out")"

# --- the pile-up, tcpdeck and Prometheus ----------------------------------
start_sockgen close_wait=$CLOSE_WAIT established=5
gen_comm=$(cat "/proc/$SOCKGEN_PID/comm")
ss_pid=$(ss -tanpH state close-wait | grep -o 'pid=[0-9]*' | sort | uniq -c | sort -rn | head -1)
echo "generator: $gen_comm pid $SOCKGEN_PID; ss: CLOSE_WAIT $(ss -tanH state close-wait | wc -l), most held by $ss_pid"
[ "$(echo "$ss_pid" | awk '{ print $1 }')" -eq "$CLOSE_WAIT" ] ||
  hard_error "ss does not show $CLOSE_WAIT CLOSE_WAIT sockets in one process: $ss_pid"
ss_pid=${ss_pid##*pid=}

timeout 200 "$TCPDECK" --serve "127.0.0.1:$TCPDECK_PORT" -d 1 </dev/null >"$dir/tcpdeck.out" \
  2>"$dir/tcpdeck.err" &
pids+=($!)
cat >"$dir/prometheus.yml" <<CONF
global:
  scrape_interval: 1s
  evaluation_interval: 1s
rule_files: ['$dir/alerts.yml']
scrape_configs:
  - job_name: tcpdeck
    static_configs: [{targets: ['127.0.0.1:$TCPDECK_PORT']}]
CONF
timeout 200 prometheus --config.file="$dir/prometheus.yml" --storage.tsdb.path="$dir/tsdb" \
  --web.listen-address="127.0.0.1:$PROM_PORT" >"$dir/prometheus.out" 2>&1 &
pids+=($!)

# The alert, once active: one line per active alert, "NAME STATE process=.. pid=..".
active() {
  curl -s -m 5 "http://127.0.0.1:$PROM_PORT/api/v1/alerts" >"$dir/alerts.json" 2>/dev/null || return
  python3 - "$dir/alerts.json" <<'PY' 2>/dev/null
import json, sys
for a in json.load(open(sys.argv[1]))["data"]["alerts"]:
    l = a["labels"]
    print(l.get("alertname"), a["state"], "process=" + l.get("process", ""), "pid=" + l.get("pid", ""))
PY
}
state=""
for _ in $(seq 1 120); do
  sleep 1
  line=$(active | grep '^TcpdeckCloseWaitLeak ' | head -1)
  state=$(echo "$line" | awk '{ print $2 }')
  [ "$state" = firing ] && break
done
echo "Prometheus: ${line:-no TcpdeckCloseWaitLeak}"
case "$state" in
  pending|firing) pass "TcpdeckCloseWaitLeak is $state in Prometheus" ;;
  *) fail "TcpdeckCloseWaitLeak never became active in 120 s: $(active | tr '\n' ';') $(tail -3 "$dir/prometheus.out")" ;;
esac
[ -n "$line" ] && [ "$(echo "$line" | awk '{ print $3 }')" = "process=$gen_comm" ] &&
  [ "$(echo "$line" | awk '{ print $4 }')" = "pid=$ss_pid" ] &&
  pass "the alert names $gen_comm pid $ss_pid, as ss does" ||
  fail "the alert's labels: '$line', expected process=$gen_comm pid=$ss_pid"
others=$(active | grep -v '^TcpdeckCloseWaitLeak ')
[ -z "$others" ] && pass "no other alert is active" || fail "other alerts active: $(echo "$others" | tr '\n' ';')"
[ ! -s "$dir/tcpdeck.err" ] || fail "tcpdeck wrote to stderr: $(head -c 300 "$dir/tcpdeck.err")"
finish

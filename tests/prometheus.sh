#!/bin/bash
# prometheus.sh - the Prometheus exporter against real sockets and real
# Prometheus tools.
#
# Two network namespaces: the test's own (T, from enter_private_netns) and
# one it creates for the sockets (S, promcore-PID), joined by a veth
# pair.  S holds the socket generator's sockets, tcpdeck --serve and
# node_exporter's tcpstat collector; T holds the Prometheus server and
# every curl, so the clients' sockets (and their TIME_WAIT) stay out of
# the sockets counted.  Checked:
#   - `promtool check metrics` on `-b -o prometheus -n 1` and on a scrape;
#   - tcpdeck_sockets of -b equals `ss -tan` in S, state by state;
#   - HTTP: 404, 405, HEAD, the index, OpenMetrics on Accept;
#   - a Prometheus server scraping tcpdeck (OpenMetrics, negotiated) and
#     node_exporter every second: tcpdeck_sockets equals ss, and
#     node_tcp_connection_states equals tcpdeck_sockets, state by state;
#   - --textfile: an atomic, valid file that node_exporter's textfile
#     collector reads without error;
#   - bad --serve arguments fail with one line.
# Needs root, promtool, prometheus, prometheus-node-exporter and curl
# (tools/install-deps installs them).
set -u
. "${TESTS_SRCDIR:-$(dirname "$0")}/lib.sh"

for tool in promtool prometheus prometheus-node-exporter curl ip ss; do
  command -v "$tool" >/dev/null || skip_test "$tool is not installed (tools/install-deps)"
done
[ "$(id -u)" -eq 0 ] || skip_test "namespaces and veth pairs need root"
enter_private_netns "$@"
: "${SOCKGEN:?SOCKGEN must name the tcpdeck-sockgen binary}"

NS=promcore-$$
IF_T=pcore$$t
IF_S=pcore$$s
ADDR_T=10.213.77.1
ADDR_S=10.213.77.2
TCPDECK_PORT=9791
NODE_PORT=9100
PROM_PORT=19090
dir=$(mktemp -d "${TMPDIR:-/tmp}/promcore-test.XXXXXX")
pids=()

tui_started=""
cleanup() {
  local p
  [ -n "$tui_started" ] && tm_kill_server
  kill_ours "${pids[@]}"
  # Bounded: a child that does not end on SIGTERM within 10 s is killed
  # (with its own children, which timeout(1) does not pass SIGKILL to).
  for p in "${pids[@]}"; do
    for _ in $(seq 1 100); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
    if kill -0 "$p" 2>/dev/null; then
      pkill -KILL -P "$p" 2>/dev/null
      kill -KILL "$p" 2>/dev/null
    fi
    wait "$p" 2>/dev/null
  done
  ip netns del "$NS" 2>/dev/null
  rm -rf "$dir"
}
trap cleanup EXIT

ip netns add "$NS" || hard_error "cannot create namespace $NS"
ip -n "$NS" link set lo up
ip link add "$IF_T" type veth peer name "$IF_S" netns "$NS" || hard_error "cannot create a veth pair"
ip addr add "$ADDR_T/30" dev "$IF_T"
ip link set "$IF_T" up
ip -n "$NS" addr add "$ADDR_S/30" dev "$IF_S"
ip -n "$NS" link set "$IF_S" up
# In S.  (Not for background jobs: $! would name a subshell, and killing
# it would leave the command running.)
in_ns() { ip netns exec "$NS" "$@"; }

# The generator's sockets, in S.
# The generator is a tool here, not under test: its leak check at exit
# (an ASan build) is not wanted, and has been seen to hang.
ip netns exec "$NS" env ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" \
  timeout -k 10 300 "$SOCKGEN" --hold 280 -46 listen=2 established=3 close_wait=2 time_wait=3 \
  syn_recv=2 syn_sent=2 fin_wait1=1 last_ack=1 >"$dir/sockgen.out" &
pids+=($!)
for _ in $(seq 1 200); do grep -q '^ready ' "$dir/sockgen.out" && break; sleep 0.1; done
grep -q '^ready ' "$dir/sockgen.out" || hard_error "the socket generator did not get ready"
echo "generator: $(cat "$dir/sockgen.out")"

# ss's counts in S as "state=N" lines for the eleven states, names as
# the exposition writes them.
ss_lower() {
  local counts state
  counts=$(in_ns ss -tan state all | awk 'NR > 1 { print $1 }' | while read -r s; do
    ss_state_name "$s"
  done | sort | uniq -c | awk '{ print $2 "=" $1 }')
  for state in $STATES; do
    echo "$(echo "$state" | tr 'A-Z' 'a-z')=$(count_of "$state" "$counts")"
  done
}
# tcpdeck_sockets of an exposition on stdin as "state=N" lines.
expo_states() {
  sed -n 's/^tcpdeck_sockets{state="\([a-z_0-9]*\)"} \([0-9]*\)$/\1=\2/p' | sort
}
# A Prometheus vector "sum by (state) (...)" as "state=N" lines.
prom_states() {
  curl -s -m 5 --get "http://127.0.0.1:$PROM_PORT/api/v1/query" --data-urlencode "query=sum by (state) ($1)" |
    grep -o '"state":"[a-z_0-9]*"},"value":\[[0-9.]*,"[0-9]*"' |
    sed 's/"state":"\([a-z_0-9]*\)"},"value":\[[0-9.]*,"\([0-9]*\)"/\1=\2/' | sort
}
# Only the eleven states of a "state=N" list, 0 where absent.
eleven() {
  local state
  for state in $STATES; do
    state=$(echo "$state" | tr 'A-Z' 'a-z')
    echo "$state=$(count_of "$state" "$1")"
  done | sort
}

# --- batch: one exposition, valid, equal to ss --------------------------
stable=""
for attempt in 1 2 3 4 5; do
  before=$(ss_lower | sort)
  in_ns "$TCPDECK" -b -o prometheus -n 1 >"$dir/batch.prom" || hard_error "tcpdeck -b -o prometheus failed"
  after=$(ss_lower | sort)
  [ "$before" = "$after" ] && { stable=yes; break; }
  echo "sockets moved during attempt $attempt, sampling again"
done
[ -n "$stable" ] || hard_error "socket counts never held still for one sample"
if out=$(promtool check metrics <"$dir/batch.prom" 2>&1); then
  pass "promtool check metrics accepts -b -o prometheus -n 1"
else
  fail "promtool rejects the batch exposition: $out"
fi
got=$(expo_states <"$dir/batch.prom")
[ "$(echo "$got" | wc -l)" -eq 11 ] && pass "all 11 states listed" || fail "states listed: $got"
[ "$got" = "$before" ] && pass "batch tcpdeck_sockets equals ss: $(echo $got)" ||
  fail "batch tcpdeck_sockets $(echo $got) != ss $(echo $before)"
[ "$(count_of listen "$got")" -gt 0 ] && [ "$(count_of close_wait "$got")" -gt 0 ] ||
  fail "the generator's sockets are missing: $(echo $got)"
n=$(in_ns "$TCPDECK" -b -o prometheus -n 2 -d 0.2 | awk 'BEGIN { RS = "" } { n++ } END { print n }')
[ "$n" = 2 ] && pass "-n 2 prints two expositions separated by an empty line" || fail "-n 2: $n expositions"

# --- --serve: headless in S, scraped from T ------------------------------
ip netns exec "$NS" timeout 250 "$TCPDECK" --serve "$ADDR_S:$TCPDECK_PORT" -d 0.5 </dev/null >"$dir/serve.out" 2>&1 &
pids+=($!)
url="http://$ADDR_S:$TCPDECK_PORT"
code=""
for _ in $(seq 1 100); do
  code=$(curl -s -m 2 -o /dev/null -w '%{http_code}' "$url/metrics")
  [ "$code" = 200 ] && break
  sleep 0.2
done
[ "$code" = 200 ] || hard_error "tcpdeck --serve never answered 200 (last: $code): $(cat "$dir/serve.out")"
curl -s -m 5 -D "$dir/scrape.hdr" -o "$dir/scrape.prom" "$url/metrics"
if out=$(promtool check metrics <"$dir/scrape.prom" 2>&1); then
  pass "promtool check metrics accepts a scrape of --serve"
else
  fail "promtool rejects the scrape: $out"
fi
grep -qi '^content-type: text/plain; version=0.0.4' "$dir/scrape.hdr" && pass "classic content type" ||
  fail "content type: $(grep -i content-type "$dir/scrape.hdr")"
for m in tcpdeck_scrapes_total process_open_fds process_start_time_seconds tcpdeck_samples_total \
  tcpdeck_listen_backlog tcpdeck_process_sockets tcpdeck_port_sockets tcpdeck_tcp_active_opens_total; do
  grep -q "^$m[{ ]" "$dir/scrape.prom" || fail "the scrape has no $m"
done
c=$(curl -s -m 5 -o /dev/null -w '%{http_code}' "$url/nope")
[ "$c" = 404 ] && pass "an unknown path is 404" || fail "/nope: $c"
c=$(curl -s -m 5 -o /dev/null -w '%{http_code}' -X POST -d x=1 "$url/metrics")
[ "$c" = 405 ] && pass "POST is 405" || fail "POST: $c"
c=$(curl -s -m 5 -o /dev/null -w '%{http_code}' -X DELETE "$url/")
[ "$c" = 405 ] && pass "DELETE / is 405" || fail "DELETE: $c"
head_out=$(curl -s -m 5 -I "$url/metrics")
echo "$head_out" | grep -q '^HTTP/1.1 200' && echo "$head_out" | grep -qi '^content-type: text/plain' &&
  pass "HEAD /metrics is 200 with the content type" || fail "HEAD: $head_out"
body=$(curl -s -m 5 -X HEAD "$url/metrics" -o - 2>/dev/null | wc -c)
[ "$body" = 0 ] && pass "HEAD sends no body" || fail "HEAD sent $body bytes"
curl -s -m 5 "$url/" | grep -q 'href="/metrics"' && pass "the index page links /metrics" || fail "index page"
curl -s -m 5 -H 'Accept: application/openmetrics-text; version=1.0.0' -D "$dir/om.hdr" -o "$dir/om.txt" "$url/metrics"
grep -qi '^content-type: application/openmetrics-text; version=1.0.0' "$dir/om.hdr" &&
  [ "$(tail -n 1 "$dir/om.txt")" = "# EOF" ] && grep -q '^# TYPE tcpdeck_samples counter$' "$dir/om.txt" &&
  pass "Accept: application/openmetrics-text gets OpenMetrics, ended by # EOF" ||
  fail "OpenMetrics: $(grep -i content-type "$dir/om.hdr"), last line $(tail -n 1 "$dir/om.txt")"

# --- node_exporter (tcpstat) in S and a Prometheus server in T -----------
ip netns exec "$NS" timeout 250 prometheus-node-exporter --collector.disable-defaults --collector.tcpstat \
  --web.listen-address="$ADDR_S:$NODE_PORT" >"$dir/node.out" 2>&1 &
pids+=($!)
cat >"$dir/prometheus.yml" <<CONF
global:
  scrape_interval: 1s
  evaluation_interval: 1s
scrape_configs:
  - job_name: tcpdeck
    static_configs: [{targets: ['$ADDR_S:$TCPDECK_PORT']}]
  - job_name: node
    static_configs: [{targets: ['$ADDR_S:$NODE_PORT']}]
CONF
timeout 250 prometheus --config.file="$dir/prometheus.yml" --storage.tsdb.path="$dir/tsdb" \
  --web.listen-address="127.0.0.1:$PROM_PORT" >"$dir/prometheus.out" 2>&1 &
pids+=($!)

matched=""
for _ in $(seq 1 90); do
  sleep 1
  ss_now=$(ss_lower | sort)
  deck=$(eleven "$(prom_states tcpdeck_sockets)")
  node=$(eleven "$(prom_states node_tcp_connection_states)")
  up=$(curl -s -m 5 --get "http://127.0.0.1:$PROM_PORT/api/v1/query" --data-urlencode 'query=min(up)' |
    grep -o '"value":\[[0-9.]*,"[0-9]*"' | sed 's/.*,"\([0-9]*\)"/\1/')
  if [ "$up" = 1 ] && [ "$deck" = "$ss_now" ] && [ "$node" = "$deck" ]; then
    matched=yes
    break
  fi
done
if [ -n "$matched" ]; then
  pass "Prometheus scraped both targets (up = 1)"
  pass "Prometheus: tcpdeck_sockets equals ss: $(echo $deck)"
  pass "Prometheus: node_tcp_connection_states equals tcpdeck_sockets state by state"
else
  fail "never matched within 90 s: up=$up"$'\n'"  ss:      $(echo $ss_now)"$'\n'"  tcpdeck: $(echo $deck)"$'\n'"  node:    $(echo $node)"
  tail -5 "$dir/prometheus.out" >&2
fi
# Prometheus asks for OpenMetrics first: its scrapes parse that format.
errs=$(curl -s -m 5 "http://127.0.0.1:$PROM_PORT/api/v1/targets" | grep -o '"lastError":"[^"]*"' | sort -u)
[ "$errs" = '"lastError":""' ] && pass "no scrape errors" || fail "scrape errors: $errs"
# The count is the one at the latest sample's rendering: wait for a
# sample rendered after Prometheus's scrapes.
for _ in $(seq 1 40); do
  scrapes=$(curl -s -m 5 "$url/metrics" | sed -n 's/^tcpdeck_scrapes_total \([0-9]*\)$/\1/p')
  [ "${scrapes:-0}" -gt 1 ] && break
  sleep 0.5
done
[ "${scrapes:-0}" -gt 1 ] && pass "tcpdeck_scrapes_total counts scrapes ($scrapes)" || fail "tcpdeck_scrapes_total: $scrapes"

# --- --textfile for node_exporter's textfile collector --------------------
mkdir -p "$dir/textfile"
in_ns "$TCPDECK" -b -o json -n 2 -d 0.2 --textfile "$dir/textfile/tcpdeck.prom" >/dev/null ||
  fail "tcpdeck --textfile failed"
[ -s "$dir/textfile/tcpdeck.prom" ] && pass "--textfile wrote the file" || fail "--textfile wrote nothing"
ls "$dir/textfile" | grep -q tmp && fail "a temporary file was left: $(ls "$dir/textfile")"
out=$(promtool check metrics <"$dir/textfile/tcpdeck.prom" 2>&1) && pass "promtool accepts the textfile" ||
  fail "promtool rejects the textfile: $out"
grep -q '^process_' "$dir/textfile/tcpdeck.prom" && fail "the textfile has process_* (node_exporter's own)"
timeout 60 prometheus-node-exporter --collector.disable-defaults --collector.textfile \
  --collector.textfile.directory="$dir/textfile" --web.listen-address="127.0.0.1:9101" >"$dir/node2.out" 2>&1 &
node2=$!
pids+=($node2)
tf=""
for _ in $(seq 1 50); do
  tf=$(curl -s -m 2 "http://127.0.0.1:9101/metrics") && [ -n "$tf" ] && break
  sleep 0.2
done
echo "$tf" | grep -q '^node_textfile_scrape_error 0$' && echo "$tf" | grep -q '^tcpdeck_sockets{state="listen"}' &&
  pass "node_exporter's textfile collector reads the file without error" ||
  fail "textfile collector: $(echo "$tf" | grep -E 'textfile_scrape_error|tcpdeck_sockets' | head -3)"

# --- bad arguments --------------------------------------------------------
for bad in "abc" "0" "70000" "1.2.3:80" "[::1" "300.1.1.1:9791"; do
  msg=$("$TCPDECK" -b -n 1 --serve "$bad" 2>&1 >/dev/null)
  rc=$?
  [ "$rc" -ne 0 ] && [ "$(echo "$msg" | wc -l)" -eq 1 ] && pass "--serve '$bad' fails: $msg" ||
    fail "--serve '$bad': status $rc, '$msg'"
done
msg=$(in_ns "$TCPDECK" -b -n 1 --serve "$ADDR_S:$TCPDECK_PORT" 2>&1 >/dev/null)
[ $? -ne 0 ] && echo "$msg" | grep -q 'cannot listen' && pass "a port in use fails: $msg" || fail "port in use: '$msg'"

# --- beside the dashboard: a terminal (tmux) in T ------------------------
if command -v tmux >/dev/null; then
  export TMUX_TMPDIR=$dir
  sock=promcore-$$
  tm new-session -d -s tui -x 120 -y 30 "env LANG=C.UTF-8 TERM=screen $TCPDECK --serve 127.0.0.1:9793 -d 0.5" ||
    hard_error "cannot start tmux"
  tui_started=yes
  code=""
  for _ in $(seq 1 100); do
    code=$(curl -s -m 2 -o /dev/null -w '%{http_code}' "http://127.0.0.1:9793/metrics")
    [ "$code" = 200 ] && break
    sleep 0.2
  done
  [ "$code" = 200 ] && pass "--serve beside the dashboard answers /metrics" || fail "beside the dashboard: $code"
  screen_now=$(tm capture-pane -p -t tui)
  echo "$screen_now" | grep -q 'ESTABLISHED' && pass "the dashboard draws while serving" ||
    fail "no dashboard on the terminal: $screen_now"
  tm send-keys -t tui q
  for _ in $(seq 1 50); do
    curl -s -m 1 -o /dev/null "http://127.0.0.1:9793/" || break
    sleep 0.1
  done
  curl -s -m 1 -o /dev/null "http://127.0.0.1:9793/" && fail "the server outlived the dashboard's q" ||
    pass "q ends the dashboard and the server"
else
  echo "note: tmux is not installed: the dashboard beside --serve is not checked"
fi
finish

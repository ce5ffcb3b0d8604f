#!/bin/bash
# peers_vs_ss.sh - the peers view against ss: in a private network
# namespace with known connections (both families, several states), the
# per-key, per-state counts by remote address, remote port and local port
# equal `ss -tanH` aggregated with awk, with and without a filter; ranking
# by a state orders the rows by it; a local port names its process.
# Needs root.
set -u
. "${TESTS_SRCDIR:-$(dirname "$0")}/lib.sh"
enter_private_netns "$@"
: "${LISTENER:?LISTENER must name the test listener program}"

work=$(mktemp -d)
pids=()
cleanup() {
  local p
  kill_ours "${pids[@]}"
  stop_sockgen
  wait 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT

start_listener() {
  "$LISTENER" "$@" >"$work/listener.out" &
  pids+=($!)
  for _ in $(seq 1 50); do grep -q ready "$work/listener.out" && break; sleep 0.1; done
  grep -q ready "$work/listener.out" || hard_error "listener $* did not start"
  rm -f "$work/listener.out"
}
start_listener 9001 5
v4_pid=${pids[0]}
start_listener -6 9002 3
start_sockgen -46 established=2 time_wait=6 close_wait=3 syn_sent=2

run_tcpdeck() { timeout 30 "$TCPDECK" "$@"; }

# "kind key STATE count" lines (and "kind key TOTAL n") from ss -tanH [FILTER].
ss_peers() {
  ss -tanH "$@" | awk '
    BEGIN {
      m["SYN-SENT"] = "SYN_SENT"; m["SYN-RECV"] = "SYN_RECV"; m["ESTAB"] = "ESTABLISHED"
      m["FIN-WAIT-1"] = "FIN_WAIT1"; m["FIN-WAIT-2"] = "FIN_WAIT2"; m["CLOSE-WAIT"] = "CLOSE_WAIT"
      m["CLOSING"] = "CLOSING"; m["LAST-ACK"] = "LAST_ACK"; m["TIME-WAIT"] = "TIME_WAIT"
      m["UNCONN"] = "CLOSE"; m["CLOSED"] = "CLOSE"
    }
    # "addr:port" or "[addr]:port" (with %dev): address and port apart.
    function split_end(s, parts,   i) {
      i = match(s, /:[^:]*$/)
      parts["port"] = substr(s, i + 1)
      parts["addr"] = substr(s, 1, i - 1)
      sub(/%.*/, "", parts["addr"])
      gsub(/[][]/, "", parts["addr"])
    }
    $1 != "LISTEN" {
      split_end($4, l); split_end($5, r)
      if (r["port"] == "*" || r["port"] == "0") next
      s = m[$1]
      n["remote-addr " r["addr"] " " s]++; n["remote-addr " r["addr"] " TOTAL"]++
      n["remote-port " r["port"] " " s]++; n["remote-port " r["port"] " TOTAL"]++
      n["local-port " l["port"] " " s]++; n["local-port " l["port"] " TOTAL"]++
    }
    END { for (k in n) print k, n[k] }' | sort
}

# The same lines from tcpdeck's CSV: kind,rank,key,total then 11 states.
tcpdeck_peers() {
  awk -F, '
    NR == 1 { for (i = 8; i <= 18; i++) name[i] = $i; next }
    {
      print $3, $5, "TOTAL", $7
      for (i = 8; i <= 18; i++) if ($i != 0) print $3, $5, name[i], $i
    }' "$1" | sort
}

compare() { # label file-of-tcpdeck-csv ss-args...
  local label=$1 csv=$2
  shift 2
  ss_peers "$@" >"$work/ss.txt"
  tcpdeck_peers "$csv" >"$work/ours.txt"
  if [ ! -s "$work/ss.txt" ]; then
    fail "$label: ss found no connections"
  elif diff "$work/ss.txt" "$work/ours.txt" >"$work/diff"; then
    pass "$label: $(grep -c TOTAL "$work/ours.txt") keys, counts equal ss"
  else
    fail "$label: differs from ss (< ss, > tcpdeck): $(head -20 "$work/diff")"
  fi
}

run_tcpdeck -b -n 1 --view peers --top 0 -o csv >"$work/all.csv" || fail "tcpdeck --view peers failed"
compare "all connections" "$work/all.csv"
grep -q ',remote-addr,[0-9]*,::1,ipv6,' "$work/all.csv" && grep -q ',remote-addr,[0-9]*,127.0.0.1,ipv4,' "$work/all.csv" &&
  pass "both families" || fail "a family is missing: $(cat "$work/all.csv")"

run_tcpdeck -b -n 1 --view peers --top 0 -o csv sport = :9001 >"$work/filtered.csv" ||
  fail "tcpdeck --view peers with a filter failed"
compare "filter sport = :9001" "$work/filtered.csv" sport = :9001

# Ranked by TIME_WAIT: only keys that have some, in non-increasing order,
# and the first is the key with the most (ties: lowest key first, as
# tcpdeck orders them; ports compare as numbers).
run_tcpdeck -b -n 1 --view peers -s time-wait --top 0 -o csv >"$work/tw.csv" || fail "-s time-wait failed"
bad=$(awk -F, 'NR > 1 { if ($17 == 0 || ($3 == k && $17 > prev)) print; k = $3; prev = $17 }' "$work/tw.csv" | wc -l)
rows=$(awk 'NR > 1' "$work/tw.csv" | wc -l)
[ "$bad" -eq 0 ] && [ "$rows" -gt 0 ] && pass "-s time-wait: $rows rows, TIME_WAIT non-increasing" ||
  fail "-s time-wait: $bad rows out of order or without TIME_WAIT"
# (With a state filter ss leaves out the State column: the peer is $4.)
expected=$(ss -tanH state time-wait | awk '{ i = match($4, /:[^:]*$/); print substr($4, i + 1) }' |
  sort -n | uniq -c | sort -k1,1nr -k2,2n | awk 'NR == 1 { print $2 }')
top=$(awk -F, '$3 == "remote-port" { print $5; exit }' "$work/tw.csv")
[ -n "$expected" ] && [ "$top" = "$expected" ] && pass "-s time-wait: top remote port $top" ||
  fail "-s time-wait: top remote port '$top', ss says '$expected'"
[ "$(awk -F, 'NR == 2 { print $2 }' "$work/tw.csv")" = TIME_WAIT ] && pass "csv names the ranking" ||
  fail "csv ranking column: $(awk -F, 'NR == 2 { print $2 }' "$work/tw.csv")"

# --top bounds every kind.
run_tcpdeck -b -n 1 --view peers --top 2 -o csv >"$work/top.csv"
over=$(awk -F, 'NR > 1 && $4 > 2' "$work/top.csv" | wc -l)
kinds=$(awk -F, 'NR > 1 { print $3 }' "$work/top.csv" | sort | uniq -c | awk '$1 == 2' | wc -l)
[ "$over" -eq 0 ] && [ "$kinds" -eq 3 ] && pass "--top 2: two rows per kind" ||
  fail "--top 2: $over rows ranked past 2, $kinds kinds with 2 rows"

# The local port of the IPv4 listener's accepted connections names it.
pid=$(awk -F, '$3 == "local-port" && $5 == 9001 { print $19 }' "$work/all.csv")
[ "$pid" = "$v4_pid" ] && pass "local port 9001 is held by pid $v4_pid" ||
  fail "local port 9001: pid '$pid', expected $v4_pid"

# JSON: one object per sample; text: a heading with the connection count.
json=$(run_tcpdeck -b -n 2 -d 0.1 --view peers -o json --top 3)
[ "$(printf '%s\n' "$json" | wc -l)" -eq 2 ] && pass "json: one line per sample" ||
  fail "json: $(printf '%s\n' "$json" | wc -l) lines for 2 samples"
connections=$(grep -c TOTAL <(ss_peers | grep '^remote-port'))
total=$(ss_peers | awk '$1 == "remote-port" && $3 == "TOTAL" { t += $4 } END { print t }')
first=$(printf '%s\n' "$json" | head -n 1)
[[ "$first" == '{"time": "'*'", "by": "total", "total": '"$total"', "remote_addrs": [{"addr": "'* ]] &&
  [[ "$first" == *'"remote_ports": [{"port": '* ]] && [[ "$first" == *'"local_ports": [{"port": '*'"pid": '* ]] &&
  pass "json object ($total connections, $connections remote ports)" || fail "json: $first"
text=$(run_tcpdeck -b -n 1 --view peers)
[[ "$(printf '%s\n' "$text" | head -n 1)" == *", $total connections, ranked by total" ]] &&
  pass "text heading" || fail "text heading: $(printf '%s\n' "$text" | head -n 1)"

# Rankings that are not states, or LISTEN (never a peer), are refused.
for bad_rank in rtt listen; do
  err=$(run_tcpdeck -b -n 1 --view peers -s "$bad_rank" 2>&1 >/dev/null)
  status=$?
  [ "$status" -eq 2 ] && [ "$(printf '%s\n' "$err" | wc -l)" -eq 1 ] && [[ "$err" == *"$bad_rank"* ]] &&
    pass "-s $bad_rank refused: $err" || fail "-s $bad_rank: status $status, '$err'"
done

finish

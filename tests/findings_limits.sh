#!/bin/bash
# findings_limits.sh - the findings on limits outside TCP, against real
# sockets: a process at its descriptor limit (fd_limit) and a full
# connection-tracking table (conntrack).
#
# In a network namespace of its own:
#  - quiet: no finding on an empty namespace;
#  - fd_limit: tcpdeck-test-fdhog, run under `ulimit -Sn 64`, accepts
#    connections until accept() fails with EMFILE; the rest wait in its
#    accept queue.  The finding names its pid (the one ss names for the
#    connections), its descriptors and limit (/proc/PID/fd and
#    /proc/PID/limits) and the queue (ss's Recv-Q / Send-Q) from the first
#    sample; a recording of it replays with the same finding; once it
#    closes its connections the finding clears;
#  - conntrack: nf_conntrack_max cannot be set in a network namespace (the
#    kernel makes it read-only there: one limit for the whole host), so a
#    small table cannot be made without touching the host.  Instead:
#    (1) with an nftables `ct state` rule the namespace tracks its own
#    connections, and tcpdeck reads the real count (checked against
#    `conntrack -C` and the sysctl) with conntrack.full_pct set below it;
#    (2) a full table is a /proc fixture (tests/data/nfcount/proc-full)
#    mounted over /proc/sys/net/netfilter in a private mount namespace,
#    while an nftables rule drops the SYNs of clients as a full table
#    would, so they wait in SYN_SENT: the finding is critical, counts them
#    as ss does, survives record and replay, and clears when the fixture's
#    count falls.  A kernel without conntrack: the finding stays silent,
#    and the test says so.  (If a kernel lets the namespace set
#    nf_conntrack_max, the test sets a small one and fills it for real.)
#  - no false alarm: neither finding during a clean load test
#    (tcpdeck-stress --leak-every 0, conntrack tracking it).
set -u
. "${TESTS_SRCDIR:-$(dirname "$0")}/lib.sh"
: "${FDHOG:?FDHOG must name the tcpdeck-test-fdhog binary}"
enter_private_netns "$@"

work=$(mktemp -d)
pids=()
skipped=""
cleanup() {
  local p
  kill_ours "${pids[@]}"
  wait 2>/dev/null
  nft delete table inet tcpdeck_limits 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT
export XDG_CONFIG_HOME="$work" # no config file from the user running the tests

diagnoses() {
  timeout 60 "$TCPDECK" -b -d 0.2 --view diagnoses -o json "$@"
}

# Waits (bounded) until file $1 has $2 lines: samples tcpdeck printed.
wait_lines() {
  for _ in $(seq 1 300); do
    [ "$(wc -l <"$1")" -ge "$2" ] && return 0
    sleep 0.1
  done
  hard_error "tcpdeck printed no $2 samples into $1 in 30 s"
}

# The finding objects with id $1 of one JSON line ($2).
finding() {
  grep -o "{\"id\": \"$1\"[^}]*}" <<<"$2"
}

# --- a quiet namespace -------------------------------------------------------
out=$(diagnoses -n 3) || fail "tcpdeck failed in a quiet namespace"
if [ "$(wc -l <<<"$out")" -eq 3 ] && [ "$(grep -c '"findings": \[\]}$' <<<"$out")" -eq 3 ]; then
  pass "quiet namespace: 3 samples, no findings"
else
  fail "quiet namespace gave:"$'\n'"$out"
fi

# --- a server at its descriptor limit ---------------------------------------
PORT=9700
CONNS=70
BACKLOG=32
(ulimit -Sn 64 && exec "$FDHOG" -b $BACKLOG $PORT $CONNS) >"$work/fdhog.out" 2>"$work/fdhog.err" &
FDHOG_PID=$!
pids+=("$FDHOG_PID")
for _ in $(seq 1 100); do
  grep -q '^ready ' "$work/fdhog.out" && break
  sleep 0.1
done
ready=$(grep '^ready ' "$work/fdhog.out") ||
  hard_error "fdhog did not get ready: $(cat "$work/fdhog.err")"
accepted=$(sed -n 's/.*accepted=\([0-9]*\).*/\1/p' <<<"$ready")
queued=$(sed -n 's/.*queued=\([0-9]*\).*/\1/p' <<<"$ready")
grep -q 'emfile=1' <<<"$ready" || hard_error "fdhog never met EMFILE: $ready"

# Ground truth: the kernel's view of the process and its listener.
fds=$(ls "/proc/$FDHOG_PID/fd" | wc -l)
limit=$(awk '/^Max open files/ { print $4 }' "/proc/$FDHOG_PID/limits")
# At the limit: no descriptor below 64 is free (one it inherited may sit
# above, so the count can pass the limit).
[ "$fds" -ge 64 ] && [ "$limit" -eq 64 ] ||
  hard_error "fdhog has $fds descriptors of a limit of $limit, not all 64"
read -r ss_recvq ss_sendq < <(ss -tlnH "sport = :$PORT" | awk '{ print $2, $3 }')
[ "$ss_recvq" = "$queued" ] && [ "$ss_sendq" = "$BACKLOG" ] ||
  hard_error "ss shows the accept queue at $ss_recvq of $ss_sendq, fdhog says $queued of $BACKLOG"
ss_pids=$(ss -tnpH state established "sport = :$PORT" | grep -o 'pid=[0-9]*' | cut -d= -f2 | sort -u)
[ "$ss_pids" = "$FDHOG_PID" ] || hard_error "ss names pids '$ss_pids' for the accepted connections"
echo "fdhog (pid $FDHOG_PID): $fds of $limit descriptors, $accepted accepted, accept queue $ss_recvq of $ss_sendq"

out=$(diagnoses -n 3 -w "$work/fd.tdr") || fail "tcpdeck failed beside fdhog"
[ "$(wc -l <<<"$out")" -eq 3 ] || fail "expected 3 samples, got:"$'\n'"$out"
for line in 1 2 3; do
  f=$(finding fd_limit "$(sed -n "${line}p" <<<"$out")")
  want_title="tcpdeck-test-fd (pid $FDHOG_PID) has used all 64 of its file descriptors: accept() and connect() fail with EMFILE (\\\\\"Too many open files\\\\\"); port $PORT's accept queue is already filling ($queued of $BACKLOG)"
  if [ "$(grep -c '"id": "fd_limit"' <<<"$f")" -eq 1 ] &&
    grep -q "\"key\": \"fd_limit/pid:$FDHOG_PID\", \"severity\": \"critical\"" <<<"$f" &&
    grep -q "\"title\": \"$want_title\"" <<<"$f" &&
    grep -q "\"evidence\": \"$fds descriptors open, soft limit $limit, " <<<"$f" &&
    grep -q "accept queue $ss_recvq of backlog $ss_sendq" <<<"$f" &&
    grep -q "\"pid\": $FDHOG_PID, \"process\": \"tcpdeck-test-fd\", \"port\": $PORT" <<<"$f"; then
    pass "sample $line: fd_limit names pid $FDHOG_PID, $fds descriptors of $limit, queue $queued of $BACKLOG"
  else
    fail "sample $line: fd_limit finding wrong or missing: $f"$'\n'"$(sed -n "${line}p" <<<"$out")"
  fi
done
grep -q '"id": "conntrack"' <<<"$out" && fail "conntrack fired beside fdhog: $out"

# The recording replays with the same finding.
replayed=$(timeout 60 "$TCPDECK" -b -r "$work/fd.tdr" --view diagnoses -o json) ||
  fail "replaying the recording failed"
if [ "$(finding fd_limit "$out" | sed 's/"age": [0-9.]*//')" = \
  "$(finding fd_limit "$replayed" | sed 's/"age": [0-9.]*//')" ]; then
  pass "the recording replays with the same fd_limit findings"
else
  fail "replayed fd_limit findings differ:"$'\n'"live: $out"$'\n'"replay: $replayed"
fi

# It closes its connections after tcpdeck's second sample: the count
# falls at once (a process near its limit is recounted every sample), and
# the finding clears.
diagnoses -n 12 >"$work/clear.json" &
tcpdeck_pid=$!
wait_lines "$work/clear.json" 2
kill -USR1 "$FDHOG_PID"
wait "$tcpdeck_pid" || fail "tcpdeck failed while fdhog released its connections"
grep -q '^released' "$work/fdhog.out" || fail "fdhog did not release its connections"
first=$(head -n 1 "$work/clear.json")
last=$(tail -n 1 "$work/clear.json")
if [ -n "$(finding fd_limit "$first")" ] && [ -z "$(finding fd_limit "$last")" ] &&
  grep -q '"id": "fd_limit"[^}]*"clearing": true' "$work/clear.json"; then
  pass "fd_limit clears (through clearing) once fdhog closed its connections"
else
  fail "fd_limit did not clear:"$'\n'"$(cat "$work/clear.json")"
fi
kill_ours "$FDHOG_PID"
wait "$FDHOG_PID" 2>/dev/null

# --- the connection-tracking table -------------------------------------------
NF=/proc/sys/net/netfilter
nft_ok=false
if command -v nft >/dev/null && nft add table inet tcpdeck_limits 2>"$work/nft.err"; then
  nft_ok=true
fi

if [ ! -e "$NF/nf_conntrack_count" ]; then
  # Without conntrack the finding has nothing to read: silent.
  echo "note: this kernel has no connection tracking ($NF/nf_conntrack_count is missing):" \
    "the conntrack finding can only stay silent"
  grep -q '"id": "conntrack"' <<<"$out" && fail "conntrack fired without conntrack"
  pass "no connection tracking: the conntrack finding stays silent"
elif ! $nft_ok; then
  echo "SKIP: the conntrack scenarios need nftables (nft) to make the namespace track" \
    "connections and to drop SYNs; tools/install-deps installs it: $(cat "$work/nft.err" 2>/dev/null)" >&2
  skipped="conntrack (no nft)"
else
  nft add chain inet tcpdeck_limits out '{ type filter hook output priority 0; }'
  nft add chain inet tcpdeck_limits in '{ type filter hook input priority 0; }'
  # Any rule reading conntrack state makes the namespace track.
  nft add rule inet tcpdeck_limits out ct state new,established accept
  max=$(cat "$NF/nf_conntrack_max")
  # Writing the value it already has changes nothing, wherever it runs.
  if (echo "$max" >"$NF/nf_conntrack_max") 2>/dev/null; then
    max_settable=true
  else
    max_settable=false
    echo "note: nf_conntrack_max is read-only in a network namespace on this kernel" \
      "($(stat -c %A "$NF/nf_conntrack_max"): one limit for the whole host, set only in the" \
      "initial namespace), so a small table cannot be made here without changing the host;" \
      "the full table is a /proc fixture (tests/data/nfcount/proc-full) instead"
  fi

  # (1) The namespace's own, real count, read live.
  "$LISTENER" 9710 20 >"$work/listener.out" &
  pids+=("$!")
  for _ in $(seq 1 50); do grep -q ready "$work/listener.out" && break; sleep 0.1; done
  grep -q ready "$work/listener.out" || hard_error "the test listener did not start"
  count=$(cat "$NF/nf_conntrack_count")
  truth="sysctl $count"
  if command -v conntrack >/dev/null; then
    ct=$(conntrack -C 2>/dev/null)
    [ "$ct" = "$count" ] || fail "conntrack -C says $ct, nf_conntrack_count $count"
    truth="$truth, conntrack -C $ct"
  fi
  [ "$count" -ge 20 ] || fail "the namespace tracks $count connections, expected 20 or more"
  # A threshold at half of what the namespace uses: the finding fires.
  pct=$(awk -v c="$count" -v m="$max" 'BEGIN { printf "%.6f", 50 * c / m }')
  echo "conntrack.full_pct = $pct" >"$work/ct.conf"
  out=$(diagnoses -n 3 --config "$work/ct.conf") || fail "tcpdeck failed with a conntrack threshold"
  f=$(finding conntrack "$(tail -n 1 <<<"$out")")
  now=$(cat "$NF/nf_conntrack_count")
  if grep -q "\"key\": \"conntrack/table\"" <<<"$f" &&
    grep -q "\"evidence\": \"nf_conntrack_count $now, nf_conntrack_max $max " <<<"$f"; then
    pass "conntrack reads the namespace's real count ($truth) against nf_conntrack_max $max"
  else
    fail "conntrack finding wrong or missing (count $now, max $max): $f"$'\n'"$out"
  fi

  # Clients whose SYNs are dropped before TCP sees them, as a full table
  # drops them.
  SYN_PORT=9720
  SYNS=25
  nft add rule inet tcpdeck_limits in tcp dport $SYN_PORT drop
  for _ in $(seq 1 $SYNS); do
    timeout 120 bash -c "exec 3<>/dev/tcp/127.0.0.1/$SYN_PORT" 2>/dev/null &
    pids+=("$!")
  done
  for _ in $(seq 1 50); do
    [ "$(ss -tanH state syn-sent | wc -l)" -ge $SYNS ] && break
    sleep 0.1
  done

  if $max_settable; then
    # A kernel that lets a namespace set its own limit: fill it for real.
    small=$((count + 40))
    echo "$small" >"$NF/nf_conntrack_max" || fail "cannot set nf_conntrack_max here"
    "$LISTENER" 9711 30 >"$work/listener2.out" &
    pids+=("$!")
    sleep 1
    mode=real
  else
    # The fixture of a full table, over this namespace's view only.
    mkdir -p "$work/netfilter"
    cp "$TESTS_SRCDIR/data/nfcount/proc-full/sys/net/netfilter/"* "$work/netfilter/"
    mode=fixture
  fi
  syn_sent=$(ss -tanH state syn-sent | wc -l)
  [ "$syn_sent" -eq $SYNS ] || hard_error "$syn_sent clients in SYN_SENT, not $SYNS"

  # Run tcpdeck (over the fixture, in a mount namespace of its own); the
  # table drains after its second sample.
  run_full() {
    if [ "$mode" = fixture ]; then
      unshare -m --propagation private bash -c \
        'mount --bind "$1" /proc/sys/net/netfilter && shift && exec "$@"' \
        full "$work/netfilter" timeout 60 "$TCPDECK" -b -d 0.2 --view diagnoses -o json "$@"
    else
      diagnoses "$@"
    fi
  }
  drain() {
    if [ "$mode" = fixture ]; then
      echo 1000 >"$work/netfilter/nf_conntrack_count"
    else
      echo "$max" >"$NF/nf_conntrack_max"
    fi
  }
  run_full -n 3 -w "$work/ct.tdr" >"$work/full.json" || fail "tcpdeck failed on a full table"
  ok=0
  while read -r sample; do
    f=$(finding conntrack "$sample")
    if grep -q '"key": "conntrack/table", "severity": "critical"' <<<"$f" &&
      grep -q '"title": "The connection-tracking table is full (' <<<"$f" &&
      grep -q "; $syn_sent connections in SYN_SENT" <<<"$f" &&
      grep -q 'net.netfilter.nf_conntrack_max' <<<"$f"; then
      ok=$((ok + 1))
    else
      fail "no critical conntrack finding counting $syn_sent in SYN_SENT: $sample"
    fi
  done <"$work/full.json"
  [ "$ok" -eq 3 ] && pass "conntrack ($mode): critical in 3 of 3 samples, $syn_sent in SYN_SENT as ss says"
  replayed=$(timeout 60 "$TCPDECK" -b -r "$work/ct.tdr" --view diagnoses -o json) ||
    fail "replaying the conntrack recording failed"
  if [ "$(finding conntrack "$(cat "$work/full.json")" | sed 's/"age": [0-9.]*//')" = \
    "$(finding conntrack "$replayed" | sed 's/"age": [0-9.]*//')" ]; then
    pass "the recording replays with the same conntrack findings"
  else
    fail "replayed conntrack findings differ:"$'\n'"$(cat "$work/full.json")"$'\n'"$replayed"
  fi

  run_full -n 12 >"$work/drain.json" &
  tcpdeck_pid=$!
  wait_lines "$work/drain.json" 2
  drain
  wait "$tcpdeck_pid" || fail "tcpdeck failed while the table drained"
  if [ -n "$(finding conntrack "$(head -n 1 "$work/drain.json")")" ] &&
    [ -z "$(finding conntrack "$(tail -n 1 "$work/drain.json")")" ] &&
    grep -q '"id": "conntrack"[^}]*"clearing": true' "$work/drain.json"; then
    pass "conntrack clears (through clearing) once the table drained"
  else
    fail "conntrack did not clear:"$'\n'"$(cat "$work/drain.json")"
  fi
  grep -q '"id": "fd_limit"' "$work/full.json" "$work/drain.json" &&
    fail "fd_limit fired in the conntrack scenario"
fi

# --- no false alarm during a clean load test ----------------------------------
if [ -n "${STRESS:-}" ] && [ -x "$STRESS" ]; then
  timeout 90 "$STRESS" --no-netns --duration 8 --rate 100 --leak-every 0 --port 9730 \
    --run "$TCPDECK" -b -n 30 -d 0.25 --view diagnoses -o json >"$work/stress.json" 2>"$work/stress.err" ||
    fail "tcpdeck-stress failed: $(tail -n 3 "$work/stress.err")"
  samples=$(grep -c '^{"time"' "$work/stress.json")
  [ "$samples" -eq 30 ] || fail "expected 30 samples during the load test, got $samples"
  if grep -qE '"id": "(fd_limit|conntrack)"' "$work/stress.json"; then
    fail "a limits finding fired during a clean load test:"$'\n'"$(grep -E '"id": "(fd_limit|conntrack)"' "$work/stress.json" | head -n 2)"
  else
    pass "no fd_limit or conntrack finding in $samples samples of a clean load test" \
      "(conntrack count $(cat "$NF/nf_conntrack_count" 2>/dev/null || echo absent) afterwards)"
  fi
else
  fail "STRESS does not name the tcpdeck-stress binary"
fi

if [ "$failures" -eq 0 ] && [ -n "$skipped" ]; then
  skip_test "parts skipped: $skipped"
fi
finish

#!/bin/bash
# netns_skip.sh - namespaces whose sockstat files count no TCP socket are
# not dumped, and that never loses a socket.
#
# Every dump of a namespace walks the socket hash all namespaces share, so
# tcpdeck leaves out the dump of a namespace with no TCP socket in use and
# none in TIME_WAIT (its own sockstat and sockstat6 say so), repeating the
# bound-only sockets (which no counter shows) found by its last dump, and
# dumping it anyway every 10 s and 10 samples for those.  Five namespaces
# watched by one batch run (-N each, a sample every 0.3 s):
#   E  empty at first; sockets appear in it after its dumps were left out:
#      the next samples must count them as ss does, and again once they
#      are closed;
#   T  only TIME_WAIT sockets (in use 0, tw 4): dumped, counts as ss;
#   B  only bound sockets (CLOSE, in no counter): they stay in every sample
#      while its dumps are left out;
#   L  empty at first; a socket is bound in it later: it shows up;
#   F  listeners and connections, and a socket only bound (CLOSE) that
#      starts listening while the dumps leave bound sockets out: counts
#      as ss, the bound socket as CLOSE and then as LISTEN only.
# The -v log must say namespaces were left out.  Then a single sample with
# TCPDECK_NETNS_SKIP=0 (every namespace dumped) counts the same, with and
# without a filter that cannot select CLOSE (which leaves out B and L from
# the first sample on).  Kernels before 6.5 report no bound-only sockets:
# there they count 0.
set -u
. "${TESTS_SRCDIR:-$(dirname "$0")}/lib.sh"
: "${SOCKGEN:?SOCKGEN must name the tcpdeck-sockgen binary}"
[ "$(id -u)" = 0 ] || skip_test "creating network namespaces needs root; run the tests as root"
for tool in ip ss python3 timeout; do
  command -v "$tool" >/dev/null || skip_test "$tool is not installed"
done
enter_private_netns "$@"

E=nsperf-skip-e-$$
T=nsperf-skip-t-$$
B=nsperf-skip-b-$$
L=nsperf-skip-l-$$
F=nsperf-skip-f-$$
ALL="$E $T $B $L $F"
pids=()
tdpid=""
tmp=$(mktemp -d /tmp/nsperf-skip.XXXXXX)
cleanup() {
  local p n
  [ -n "$tdpid" ] && kill_ours "$tdpid"
  kill_ours "${pids[@]}"
  wait 2>/dev/null
  for n in $ALL; do ip netns del "$n" 2>/dev/null; done
  rm -rf "$tmp"
}
trap cleanup EXIT

for n in $ALL; do
  ip netns add "$n" || hard_error "ip netns add $n failed"
  ip -n "$n" link set lo up || hard_error "cannot bring lo up in $n"
done

# gen NS OUT ARGS...: tcpdeck-sockgen in NS, in the background; waits
# (bounded) for its ready line in OUT.  Its pid is $gen_pid.
gen() {
  local ns=$1 out=$2
  shift 2
  ip netns exec "$ns" "$SOCKGEN" "$@" >"$out" 2>&1 &
  gen_pid=$!
  pids+=("$gen_pid")
  for _ in $(seq 1 300); do
    grep -qs '^ready ' "$out" && return 0
    kill -0 "$gen_pid" 2>/dev/null || break
    sleep 0.1
  done
  hard_error "socket generator in $ns did not get ready: $(head -n 1 "$out")"
}

# inuse NS: "inuse inuse6 tw" from NS's own sockstat files.
inuse() {
  ip netns exec "$1" awk '$1 == "TCP:" { i = $3; t = $7 } $1 == "TCP6:" { i6 = $3 }
    END { print i + 0, i6 + 0, t + 0 }' /proc/net/sockstat /proc/net/sockstat6
}

# ss_in NS: "STATE=N" for every state ss -tan sees in NS.
ss_in() {
  ip netns exec "$1" ss -tan state all | awk 'NR > 1 { print $1 }' | while read -r s; do
    ss_state_name "$s"
  done | sort | uniq -c | awk '{ print $2 "=" $1 }'
}

# row NS [LINE]: "STATE=N ... TOTAL=N" of NS in the last complete sample
# of the batch output (or in LINE); nothing when it is not there.
row() {
  local src=${2:-}
  if [ -z "$src" ]; then
    src=$(tail -n 3 "$tmp/out" 2>/dev/null)
  fi
  printf '%s\n' "$src" | python3 -c '
import json, sys
last = None
for line in sys.stdin:
    try:
        last = json.loads(line)
    except ValueError:
        pass
if last is not None:
    for ns in last.get("namespaces", []):
        if ns["netns"] == sys.argv[1]:
            print(" ".join("%s=%d" % kv for kv in ns["states"].items()), "TOTAL=%d" % ns["total"])
' "$1"
}

# same NS ROW EXPECTED: whether every state of ROW equals EXPECTED's.
same() {
  local s
  [ -n "$2" ] || return 1
  for s in $STATES; do
    [ "$(count_of "$s" "$2")" = "$(count_of "$s" "$3")" ] || return 1
  done
}

# settle NS EXTRA: waits (bounded) until NS's row in the latest sample
# equals ss in NS plus EXTRA ("CLOSE=2": bound sockets, which ss -tan does
# not show).  Returns 1 when it never does, with the last pair in $why.
settle() {
  local ns=$1 extra=$2 r want
  for _ in $(seq 1 100); do
    want="$(ss_in "$ns") $extra"
    r=$(row "$ns")
    same "$ns" "$r" "$want" && return 0
    sleep 0.3
  done
  why="tcpdeck: ${r:-no row}; ss: $(echo $want)"
  return 1
}

# Kernels before 6.5 do not report bound-only sockets (TCP_BOUND_INACTIVE):
# there every bound socket below counts 0.
kernel_reports_bound() {
  local major minor
  IFS=. read -r major minor _ <<<"$(uname -r)"
  [ "$major" -gt 6 ] || { [ "$major" -eq 6 ] && [ "${minor%%[!0-9]*}" -ge 5 ]; }
}
one=1
two=2
kernel_reports_bound || { one=0; two=0; }

# --- the namespaces before the run ---------------------------------------
gen "$F" "$tmp/f" --hold 120 listen=2 established=5 close_wait=2
# A socket bound in F that listens once $tmp/go exists.
ip netns exec "$F" timeout 120 python3 -c '
import os, socket, sys, time
s = socket.socket()
s.bind(("127.0.0.1", 0))
print("ready", flush=True)
while not os.path.exists(sys.argv[1]):
    time.sleep(0.1)
s.listen(4)
print("listening", flush=True)
time.sleep(120)
' "$tmp/go" >"$tmp/py" 2>&1 &
pids+=($!)
for _ in $(seq 1 100); do
  grep -qs '^ready' "$tmp/py" && break
  sleep 0.1
done
grep -qs '^ready' "$tmp/py" || hard_error "the bound socket in $F: $(cat "$tmp/py")"
gen "$B" "$tmp/b" --hold 120 bound=2
bound_b=$(sed -n 's/^ready .*CLOSE=\([0-9]*\).*/\1/p' "$tmp/b")
[ "$bound_b" = 2 ] || hard_error "bound sockets in $B: $(cat "$tmp/b")"
# TIME_WAIT only: the generator ends, its TIME_WAIT sockets stay 60 s.
gen "$T" "$tmp/t" --hold 1 time_wait=4
wait "$gen_pid" 2>/dev/null
read -r i4 i6 tw <<<"$(inuse "$T")"
[ "$i4 $i6" = "0 0" ] && [ "$tw" -ge 4 ] ||
  hard_error "$T should hold TIME_WAIT sockets only, sockstat says inuse $i4/$i6 tw $tw"
[ "$(inuse "$B")" = "0 0 0" ] || hard_error "$B: bound sockets are counted in sockstat: $(inuse "$B")"

args=()
for n in $ALL; do args+=(-N "$n"); done
timeout 120 "$TCPDECK" -b -d 0.3 -n 350 -o json -v "$tmp/log" "${args[@]}" >"$tmp/out" 2>"$tmp/err" &
tdpid=$!

# --- every namespace as ss sees it ---------------------------------------
settle "$T" "" && pass "TIME_WAIT only (sockstat inuse 0, tw $tw): counted as ss counts" ||
  fail "TIME_WAIT only namespace: $why"
settle "$F" "CLOSE=$one" && pass "listeners, connections and a bound socket: counted as ss counts" ||
  fail "namespace with sockets: $why"
settle "$B" "CLOSE=$two" && pass "bound sockets only: CLOSE=$two" || fail "bound sockets only: $why"
settle "$E" "" && pass "empty namespace: no socket" || fail "empty namespace: $why"
settle "$L" "" || fail "second empty namespace: $why"

# --- skipping happened, and lost nothing ---------------------------------
for _ in $(seq 1 100); do
  grep -q 'without TCP sockets, not walked' "$tmp/log" 2>/dev/null && break
  sleep 0.3
done
# E, B and L (and T once its TIME_WAIT sockets end, 60 s after).
most=$(sed -n 's/.*netns: \([0-9]*\) of 5 namespaces without TCP sockets, not walked.*/\1/p' "$tmp/log" |
  sort -n | tail -n 1)
[ "${most:-0}" -ge 3 ] && pass "the dumps of E, B and L were left out" ||
  fail "no sample left out 3 of 5 dumps: $(grep 'not walked' "$tmp/log" | tail -n 1)"
before=$(wc -l <"$tmp/out")
settle "$B" "CLOSE=$two" && pass "bound sockets stay while their namespace's dumps are left out" ||
  fail "bound sockets of a left-out namespace: $why"

# The dumps leave bound sockets out for 10 samples after one asked for
# them: F's stays CLOSE through them, and is LISTEN only once it listens.
first=$(wc -l <"$tmp/out")
for _ in $(seq 1 100); do
  [ "$(wc -l <"$tmp/out")" -ge $((first + 12)) ] && break
  sleep 0.3
done
settle "$F" "CLOSE=$one" && pass "a bound socket stays in the samples that leave bound sockets out" ||
  fail "bound socket in a namespace with others: $why"
touch "$tmp/go"
for _ in $(seq 1 100); do
  grep -qs '^listening' "$tmp/py" && break
  sleep 0.1
done
settle "$F" "" && pass "once it listens it is LISTEN only: $(row "$F")" ||
  fail "a bound socket that listens: $why"

gen "$E" "$tmp/e" --hold 120 listen=1 established=6 close_wait=2
settle "$E" "" && [ "$(wc -l <"$tmp/out")" -gt "$before" ] &&
  pass "sockets made after skipped samples are seen: $(row "$E")" ||
  fail "sockets made in a skipped namespace: $why"
stop_pid=$gen_pid
kill_ours "$stop_pid"
wait "$stop_pid" 2>/dev/null
settle "$E" "" && pass "and their closing as ss sees it: $(row "$E")" ||
  fail "closed sockets in a namespace that had been skipped: $why"

# A socket only bound, in a namespace whose dumps are left out: no
# counter moves; the periodic dump finds it.
gen "$L" "$tmp/l" --hold 120 bound=1
settle "$L" "CLOSE=$one" && pass "a socket bound in a left-out namespace shows up" ||
  fail "a socket bound in a left-out namespace: $why"

kill_ours "$tdpid"
wait "$tdpid" 2>/dev/null
tdpid=""
grep -v '^$' "$tmp/err" | grep -q . && fail "the batch run wrote to stderr: $(head -n 3 "$tmp/err")"

# --- one sample with and without skipping --------------------------------
# Unfiltered, a first sample dumps every namespace (bound sockets may be
# anywhere); with a filter that cannot select CLOSE, B and L are left out
# at once.
for filter in "" "state connected"; do
  ok=0
  for _ in 1 2 3; do
    rm -f "$tmp/one.log"
    # shellcheck disable=SC2086
    a=$(timeout 30 "$TCPDECK" -b -n 1 -o json -v "$tmp/one.log" "${args[@]}" $filter)
    # shellcheck disable=SC2086
    b=$(TCPDECK_NETNS_SKIP=0 timeout 30 "$TCPDECK" -b -n 1 -o json "${args[@]}" $filter)
    ok=1
    for n in $ALL; do
      ra=$(row "$n" "$a")
      rb=$(row "$n" "$b")
      [ -n "$ra" ] && [ "$ra" = "$rb" ] || { ok=0; why="$n: $ra / $rb"; }
    done
    [ "$ok" = 1 ] && break
  done
  [ "$ok" = 1 ] && pass "one sample${filter:+ ($filter)} counts the same with every namespace dumped" ||
    fail "skipping changed a one-shot sample${filter:+ ($filter)}: $why"
done
# B and L at least (T's TIME_WAIT sockets may have ended by now).
left=$(sed -n 's/.*netns: \([0-9]*\) of 5 namespaces without TCP sockets, not walked.*/\1/p' "$tmp/one.log")
[ "${left:-0}" -ge 2 ] &&
  pass "with a filter that cannot select CLOSE, the first sample leaves out $left namespaces" ||
  fail "state connected: $(grep 'not walked' "$tmp/one.log")"

finish

#!/bin/bash
# netns_sample.sh - sampling several network namespaces (--netns, -N)
# against ss run inside each.
#
# Three namespaces with known sockets: two made with `ip netns add`, one
# held only by a process started with `unshare -n`; the test itself runs
# in a private namespace of its own with a listener too.  Checks that
# --netns NAME, -N NAME, --netns pid:PID and --netns PATH each count
# exactly their namespace's sockets as `ss -tan` inside it does, that two
# specs give the sum, that a filter holds in every namespace, that --netns all has every one of them in its
# namespace table with the counts ss gives (JSON "namespaces"), that
# --who PORT --netns all names each owner's namespace as ss -tanp sees
# the owners, that bad specs are one-line usage errors (exit 2), and that
# without CAP_SYS_ADMIN a named namespace is refused (exit 1, naming
# CAP_SYS_ADMIN) while --netns all shows the own namespace with a note,
# and that a namespace deleted while --netns all runs leaves the samples
# and is no longer held open by tcpdeck.
set -u
. "${TESTS_SRCDIR:-$(dirname "$0")}/lib.sh"
: "${LISTENER:?LISTENER must name the test listener program}"
[ "$(id -u)" = 0 ] || skip_test "creating network namespaces needs root; run the tests as root"
for tool in ip ss nsenter setpriv python3 timeout; do
  command -v "$tool" >/dev/null || skip_test "$tool is not installed"
done
enter_private_netns "$@"

A=nssample-a-$$
B=nssample-b-$$
C=nssample-c-$$
pids=()
tmp=$(mktemp -d /tmp/nssample-test.XXXXXX)
cleanup() {
  local p
  kill_ours "${pids[@]}"
  wait 2>/dev/null
  ip netns del "$A" 2>/dev/null
  ip netns del "$B" 2>/dev/null
  ip netns del "$C" 2>/dev/null
  rm -rf "$tmp"
}
trap cleanup EXIT

ip netns add "$A" || hard_error "ip netns add $A failed"
ip netns add "$B" || hard_error "ip netns add $B failed"
ip -n "$A" link set lo up && ip -n "$B" link set lo up || hard_error "cannot bring lo up"

# start_in OUTVAR CMD...: runs CMD (which ends in the listener) in the
# background, waits for its "ready PID" line, stores PID in OUTVAR.
start_in() {
  local var=$1 out pid
  shift
  out="$tmp/out.$RANDOM"
  "$@" >"$out" &
  pids+=($!)
  for _ in $(seq 1 100); do
    grep -qs '^ready' "$out" && break
    sleep 0.1
  done
  pid=$(awk '/^ready/ { print $2; exit }' "$out")
  [ -n "$pid" ] || hard_error "listener did not start: $*"
  printf -v "$var" '%s' "$pid"
}

start_in pa ip netns exec "$A" timeout 600 "$LISTENER" 7001 3
start_in pa6 ip netns exec "$A" timeout 600 "$LISTENER" -6 7011 1
start_in pb ip netns exec "$B" timeout 600 "$LISTENER" 7001 2
# Held by this process only: no name, no bind mount.
start_in pp timeout 600 unshare -n sh -c 'ip link set lo up && exec "$0" 7004 4' "$LISTENER"
start_in pself timeout 600 "$LISTENER" 7005 1
[ "$(stat -L -c %i /proc/"$pp"/ns/net)" != "$(stat -L -c %i /proc/self/ns/net)" ] ||
  hard_error "unshare -n did not make a namespace"

ino_a=$(stat -L -c %i /run/netns/"$A")
ino_b=$(stat -L -c %i /run/netns/"$B")
ino_p=$(stat -L -c %i /proc/"$pp"/ns/net)
ino_self=$(stat -L -c %i /proc/self/ns/net)

# ss_in INODE: "STATE=N" lines from `ss -tan` inside that namespace.
ss_in() {
  case "$1" in
    "$ino_a") ip netns exec "$A" bash -c ". '${TESTS_SRCDIR:-$(dirname "$0")}/lib.sh'; ss_counts" ;;
    "$ino_b") ip netns exec "$B" bash -c ". '${TESTS_SRCDIR:-$(dirname "$0")}/lib.sh'; ss_counts" ;;
    "$ino_p") nsenter -t "$pp" -n bash -c ". '${TESTS_SRCDIR:-$(dirname "$0")}/lib.sh'; ss_counts" ;;
    "$ino_self") ss_counts ;;
  esac
}
export TCPDECK

# top JSON: the sample's own keys, without the namespaces array (whose
# rows repeat the state names).
top() { printf '%s\n' "$1" | sed 's/, "namespaces": .*/}/'; }

# same_counts WHAT JSON SS_COUNTS: every state of the JSON line (its
# top-level counts) equals ss's.
same_counts() {
  local what=$1 json s got want bad=0 counts=$3
  json=$(top "$2")
  for s in $STATES; do
    got=$(json_count "$s" "$json" | head -1)
    want=$(count_of "$s" "$counts")
    [ "${got:-x}" = "$want" ] || { bad=1; fail "$what: $s: tcpdeck ${got:-none}, ss $want"; }
  done
  [ "$bad" = 0 ] && pass "$what: every state count equals ss inside the namespace"
}

# total JSON: the sample's "total".
total_of() { top "$1" | sed -n 's/^{[^{]*"total": \([0-9]*\).*/\1/p'; }

# --- one namespace at a time, named four ways --------------------------
for spec in "$A" "pid:$pp" "/run/netns/$B"; do
  case "$spec" in
    "$A") ino=$ino_a ;;
    pid:*) ino=$ino_p ;;
    *) ino=$ino_b ;;
  esac
  json=$(timeout 30 "$TCPDECK" -b -n 1 -o json --netns "$spec" 2>"$tmp/err") ||
    fail "--netns $spec: exit $?: $(cat "$tmp/err")"
  same_counts "--netns $spec" "$json" "$(ss_in "$ino")"
done
json=$(timeout 30 "$TCPDECK" -b -n 1 -o json -N "$B" 2>"$tmp/err") || fail "-N $B: $(cat "$tmp/err")"
same_counts "-N $B" "$json" "$(ss_in "$ino_b")"

# Two specs: the sum; a spec given twice counts once.
json=$(timeout 30 "$TCPDECK" -b -n 1 -o json --netns "$A" -N "$B" --netns "/run/netns/$A" 2>&1)
want=$(( $(ss_in "$ino_a" | awk -F= '{ s += $2 } END { print s + 0 }') +
         $(ss_in "$ino_b" | awk -F= '{ s += $2 } END { print s + 0 }') ))
got=$(total_of "$json")
[ "$got" = "$want" ] && pass "--netns A -N B --netns A: total $got = ss in A + ss in B" ||
  fail "--netns A -N B: total ${got:-none}, ss in A + B $want"

# A filter (sent to the kernel as bytecode) applies in every namespace.
json=$(timeout 30 "$TCPDECK" -b -n 1 -o json --netns "$A" --netns "$B" '( sport = :7001 )' 2>&1)
want=$(( $(ip netns exec "$A" ss -tanH 'sport = :7001' | wc -l) +
         $(ip netns exec "$B" ss -tanH 'sport = :7001' | wc -l) ))
got=$(total_of "$json")
[ "$got" = "$want" ] && [ "$want" -gt 0 ] &&
  pass "filter sport = :7001 in A and B: total $got, as ss in each" ||
  fail "filter sport = :7001 in A and B: total ${got:-none}, ss $want: $json"
json=$(timeout 30 "$TCPDECK" -b -n 1 -o json --netns all state listening 2>&1)
got=$(json_count ESTABLISHED "$(top "$json")")
[ "$got" = 0 ] && [ "$(json_count LISTEN "$(top "$json")")" -ge 5 ] &&
  pass "--netns all state listening: only listeners, at least the test's 5" ||
  fail "--netns all state listening: $json"

# --- all: the namespace table -------------------------------------------
json=$(timeout 30 "$TCPDECK" -b -n 1 -o json --netns all 2>"$tmp/err") ||
  fail "--netns all: exit $?: $(cat "$tmp/err")"
[ -s "$tmp/err" ] && fail "--netns all as root wrote to stderr: $(cat "$tmp/err")"
if ! printf '%s\n' "$json" | grep -q '"namespaces"'; then
  fail "--netns all: the JSON line has no \"namespaces\" array (per-namespace counts cannot be checked)"
else
  for ino in "$ino_a" "$ino_b" "$ino_p" "$ino_self"; do
    row=$(printf '%s\n' "$json" | python3 -c '
import json, sys
ino = int(sys.argv[1])
for ns in json.loads(sys.stdin.read())["namespaces"]:
    if ns["inode"] == ino:
        print(" ".join("%s=%d" % kv for kv in ns["states"].items()), "TOTAL=%d" % ns["total"], "NAME=" + ns["netns"].replace(" ", "_"))
' "$ino")
    [ -n "$row" ] || { fail "--netns all: namespace $ino is not in the table"; continue; }
    counts=$(ss_in "$ino")
    bad=0
    for s in $STATES; do
      [ "$(count_of "$s" "$row")" = "$(count_of "$s" "$counts")" ] ||
        { bad=1; fail "--netns all: namespace $ino: $s: tcpdeck $(count_of "$s" "$row"), ss $(count_of "$s" "$counts")"; }
    done
    [ "$bad" = 0 ] &&
      pass "--netns all: namespace $ino ($(printf '%s' "$row" | sed -n 's/.*NAME=//p')) counts equal ss inside it"
  done
  printf '%s\n' "$json" | grep -q "\"netns\": \"$A\"" && pass "--netns all names $A by its ip netns name" ||
    fail "--netns all: $A is not named \"$A\""
fi

# --- --who across namespaces against ss -tanp -----------------------------
# One line per (process, socket) on the port; ss gives the same pairs.
who=$(timeout 30 "$TCPDECK" --who 7001 --netns all 2>"$tmp/err")
rc=$?
[ "$rc" = 0 ] || fail "--who 7001 --netns all: exit $rc: $(cat "$tmp/err")"
for ns in "$A" "$B"; do
  got=$(printf '%s\n' "$who" | grep -c "^netns $ns ")
  want=$(ip netns exec "$ns" ss -tanpH 'sport = :7001' | grep -o 'pid=[0-9]*' | wc -l)
  [ "$got" = "$want" ] && [ "$got" -gt 0 ] &&
    pass "--who 7001 --netns all: $got owner lines in netns $ns, as ss -tanp" ||
    fail "--who 7001 --netns all: $got lines for netns $ns, ss -tanp has $want"
  pid_want=$([ "$ns" = "$A" ] && echo "$pa" || echo "$pb")
  printf '%s\n' "$who" | grep "^netns $ns " | awk '{ print $3 }' | sort -u | grep -qx "$pid_want" &&
    pass "--who: netns $ns's lines name its listener (pid $pid_want)" ||
    fail "--who: netns $ns's lines do not name pid $pid_want"
done
who=$(timeout 30 "$TCPDECK" --who 7004 --netns all 2>&1)
got=$(printf '%s\n' "$who" | grep -c "^pid $pp ")
want=$(nsenter -t "$pp" -n ss -tanpH 'sport = :7004' | grep -o 'pid=[0-9]*' | wc -l)
[ "$got" = "$want" ] && [ "$got" -gt 0 ] &&
  pass "--who 7004 --netns all: the unnamed namespace is named by its process (pid $pp), $got lines" ||
  fail "--who 7004 --netns all: $got lines for 'pid $pp', ss -tanp has $want: $who"
who=$(timeout 30 "$TCPDECK" --who 7001 2>&1)
printf '%s\n' "$who" | grep -q NETNS && fail "--who without --netns gained a NETNS column" ||
  pass "--who without --netns: no namespace column"

# --- bad specs: one line, exit 2 ------------------------------------------
for spec in "nosuch-$$" "pid:abc" "pid:0" "/etc/hostname" "/nonexistent/$$" ""; do
  timeout 10 "$TCPDECK" -b -n 1 --netns "$spec" >/dev/null 2>"$tmp/err"
  rc=$?
  lines=$(wc -l <"$tmp/err")
  [ "$rc" = 2 ] && [ "$lines" = 1 ] && grep -q '^tcpdeck: ' "$tmp/err" &&
    pass "--netns '$spec': exit 2, one line: $(cat "$tmp/err")" ||
    fail "--netns '$spec': exit $rc, $lines line(s): $(cat "$tmp/err")"
done

# --- without CAP_SYS_ADMIN ------------------------------------------------
unpriv() { setpriv --reuid=65534 --regid=65534 --clear-groups timeout 30 "$TCPDECK" "$@"; }
unpriv -b -n 1 --netns "$A" >/dev/null 2>"$tmp/err"
rc=$?
[ "$rc" = 1 ] && [ "$(wc -l <"$tmp/err")" = 1 ] && grep -q CAP_SYS_ADMIN "$tmp/err" &&
  pass "unprivileged --netns $A: exit 1, one line naming CAP_SYS_ADMIN" ||
  fail "unprivileged --netns $A: exit $rc: $(cat "$tmp/err")"
json=$(unpriv -b -n 1 -o json --netns all 2>"$tmp/err")
rc=$?
[ "$rc" = 0 ] && grep -q "needs CAP_SYS_ADMIN" "$tmp/err" && [ "$(wc -l <"$tmp/err")" = 1 ] &&
  pass "unprivileged --netns all: exit 0, one note: $(cat "$tmp/err")" ||
  fail "unprivileged --netns all: exit $rc, stderr: $(cat "$tmp/err")"
same_counts "unprivileged --netns all (the own namespace)" "$json" "$(ss_in "$ino_self")"
if printf '%s\n' "$json" | grep -q '"namespaces"'; then
  n=$(printf '%s\n' "$json" | python3 -c 'import json,sys; print(len(json.loads(sys.stdin.read())["namespaces"]))')
  [ "$n" = 1 ] && pass "unprivileged --netns all: a table of one namespace" ||
    fail "unprivileged --netns all: $n namespaces in the table"
fi

# --- a namespace that goes away while tcpdeck runs ------------------------
# tcpdeck's own fds would keep it alive: once discovery no longer finds it,
# it must leave the samples and tcpdeck must close everything of it.
ip netns add "$C" && ip -n "$C" link set lo up || hard_error "ip netns add $C failed"
start_in pc ip netns exec "$C" timeout 600 "$LISTENER" 7006 1
pc_parent=${pids[-1]}
ino_c=$(stat -L -c %i /run/netns/"$C")
timeout 600 "$TCPDECK" -b -d 0.3 -n 30 -o json --netns all >"$tmp/run" 2>"$tmp/runerr" &
run=$!
for _ in $(seq 1 600); do [ "$(cat "$tmp/run" 2>/dev/null | wc -l)" -ge 2 ] && break; sleep 0.1; done
deck=$(tr -d " " </proc/"$run"/task/"$run"/children) # timeout's child: tcpdeck
[ -n "$deck" ] || hard_error "no tcpdeck under timeout ($run)"
# holds INODE: how many of tcpdeck's fds are that namespace (a bind
# mount's shows as its path, so by inode).
holds() { stat -L -c %i /proc/"$deck"/fd/* 2>/dev/null | grep -cx "$1"; }
[ "$(holds "$ino_c")" -ge 1 ] && pass "running --netns all holds namespace $C open" ||
  fail "running --netns all does not hold $C ($ino_c) open"
grep -q "\"inode\": $ino_c," "$tmp/run" && pass "$C is in the samples while it exists" ||
  fail "$C ($ino_c) is not in the samples"
kill_ours "$pc_parent"
wait "$pc_parent" 2>/dev/null
ip netns del "$C"
lines=$(wc -l <"$tmp/run")
for _ in $(seq 1 3000); do
  [ "$(wc -l <"$tmp/run")" -ge $((lines + 3)) ] && break
  kill -0 "$run" 2>/dev/null || break
  sleep 0.1
done
# The kernel gives a freed namespace's inode to the next namespace made,
# and tests running beside this one make them: when another namespace
# has taken C's inode, tcpdeck may rightly hold that one.
inode_in_use() {
  stat -L -c %i /run/netns/* /proc/[0-9]*/ns/net 2>/dev/null | grep -qx "$1"
}
if inode_in_use "$ino_c"; then
  echo "note: another namespace now has inode $ino_c; tcpdeck's fds are not checked for $C"
else
  [ "$(holds "$ino_c")" = 0 ] && pass "after ip netns del, tcpdeck let $C go" ||
    fail "tcpdeck still holds $C ($ino_c) after it was deleted"
fi
tail -n 1 "$tmp/run" | grep -q "\"netns\": \"$C\"" &&
  fail "$C ($ino_c) is still in the latest sample" || pass "$C left the samples"
wait "$run"
rc=$?
[ "$rc" = 0 ] && [ ! -s "$tmp/runerr" ] && pass "the run went on to its end (exit 0, nothing on stderr)" ||
  fail "the run ended with $rc: $(cat "$tmp/runerr")"

finish

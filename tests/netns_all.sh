#!/bin/bash
# netns_all.sh - `--netns all` against ss run inside every namespace.
#
# Four network namespaces at once, each held in a different way and each
# with its own mix of socket states; port $PORT listens in all of them:
#   own    the test's own namespace: the script re-runs itself in a fresh
#          `unshare -n`, so what lives there is only what it makes (the
#          host's namespace would do, but other people's sockets come and
#          go in it while the test compares).  Held by the test's shell,
#          so it is named "pid N (bash)", N the lowest pid inside.
#          LISTEN on $PORT with 3 connections, ESTABLISHED, CLOSE_WAIT +
#          FIN_WAIT2 pairs, TIME_WAIT.
#   named  `ip netns add nstest-named-PID`: named by that name.  LISTEN on
#          $PORT with 1 connection, FIN_WAIT1, SYN_RECV, CLOSING.
#   proc   `unshare -n` running the socket generator (bounded by timeout),
#          no name anywhere: "pid N (tcpdeck-sockgen)".  LISTEN on $PORT
#          with 2 connections, LAST_ACK, SYN_SENT.
#   bind   held only by a bind mount (/run/nstest-bind-PID, made with
#          `unshare --net=FILE true`): no process is inside.  Its TIME_WAIT
#          sockets come from a generator that enters it with nsenter and
#          exits; its LISTEN on $PORT and 2 connections belong to
#          tcpdeck-test-nshold, which made them there and went back to the
#          test's namespace (ss -tanp inside still names it as the owner).
#          Nothing better is known of the namespace than its inode, so its
#          name is "netns:[INODE]" (NETNS_KIND_UNKNOWN).
# A namespace is matched to tcpdeck's "namespaces" array by its inode
# (`stat -L -c %i` on a path to it).
#
# Checks:
#  - `tcpdeck -b -n 1 -o json --netns all`: for each of the four, the
#    name, the total and every state equal `ss -tan state all` run inside
#    it (compared only when ss saw the same counts just before and after);
#  - `tcpdeck --who $PORT --netns all`: the same (state, local, remote,
#    pid) rows as `ss -tanp` in each namespace, each row on a line naming
#    its namespace;
#  - a running `tcpdeck -b -d 0.2 -n 16 -o json --netns all` while one
#    namespace is created and another deleted: exit 0, nothing on stderr,
#    the new one in the samples after it was made, the deleted one in none
#    of the samples after it was gone (one sample of grace: a sample may
#    have started before the deletion);
#  - unprivileged (uid 65534, no capabilities): `--netns all` exits 0,
#    shows exactly its own namespace and says once that seeing the others
#    needs CAP_SYS_ADMIN.
set -u
. "${TESTS_SRCDIR:-$(dirname "$0")}/lib.sh"
: "${SOCKGEN:?SOCKGEN must name the tcpdeck-sockgen binary}"
: "${LISTENER:?LISTENER must name the test listener program}"
CLOSING=${CLOSING:-$(dirname "$LISTENER")/tcpdeck-test-closing}
NSHOLD=${NSHOLD:-$(dirname "$LISTENER")/tcpdeck-test-nshold}
for p in "$CLOSING" "$NSHOLD"; do
  [ -x "$p" ] || hard_error "$p is not built (make check builds it)"
done

[ "$(id -u)" -eq 0 ] || skip_test "needs root (creates network namespaces and bind mounts)"
for tool in ip nsenter ss stat setpriv timeout; do
  command -v "$tool" >/dev/null || skip_test "$tool is not installed"
done
enter_private_netns "$@"

PORT=7310
named="nstest-named-$$"
gone="nstest-gone-$$"
fresh="nstest-new-$$"
bind="/run/nstest-bind-$$"
tmpd=$(mktemp -d)
pids=()

cleanup() {
  local p
  # Each pid is a timeout(1) that passes the signal on and kills its
  # command 5 s later if it is still there (a sanitizer's leak check can
  # hang at exit).
  kill_ours "${pids[@]}"
  wait 2>/dev/null
  for n in "$named" "$gone" "$fresh"; do
    [ -e "/run/netns/$n" ] && ip netns del "$n" 2>/dev/null
  done
  if [ -e "$bind" ]; then
    # Lazily: any tcpdeck running on the host may hold it open right now.
    umount -l "$bind" 2>/dev/null
    rm -f "$bind"
  fi
  rm -rf "$tmpd"
}
trap cleanup EXIT

# bg NAME CMD...: starts CMD (which must print a line starting with
# "ready") bounded by a 240 s timeout, adds its pid to pids[] and waits
# (bounded) for the line; the output is kept in $tmpd/NAME.
bg() {
  local name=$1 pid
  shift
  timeout -k 5 240 "$@" >"$tmpd/$name" 2>"$tmpd/$name.err" &
  pid=$!
  pids+=("$pid")
  eval "pid_$name=$pid"
  for _ in $(seq 1 200); do
    grep -q '^ready' "$tmpd/$name" 2>/dev/null && return 0
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  hard_error "$name ($*) did not get ready: $(head -n 1 "$tmpd/$name.err")"
}

# stop PID: ends one process started with bg and waits for it.
stop() {
  kill "$1" 2>/dev/null
  wait "$1" 2>/dev/null
}

# --- the namespaces ------------------------------------------------------
# own: this one.  The generator brings lo up in each namespace before the
# listener needs it.
bg own_gen "$SOCKGEN" --hold 200 established=3 close_wait=2 time_wait=4
bg own_lis "$LISTENER" "$PORT" 3

ip netns add "$named" || hard_error "ip netns add $named failed"
bg named_gen ip netns exec "$named" "$SOCKGEN" --hold 200 fin_wait1=2 syn_recv=2 established=1
bg named_lis ip netns exec "$named" "$LISTENER" "$PORT" 1
bg named_closing ip netns exec "$named" "$CLOSING" -t 200 2

bg proc_gen unshare -n "$SOCKGEN" --hold 200 last_ack=2 syn_sent=1
# timeout's child is the generator, exec'd by unshare in the new namespace.
proc_pid=$(cat /proc/"$pid_proc_gen"/task/*/children | awk '{ print $1 }')
[ -n "$proc_pid" ] || hard_error "no generator under timeout pid $pid_proc_gen"
proc_path=/proc/$proc_pid/ns/net
bg proc_lis nsenter --net="$proc_path" "$LISTENER" "$PORT" 2

touch "$bind" && unshare --net="$bind" true || hard_error "cannot bind-mount a namespace on $bind"
timeout 30 nsenter --net="$bind" "$SOCKGEN" --hold 0 time_wait=5 >"$tmpd/bind_gen" 2>&1 ||
  hard_error "generator in $bind: $(cat "$tmpd/bind_gen")"
bg bind_hold "$NSHOLD" "$bind" "$PORT" 2

# The namespace to be deleted while tcpdeck runs: sockets made by a
# process that is gone by then, so nothing but its name holds it.
ip netns add "$gone" || hard_error "ip netns add $gone failed"
timeout 30 ip netns exec "$gone" "$SOCKGEN" --hold 0 time_wait=2 >"$tmpd/gone_gen" 2>&1 ||
  hard_error "generator in $gone: $(cat "$tmpd/gone_gen")"

keys="own named proc bind"
declare -A path enter ino want_name
path[own]=/proc/$$/ns/net
path[named]=/run/netns/$named
path[proc]=$proc_path
path[bind]=$bind
for k in $keys; do
  ino[$k]=$(stat -L -c %i "${path[$k]}") || hard_error "stat ${path[$k]}"
  enter[$k]="nsenter --net=${path[$k]}"
done
enter[named]="ip netns exec $named"
gone_ino=$(stat -L -c %i "/run/netns/$gone")

# A namespace held by processes is named after the lowest pid inside.
lowest_pid() {
  local want=$1 p best=""
  for p in $(ls /proc | grep -E '^[0-9]+$' | sort -n); do
    if [ "$(stat -L -c %i "/proc/$p/ns/net" 2>/dev/null)" = "$want" ]; then
      best=$p
      break
    fi
  done
  echo "$best"
}
p=$(lowest_pid "${ino[own]}")
want_name[own]="pid $p ($(cat /proc/"$p"/comm))"
p=$(lowest_pid "${ino[proc]}")
want_name[proc]="pid $p ($(cat /proc/"$p"/comm))"
want_name[named]=$named
want_name[bind]="netns:[${ino[bind]}]"
for k in $keys; do echo "$k: inode ${ino[$k]}, expected name '${want_name[$k]}'"; done
[ "$(lowest_pid "${ino[bind]}")" = "" ] || hard_error "a process is inside the bind-mounted namespace"

# ns_obj JSON INODE: the element of the "namespaces" array with that inode.
ns_obj() {
  printf '%s\n' "$1" | sed 's/{"netns": /\n&/g' | grep -E "\"inode\": $2([,} ]|\$)" | head -n 1
}
# ns_name OBJ: its "netns" string.
ns_name() {
  printf '%s\n' "$1" | sed -n 's/^{"netns": "\(\([^"\\]\|\\.\)*\)".*/\1/p'
}
# ns_names JSON: the names in the "namespaces" array of one sample line.
# Names, not inodes, tell whether a namespace is there: the kernel hands a
# freed namespace's inode to the next one made, and the tests running
# beside this one make and free namespaces all the time.
ns_names() {
  printf '%s\n' "$1" | sed 's/{"netns": /\n&/g' | while IFS= read -r obj; do
    ns_name "$obj"
  done | sed '/^$/d'
}
# ns_list JSON: the inodes in the "namespaces" array of one sample line.
ns_list() {
  printf '%s\n' "$1" | sed 's/{"netns": /\n&/g' | sed -n 's/^{"netns": .*"inode": \([0-9]*\).*/\1/p'
}
# counts_in KEY: ss_counts (lib.sh) inside namespace KEY.
counts_in() {
  timeout 20 ${enter[$1]} ss -tan state all | awk 'NR > 1 { print $1 }' | while read -r s; do
    ss_state_name "$s"
  done | sort | uniq -c | awk '{ print $2 "=" $1 }'
}

# --- 1. counts per namespace --------------------------------------------
declare -A before after
stable=""
for attempt in 1 2 3 4 5; do
  for k in $keys; do before[$k]=$(counts_in "$k"); done
  json=$(timeout 60 "$TCPDECK" -b -n 1 -o json --netns all 2>"$tmpd/err")
  rc=$?
  for k in $keys; do after[$k]=$(counts_in "$k"); done
  same=yes
  for k in $keys; do [ "${before[$k]}" = "${after[$k]}" ] || same=""; done
  if [ -n "$same" ]; then
    stable=yes
    break
  fi
  echo "sockets moved during attempt $attempt, sampling again"
  sleep 0.2
done
[ -n "$stable" ] || hard_error "socket counts never held still for one sample"
[ $rc -eq 0 ] && pass "--netns all: exit 0" || fail "--netns all: exit $rc: $(cat "$tmpd/err")"
[ ! -s "$tmpd/err" ] && pass "--netns all: nothing on stderr" || fail "--netns all stderr: $(cat "$tmpd/err")"
[[ "$json" == *'"namespaces": ['* ]] || fail "no namespaces array: $json"

for k in $keys; do
  obj=$(ns_obj "$json" "${ino[$k]}")
  if [ -z "$obj" ]; then
    fail "$k (inode ${ino[$k]}) is not in the namespaces array: $json"
    continue
  fi
  echo "ss in $k: $(echo ${before[$k]})"
  echo "tcpdeck:  $obj"
  name=$(ns_name "$obj")
  if [ "$name" != "${want_name[$k]}" ] && [[ "$name" =~ ^pid\ ([0-9]+)\  ]] &&
    [[ "${want_name[$k]}" =~ ^pid\ ([0-9]+)\  ]] &&
    [ "$(sed -E 's/^pid ([0-9]+) .*/\1/' <<<"$name")" -lt "${BASH_REMATCH[1]}" ] &&
    ! [ -e "/proc/$(sed -E 's/^pid ([0-9]+) .*/\1/' <<<"$name")" ]; then
    # After pids wrap around, a process that lived only while tcpdeck ran
    # (the timeout around it, tcpdeck itself) can be the lowest pid.
    pass "$k is named '$name', a process gone since, lower than '${want_name[$k]}'"
  else
    [ "$name" = "${want_name[$k]}" ] && pass "$k is named '$name'" ||
      fail "$k is named '$name', expected '${want_name[$k]}'"
  fi
  total_ss=0
  bad=""
  for state in $STATES; do
    want=$(count_of "$state" "${before[$k]}")
    got=$(json_count "$state" "$obj")
    total_ss=$((total_ss + want))
    [ "$got" = "$want" ] || bad="$bad $state: tcpdeck '$got', ss $want;"
  done
  got_total=$(printf '%s\n' "$obj" | sed -n 's/.*"total": \([0-9]*\).*/\1/p')
  [ "$got_total" = "$total_ss" ] || bad="$bad total: tcpdeck '$got_total', ss $total_ss;"
  [ -z "$bad" ] && pass "$k: every state and the total ($total_ss) equal ss" ||
    fail "$k:$bad"
done
# The mixes differ as planned (what the namespaces are for).
for chk in "own CLOSE_WAIT" "own TIME_WAIT" "named FIN_WAIT1" "named SYN_RECV" "named CLOSING" \
  "proc LAST_ACK" "proc SYN_SENT" "bind TIME_WAIT"; do
  set -- $chk
  [ "$(count_of "$2" "${before[$1]}")" -gt 0 ] && pass "$1 holds $2" || fail "$1 has no $2: ${before[$1]}"
done
for k in own named proc bind; do
  [ "$(count_of LISTEN "${before[$k]}")" -gt 0 ] || fail "$k has no LISTEN"
done
[ "$(count_of LISTEN "${before[bind]}")" -eq 1 ] && [ "$(count_of ESTABLISHED "${before[bind]}")" -eq 4 ] &&
  pass "bind holds the outside process's listener and 2 connections" ||
  fail "bind: ${before[bind]}"

# --- 2. --who across namespaces -----------------------------------------
# ss's rows "STATE LOCAL REMOTE PID" for local port $PORT in namespace KEY.
# ss's rows "STATE LOCAL REMOTE PID COMM" (comm: 15 bytes at most).
ss_who_rows() {
  timeout 20 ${enter[$1]} ss -tanpH state all "sport = :$PORT" | while read -r state _ _ local peer users; do
    grep -o '("[^"]*",pid=[0-9]*' <<<"$users" | sed 's/^("\(.*\)",pid=\([0-9]*\)$/\2 \1/' |
      while read -r pid comm; do
        echo "$(ss_state_name "$state") $local $peer $pid $comm"
      done
  done | sort
}
who=$(timeout 60 "$TCPDECK" --who "$PORT" --netns all 2>"$tmpd/who.err")
rc=$?
# A namespace without a name is named by its lowest pid.  Once pids wrap
# around, a process of this script that lived only while --who ran (the
# timeout around it, tcpdeck itself) can be that pid.  So the label of
# each pid-named namespace is read back from the rows, whose owner (a
# listener that outlives the run) says which namespace they are in; it
# must name a pid no higher than the lowest one found before the run.
label_for() {
  local line lab rest owner
  while IFS= read -r line; do
    lab=$(sed -E 's/^(pid [0-9]+ \([^)]*\)).*/\1/' <<<"$line")
    rest=${line#"$lab"}
    owner=$(awk '{ print $1 }' <<<"$rest")
    [ "$(stat -L -c %i "/proc/$owner/ns/net" 2>/dev/null)" = "$1" ] && { echo "$lab"; return 0; }
  done < <(printf '%s\n' "$who" | grep -E '^pid [0-9]+ \(')
}
for k in own proc; do
  lab=$(label_for "${ino[$k]}")
  lab_pid=$(sed -E 's/^pid ([0-9]+) .*/\1/' <<<"$lab")
  want_pid=$(sed -E 's/^pid ([0-9]+) .*/\1/' <<<"${want_name[$k]}")
  if [ -n "$lab" ] && [ "$lab" != "${want_name[$k]}" ] && [ "$lab_pid" -lt "$want_pid" ]; then
    echo "--who named $k '$lab', a process that lived only while it ran, lower than '${want_name[$k]}'"
    want_name[$k]=$lab
  fi
done
echo "tcpdeck --who $PORT --netns all:"
echo "$who"
[ $rc -eq 0 ] && pass "--who $PORT --netns all: exit 0" || fail "--who --netns all: exit $rc: $(cat "$tmpd/who.err")"
# tcpdeck's rows for KEY: the lines naming its namespace, as "STATE LOCAL
# REMOTE PID COMM" (the pid is the first number, the state the first word
# in tcpdeck's state names, the endpoints the two ADDR:PORT words, the
# command the word after them: its base name cut to 15 bytes as the
# kernel cuts comm).
who_rows() {
  local name=$1
  printf '%s\n' "$who" | grep -F -- "$name" | awk -v states=" $STATES " -v name="$name" '
    { i = index($0, name)
      $0 = substr($0, 1, i - 1) " " substr($0, i + length(name))
      pid = ""; st = ""; n = 0
      for (i = 1; i <= NF; i++) {
        if (pid == "" && $i ~ /^[0-9]+$/) pid = $i
        if (st == "" && index(states, " " $i " ")) st = $i
        if (n < 2 && $i ~ /^(\[.*\]|[0-9.]+|\*):[0-9*]+$/) { ep[++n] = $i; last = i }
      }
      cmd = $(last + 1); sub(/.*\//, "", cmd); cmd = substr(cmd, 1, 15)
      if (pid != "" && st != "" && n == 2) print st, ep[1], ep[2], pid, cmd }' | sort
}
for k in own named proc bind; do
  want=$(ss_who_rows "$k")
  [ -n "$want" ] || hard_error "ss shows no owned socket on port $PORT in $k"
  got=$(who_rows "${want_name[$k]}")
  [ "$got" = "$want" ] && pass "--who in $k ('${want_name[$k]}'): $(wc -l <<<"$want") rows as ss -tanp" ||
    fail "--who in $k differs from ss -tanp:"$'\n'"ss:"$'\n'"$want"$'\n'"tcpdeck:"$'\n'"$got"
done

# --- 3. namespaces come and go while tcpdeck runs -----------------------
# The changes follow the samples, not the clock: a sample of every
# namespace of a busy host (or under a sanitizer) can take longer than the
# interval.
LIVE_N=16
timeout 600 "$TCPDECK" -b -d 0.2 -n $LIVE_N -o json --netns all >"$tmpd/live" 2>"$tmpd/live.err" &
live=$!
pids+=("$live")
# wait_lines N: until tcpdeck has printed N samples (or has ended).
wait_lines() {
  for _ in $(seq 1 6000); do
    [ "$(wc -l <"$tmpd/live")" -ge "$1" ] && return 0
    kill -0 "$live" 2>/dev/null || return 0
    sleep 0.1
  done
}
wait_lines 2
ip netns add "$fresh" || hard_error "ip netns add $fresh failed"
fresh_ino=$(stat -L -c %i "/run/netns/$fresh")
timeout 30 ip netns exec "$fresh" "$SOCKGEN" --hold 0 time_wait=3 >/dev/null 2>&1 ||
  hard_error "generator in $fresh failed"
made_at=$(date -u +%Y-%m-%dT%H:%M:%S.%3NZ)
wait_lines $(($(wc -l <"$tmpd/live") + 3))
ip netns del "$gone" || hard_error "ip netns del $gone failed"
gone_at=$(date -u +%Y-%m-%dT%H:%M:%S.%3NZ)
wait "$live"
rc=$?
[ $rc -eq 0 ] && pass "live --netns all: exit 0" || fail "live --netns all: exit $rc"
[ ! -s "$tmpd/live.err" ] && pass "live --netns all: nothing on stderr" ||
  fail "live --netns all stderr: $(head -n 3 "$tmpd/live.err")"
lines=$(wc -l <"$tmpd/live")
[ "$lines" -eq $LIVE_N ] && pass "live: $LIVE_N samples" || fail "live: $lines samples"
sample_time() { sed -n 's/^{"time": "\([^"]*\)".*/\1/p' <<<"$1"; }
first=$(head -n 1 "$tmpd/live")
ns_names "$first" | grep -qxF "$gone" && pass "first sample shows $gone" ||
  fail "first sample lacks $gone ($gone_ino)"
ns_names "$first" | grep -qxF "$fresh" && fail "first sample already shows $fresh" ||
  pass "first sample does not show $fresh yet"
after_made=0
after_gone=0
stale=0
missing=0
grace=""
while IFS= read -r line; do
  t=$(sample_time "$line")
  [ -n "$t" ] || { fail "sample without a time: ${line:0:100}"; continue; }
  list=$(ns_names "$line")
  if [[ "$t" > "$made_at" ]]; then
    after_made=$((after_made + 1))
    # One sample of grace: it may have started before the namespace was made.
    if [ $after_made -gt 1 ]; then
      grep -qxF "$fresh" <<<"$list" || missing=$((missing + 1))
    fi
  fi
  if [[ "$t" > "$gone_at" ]]; then
    after_gone=$((after_gone + 1))
    if [ -z "$grace" ]; then
      grace=done
    elif grep -qxF "$gone" <<<"$list"; then
      stale=$((stale + 1))
    fi
  fi
done <"$tmpd/live"
[ $after_made -ge 3 ] && [ $missing -eq 0 ] &&
  pass "$fresh appears in the $after_made samples after it was made" ||
  fail "$fresh missing from $missing of $after_made samples after it was made"
obj=$(ns_obj "$(tail -n 1 "$tmpd/live")" "$fresh_ino")
[ "$(ns_name "$obj")" = "$fresh" ] && pass "the new namespace is named $fresh" ||
  fail "the new namespace: '$obj'"
[ $after_gone -ge 3 ] && [ $stale -eq 0 ] &&
  pass "$gone absent from the $after_gone samples after its deletion" ||
  fail "$gone still shown in $stale of $after_gone samples after its deletion"

# --- 4. without privileges ----------------------------------------------
own_ino=${ino[own]}
json=$(timeout 60 setpriv --reuid=65534 --regid=65534 --clear-groups \
  "$TCPDECK" -b -n 1 -o json --netns all 2>"$tmpd/unpriv.err")
rc=$?
[ $rc -eq 0 ] && pass "unprivileged --netns all: exit 0" ||
  fail "unprivileged --netns all: exit $rc: $(cat "$tmpd/unpriv.err")"
list=$(ns_list "$json" | tr '\n' ' ')
[ "$list" = "$own_ino " ] && pass "unprivileged: only its own namespace ($own_ino)" ||
  fail "unprivileged: namespaces '$list', expected only $own_ino: $json"
notes=$( (cat "$tmpd/unpriv.err"; printf '%s\n' "$json") | grep -c 'CAP_SYS_ADMIN')
[ "$notes" -eq 1 ] && pass "unprivileged: one note about CAP_SYS_ADMIN" ||
  fail "unprivileged: $notes lines about CAP_SYS_ADMIN; stderr: $(cat "$tmpd/unpriv.err")"
[ "$(wc -l <"$tmpd/unpriv.err")" -le 1 ] || fail "unprivileged: more than one line on stderr"

finish

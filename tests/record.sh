#!/bin/bash
# record.sh - tcpdeck -w records what ss sees, and -r replays it.
#
# In a network namespace of its own: records real sockets (the socket
# generator, then a listener process added half-way) with
# `tcpdeck -b -w FILE`, while ss counts the states before, between and
# after; the replay (`tcpdeck -r FILE -b --view states -o json`) must show
# exactly ss's counts for every sample taken while the socket set held
# still, and one of the two sets for the samples around the change.  The
# listen view of the replay names the listener's process (owners come
# from the recording).  Also: `-w - | -r -` streaming, a recording cut
# short (every whole sample, then a note), a full disk (a private tmpfs:
# a clear error, the samples before kept) and an ss -D dump still read as
# such.  What needs no namespace is in record_files.sh (files that are
# not recordings, -w refusing to replace one) and record_replay.sh (a
# replay prints what the live run printed).
set -u
. "${TESTS_SRCDIR:-$(dirname "$0")}/lib.sh"
enter_private_netns "$@"
: "${LISTENER:?LISTENER must name the test listener program}"

dir=$(mktemp -d)
listener_pid=""
rec_pid=""
cleanup() {
  [ -n "$rec_pid" ] && kill_ours "$rec_pid"
  [ -n "$listener_pid" ] && kill_ours "$listener_pid"
  stop_sockgen
  wait 2>/dev/null
  rm -rf "$dir"
}
trap cleanup EXIT

# "STATE=N ..." of one JSON line of tcpdeck, in $STATES order.
json_counts() {
  local s out=""
  for s in $STATES; do out="$out $s=$(json_count "$s" "$1")"; done
  echo "${out# }"
}
# The same from ss_counts' output.
ss_line() {
  local s out=""
  for s in $STATES; do out="$out $s=$(count_of "$s" "$1")"; done
  echo "${out# }"
}

start_sockgen -46 listen=2 established=6 close_wait=2 time_wait=3 syn_recv=1 fin_wait1=1
echo "generator: $SOCKGEN_READY"

# --- a recording across a change of the socket set ----------------------
before=$(ss_line "$(ss_counts)")
# Samples recorded so far, read from the growing file itself.
recorded() { timeout 30 "$TCPDECK" -r "$dir/rec" -b 2>/dev/null | wc -l; }
timeout 60 "$TCPDECK" -b -w "$dir/rec" -n 24 -d 0.25 >/dev/null 2>"$dir/rec.err" &
rec_pid=$!
for _ in $(seq 1 100); do [ "$(recorded)" -ge 6 ] && break; sleep 0.1; done
[ "$(recorded)" -ge 6 ] || hard_error "the recording did not grow to 6 samples"
middle1=$(ss_line "$(ss_counts)")
"$LISTENER" 7100 3 >"$dir/listener.out" &
listener_pid=$!
for _ in $(seq 1 50); do grep -q ready "$dir/listener.out" && break; sleep 0.1; done
grep -q ready "$dir/listener.out" || hard_error "listener did not start"
middle2=$(ss_line "$(ss_counts)")
wait "$rec_pid"
rc=$?
rec_pid=""
after=$(ss_line "$(ss_counts)")
[ "$rc" = 0 ] && pass "recording ended normally" || fail "tcpdeck -w exited $rc: $(cat "$dir/rec.err")"
[ "$before" = "$middle1" ] || hard_error "sockets moved before the change: $before / $middle1"
[ "$middle2" = "$after" ] || hard_error "sockets moved after the change: $middle2 / $after"
[ "$before" != "$after" ] || hard_error "the listener changed nothing ss sees"
echo "ss before: $before"
echo "ss after:  $after"

replay=$(timeout 30 "$TCPDECK" -r "$dir/rec" -b --view states -o json 2>"$dir/replay.err")
rc=$?
[ "$rc" = 0 ] && pass "replay exited 0" || fail "replay exited $rc: $(cat "$dir/replay.err")"
[ -s "$dir/replay.err" ] && fail "replay of a whole recording complained: $(cat "$dir/replay.err")"
n=$(printf '%s\n' "$replay" | grep -c '"states"')
[ "$n" = 24 ] && pass "24 samples replayed" || fail "replayed $n samples, recorded 24"
first=$(json_counts "$(printf '%s\n' "$replay" | head -n 1)")
last=$(json_counts "$(printf '%s\n' "$replay" | tail -n 1)")
[ "$first" = "$before" ] && pass "first sample = ss before" || fail "first sample $first, ss $before"
[ "$last" = "$after" ] && pass "last sample = ss after" || fail "last sample $last, ss $after"
seen_before=0 seen_after=0 other=0
while read -r line; do
  c=$(json_counts "$line")
  if [ "$c" = "$before" ]; then seen_before=$((seen_before + 1))
  elif [ "$c" = "$after" ]; then seen_after=$((seen_after + 1))
  else other=$((other + 1)); echo "sample during the change: $c"
  fi
done <<<"$replay"
[ "$seen_before" -ge 3 ] && [ "$seen_after" -ge 3 ] && [ "$other" -le 1 ] &&
  pass "samples match ss: $seen_before before, $seen_after after, $other in between" ||
  fail "samples: $seen_before before, $seen_after after, $other other"
# Times are the recorded ones, in order.
times=$(printf '%s\n' "$replay" | sed -n 's/.*"time": "\([^"]*\)".*/\1/p' | sort -c && echo sorted)
[ "$times" = sorted ] && pass "sample times ascend" || fail "sample times out of order"

# Owners come from the recording: the listen view names the listener.
listen=$(timeout 30 "$TCPDECK" -r "$dir/rec" -b --view listen 2>&1 | grep ':7100 ' | tail -n 1)
if printf '%s\n' "$listen" | grep -qw "$listener_pid"; then
  pass "replayed listen view shows the listener's pid $listener_pid"
else
  fail "replayed listen view lacks pid $listener_pid on :7100: $listen"
fi
conns=$(timeout 30 "$TCPDECK" -r "$dir/rec" -b --view conns -o json 2>/dev/null | tail -n 1)
[ -n "$conns" ] && pass "conns view replays" || fail "conns view printed nothing"

# --- streaming: -w - | -r - ----------------------------------------------
now=$(ss_line "$(ss_counts)")
stream=$(timeout 30 "$TCPDECK" -b -w - -n 3 -d 0.2 | timeout 30 "$TCPDECK" -r - -b -o json)
n=$(printf '%s\n' "$stream" | grep -c '"states"')
[ "$n" = 3 ] && pass "3 samples streamed through a pipe" || fail "streamed $n samples: $stream"
bad=0
while read -r line; do [ "$(json_counts "$line")" = "$now" ] || bad=$((bad + 1)); done <<<"$stream"
[ "$bad" = 0 ] && pass "streamed samples = ss" || fail "$bad streamed samples differ from ss ($now)"
out=$(timeout 30 "$TCPDECK" -b -w - -n 2 -d 0.2 2>/dev/null | head -c 8 | od -An -c | tr -d ' \n')
[ "$out" = '211TDREC\r\n' ] && pass "-w - writes only the recording to stdout" ||
  fail "stdout of -w - starts with $out"

# --- a recording cut short -----------------------------------------------
size=$(stat -c %s "$dir/rec")
head -c $((size - 40)) "$dir/rec" >"$dir/cut"
cut_out=$(timeout 30 "$TCPDECK" -r "$dir/cut" -b -o json 2>"$dir/cut.err")
rc=$?
n=$(printf '%s\n' "$cut_out" | grep -c '"states"')
[ "$rc" = 0 ] && [ "$n" -ge 22 ] && [ "$n" -le 24 ] && pass "cut recording: $n whole samples replayed" ||
  fail "cut recording: exit $rc, $n samples"
grep -q "cut at byte\|without an end mark" "$dir/cut.err" && pass "cut noted: $(head -n 1 "$dir/cut.err")" ||
  fail "no note for the cut: $(cat "$dir/cut.err")"

# --- an ss -D dump is still read as one ---------------------------------------
ss -tan -D "$dir/ss.dump" state all >/dev/null 2>&1 || hard_error "ss -D failed"
ssd=$(timeout 30 "$TCPDECK" -r "$dir/ss.dump" -b -o json 2>&1)
total=$(printf '%s\n' "$ssd" | sed -n 's/.*"total": \([0-9]*\).*/\1/p')
want=$(ss -tanH state all | wc -l)
[ "$total" = "$want" ] && pass "an ss -D dump is still read as one ($total sockets)" ||
  fail "ss -D dump: tcpdeck says '$ssd', ss $want"

# --- a full disk: a private tmpfs of 64 KiB ----------------------------------
if unshare -m true 2>/dev/null; then
  mkdir "$dir/full"
  full=$(unshare -m bash -c '
    mount -t tmpfs -o size=64k none "$1" || exit 99
    timeout 60 "$2" -b -w "$1/rec" -n 600 -d 0.1 >/dev/null 2>"$3/err"
    echo "rc=$?"
    echo "err=$(cat "$3/err")"
    timeout 30 "$2" -r "$1/rec" -b -o json 2>"$3/replay.err" | grep -c "\"states\""
    echo "replay.err=$(cat "$3/replay.err")"
  ' _ "$dir/full" "$TCPDECK" "$dir")
  echo "$full"
  if printf '%s\n' "$full" | grep -q '^rc=1$' &&
    printf '%s\n' "$full" | grep -q '^err=.*No space left on device' &&
    [ "$(printf '%s\n' "$full" | sed -n 3p)" -ge 1 ] &&
    ! printf '%s\n' "$full" | grep -q 'cut at byte'; then
    pass "full disk: recording stopped with a clear error, whole samples kept"
  else
    fail "full disk: $full"
  fi
else
  fail "cannot create a mount namespace for the full-disk test"
fi

finish

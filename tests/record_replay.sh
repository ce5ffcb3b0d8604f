#!/bin/bash
# record_replay.sh - a replay prints what the live run printed, without
# root: tcpdeck records this host's sockets (whatever they are) at -d 0.2
# while printing them in one view and format, and the replay of the file
# must print the very same lines, "interval": 0.2 included (the interval
# the samples were taken at, not their measured spacing).  As an ordinary
# user the owners of other users' sockets are hidden, in both alike.
set -u
. "${TESTS_SRCDIR:-$(dirname "$0")}/lib.sh"

dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT

# --- a replay prints what the live run printed ------------------------------
# The live run prints and records the same samples at -d 0.2; replaying
# the file must print the same lines, "interval": 0.2 included (the
# interval the samples were taken at, not their measured spacing).
for spec in "states json" "states text" "states csv" "conns json" "listen text" \
  "counters json" "peers csv" "diagnoses json"; do
  set -- $spec
  timeout 30 "$TCPDECK" -b -d 0.2 -n 5 --view "$1" -o "$2" -w "$dir/live.rec" \
    >"$dir/live.out" 2>"$dir/live.err" || hard_error "live $spec: $(cat "$dir/live.err")"
  timeout 30 "$TCPDECK" -r "$dir/live.rec" -b --view "$1" -o "$2" >"$dir/replay.out" \
    2>"$dir/replay.err" || fail "replay $spec: $(cat "$dir/replay.err")"
  if [ -s "$dir/live.out" ] && diff -u "$dir/live.out" "$dir/replay.out" >"$dir/live.diff"; then
    pass "$spec: the replay prints the live run's $(wc -l <"$dir/live.out") lines"
  else
    fail "$spec: the replay differs from the live run:"
    head -n 20 "$dir/live.diff" >&2
  fi
done
n=$(grep -c '"interval": 0.2,' "$dir/live.out")
[ "$n" = 5 ] && pass "every diagnoses line says \"interval\": 0.2" ||
  fail "$n of 5 diagnoses lines say \"interval\": 0.2: $(head -c 300 "$dir/replay.out")"

finish

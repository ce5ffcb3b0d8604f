#!/bin/bash
# file_safety.sh - files tcpdeck writes as root in a directory other users
# can write to (sticky and world-writable, as /tmp) never follow a link
# another user planted, and whole files are whole.
#
# As nobody, in such a directory: symbolic links to a file of root's (and
# a dangling one) where -w, --summary, -v (the log), --textfile and the
# dashboard's saved summary (w in the test view; its name has the time
# in it, so links are planted for the next minute's names) will write.
# tcpdeck, as root, must refuse each in one line naming the link, leave
# the target as it was and create nothing through a dangling link.  A
# regular file of nobody's is replaced by a new one of root's (--summary,
# --textfile: a hard link to the old one keeps the old contents) or
# refused (the log, which appends).  No temporary file is left behind.
# A recording killed mid-run (SIGKILL) replays its whole samples.
set -u
. "${TESTS_SRCDIR:-$(dirname "$0")}/lib.sh"
[ "$(id -u)" = 0 ] || skip_test "needs root: the files are written as root, the links planted as nobody"
command -v setpriv >/dev/null || skip_test "setpriv (util-linux) is not installed"
enter_private_netns "$@"

dir=$(mktemp -d "${TMPDIR:-/tmp}/tcpdeck-filesafety.XXXXXX")
chmod 1777 "$dir"
pids=()
cleanup() {
  local p
  kill_ours "${pids[@]}"
  wait 2>/dev/null
  rm -rf "$dir"
}
trap cleanup EXIT
# A file of root's the links point to; outside the sticky directory.
mkdir "$dir/root-only" && chmod 755 "$dir/root-only"
victim="$dir/root-only/victim"
echo precious >"$victim"
as_nobody() { setpriv --reuid=nobody --regid=nogroup --clear-groups -- "$@"; }
as_nobody ln -s "$victim" "$dir/probe" 2>/dev/null || hard_error "nobody cannot write to $dir"
rm -f "$dir/probe"

victim_intact() {
  [ "$(cat "$victim")" = precious ] && [ "$(stat -c %U "$victim")" = root ] &&
    pass "$1: the link's target is untouched" || fail "$1: the target now holds: $(head -c 200 "$victim")"
}
# refused NAME RC_WANTED ERRFILE: tcpdeck refused in one line naming a link.
refused() {
  local name=$1 want=$2 rc=$3 err=$4
  if [ "$rc" = "$want" ] && grep -q "symbolic link" "$err"; then
    pass "$name: refused: $(grep -m1 "symbolic link" "$err")"
  else
    fail "$name: exit $rc (wanted $want): $(cat "$err")"
  fi
}

# ---------------------------------------------------------------- -w
as_nobody ln -s "$victim" "$dir/rec.tdr"
timeout 60 "$TCPDECK" -b -n 2 -d 0.1 -w "$dir/rec.tdr" >/dev/null 2>"$dir/err"
refused "-w over a planted link" 1 $? "$dir/err"
victim_intact "-w"
as_nobody ln -s "$dir/root-only/made-by-root" "$dir/dangling.tdr"
timeout 60 "$TCPDECK" -b -n 2 -d 0.1 -w "$dir/dangling.tdr" >/dev/null 2>"$dir/err"
refused "-w over a dangling link" 1 $? "$dir/err"
[ ! -e "$dir/root-only/made-by-root" ] && pass "-w: nothing created through a dangling link" ||
  fail "-w created the dangling link's target"
timeout 60 "$TCPDECK" -b -n 2 -d 0.1 -w "$dir/new.tdr" >/dev/null 2>"$dir/err" &&
  [ "$(timeout 30 "$TCPDECK" -r "$dir/new.tdr" -b | wc -l)" -ge 2 ] &&
  pass "-w to a new name records" || fail "-w to a new name: $(cat "$dir/err")"

# A recording killed mid-run keeps its whole samples.
# (-n bounds it; it is killed long before.)
"$TCPDECK" -b -n 600 -d 0.1 -w "$dir/killed.tdr" >/dev/null 2>"$dir/killed.err" &
rec_pid=$!
for _ in $(seq 1 100); do
  [ "$(stat -c %s "$dir/killed.tdr" 2>/dev/null || echo 0)" -gt 2000 ] && break
  sleep 0.1
done
kill -KILL "$rec_pid" 2>/dev/null
wait "$rec_pid" 2>/dev/null
n=$(timeout 30 "$TCPDECK" -r "$dir/killed.tdr" -b 2>"$dir/err" | wc -l)
[ "$n" -ge 1 ] && pass "a recording killed mid-run replays $n whole samples" ||
  fail "a recording killed mid-run replays nothing: $(cat "$dir/err")"

# ----------------------------------------------------------- --summary
as_nobody ln -s "$victim" "$dir/sum.json"
timeout 60 "$TCPDECK" -b -n 2 -d 0.1 --summary "$dir/sum" >/dev/null 2>"$dir/err"
refused "--summary over a planted link" 1 $? "$dir/err"
victim_intact "--summary"
# A regular file of nobody's, hard-linked under another name: replaced by
# a new file of root's; the other name keeps nobody's contents.
as_nobody sh -c "echo nobodys >'$dir/sum2.json' && ln '$dir/sum2.json' '$dir/sum2-other'"
timeout 60 "$TCPDECK" -b -n 2 -d 0.1 --summary "$dir/sum2" >/dev/null 2>"$dir/err"
rc=$?
if [ "$rc" = 0 ] && [ "$(stat -c %U "$dir/sum2.json")" = root ] &&
  grep -q '^{' "$dir/sum2.json" && [ "$(cat "$dir/sum2-other")" = nobodys ]; then
  pass "--summary replaces another user's file by a new one; its hard link keeps the old contents"
else
  fail "--summary over nobody's file: exit $rc, $(stat -c %U "$dir/sum2.json"), $(head -c 100 "$dir/sum2-other")"
fi
tail -c 2 "$dir/sum2.json" | grep -q '}' && grep -q . "$dir/sum2.txt" &&
  pass "--summary: both files whole" || fail "--summary: a file is not whole"

# ------------------------------------------------------------------ -v
as_nobody ln -s "$victim" "$dir/log"
timeout 60 "$TCPDECK" -b -n 1 -v "$dir/log" >/dev/null 2>"$dir/err"
refused "-v over a planted link" 2 $? "$dir/err"
victim_intact "-v"
as_nobody sh -c "echo nobodys >'$dir/log2'"
timeout 60 "$TCPDECK" -b -n 1 -v "$dir/log2" >/dev/null 2>"$dir/err"
rc=$?
[ "$rc" = 2 ] && [ "$(cat "$dir/log2")" = nobodys ] && pass "-v does not append to another user's file" ||
  fail "-v into nobody's file: exit $rc: $(cat "$dir/err")"
timeout 60 "$TCPDECK" -b -n 1 -v "$dir/log3" >/dev/null 2>"$dir/err" &&
  timeout 60 "$TCPDECK" -b -n 1 -v "$dir/log3" >/dev/null 2>>"$dir/err" &&
  [ "$(stat -c %U "$dir/log3")" = root ] && pass "-v creates its log and appends to it" ||
  fail "-v to a new name: $(cat "$dir/err")"

# ----------------------------------------------------------- --textfile
as_nobody ln -s "$victim" "$dir/metrics.prom"
timeout 60 "$TCPDECK" -b -n 1 --textfile "$dir/metrics.prom" >/dev/null 2>"$dir/err"
refused "--textfile over a planted link" 1 $? "$dir/err"
victim_intact "--textfile"
timeout 60 "$TCPDECK" -b -n 2 -d 0.1 --textfile "$dir/ok.prom" >/dev/null 2>"$dir/err" &&
  grep -q '^tcpdeck_sockets' "$dir/ok.prom" && pass "--textfile writes a whole exposition" ||
  fail "--textfile to a new name: $(cat "$dir/err")"

# ------------------------------------------ the dashboard's saved summary
if command -v tmux >/dev/null; then
  tmux_dashboard_setup tcpdeck-filesafety
  trap 'tmux_dashboard_cleanup; cleanup' EXIT
  now=$(date +%s)
  for s in $(seq 0 90); do
    t=$(date -d "@$((now + s))" +%Y%m%d-%H%M%S)
    as_nobody ln -s "$victim" "$dir/tcpdeck-test-$t.json"
    as_nobody ln -s "$victim" "$dir/tcpdeck-test-$t.txt"
  done
  tm new-session -d -s tui -x 120 -y 30 -c "$dir" "env LANG=C.UTF-8 TERM=screen $TCPDECK -d 0.2"
  wait_screen 'ESTABLISHED' || hard_error "the dashboard did not start: $(screen)"
  wait_screen 'last sample' || fail "no sample in the dashboard: $(screen | head -n 3)"
  tm send-keys -t tui m
  wait_screen 'test started' || fail "m did not mark a test: $(screen | tail -n 3)"
  tm send-keys -t tui 7
  wait_screen '^ *TEST|test|Test' || true
  tm send-keys -t tui w
  wait_screen 'symbolic link' && pass "the dashboard's w refuses a planted link: $(screen | grep -m1 'symbolic link')" ||
    fail "the dashboard's w: $(screen | tail -n 3)"
  victim_intact "the dashboard's w"
  tm send-keys -t tui q
else
  fail "tmux is not installed: the dashboard's saved summary was not checked"
fi

# Nothing half-written is left: no temporary file of ours in the directory.
left=$(find "$dir" -name '.*.tmp-*' | head -n 3)
[ -z "$left" ] && pass "no temporary file left behind" || fail "left behind: $left"
finish

#!/bin/bash
# record_files.sh - what -r and -w do with files, without root: a
# checked-in recording cut short replays its whole samples and says where
# it was cut; random bytes and a recording of a newer format version are
# refused in one line; -r - and -w - need -b (the dashboard owns the
# terminal); -w refuses to replace a file that is not a recording and
# replaces an older recording.
set -u
. "${TESTS_SRCDIR:-$(dirname "$0")}/lib.sh"
rec="${TESTS_SRCDIR:-$(dirname "$0")}/data/recordings/stress.tdr"
[ -r "$rec" ] || hard_error "no recording $rec"

dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT

# --- a recording cut short -----------------------------------------------
whole=$(timeout 30 "$TCPDECK" -r "$rec" -b -o json | grep -c '"states"')
[ "$whole" -ge 10 ] || hard_error "the recording replays $whole samples"
size=$(stat -c %s "$rec")
head -c $((size - 40)) "$rec" >"$dir/cut"
cut_out=$(timeout 30 "$TCPDECK" -r "$dir/cut" -b -o json 2>"$dir/cut.err")
rc=$?
n=$(printf '%s\n' "$cut_out" | grep -c '"states"')
[ "$rc" = 0 ] && [ "$n" -ge $((whole - 2)) ] && [ "$n" -le "$whole" ] &&
  pass "cut recording: $n of $whole samples replayed" || fail "cut recording: exit $rc, $n samples"
grep -q "cut at byte\|without an end mark" "$dir/cut.err" && pass "cut noted: $(head -n 1 "$dir/cut.err")" ||
  fail "no note for the cut: $(cat "$dir/cut.err")"
[ "$(printf '%s\n' "$cut_out" | head -n "$n")" = "$(timeout 30 "$TCPDECK" -r "$rec" -b -o json | head -n "$n")" ] &&
  pass "the samples before the cut are the recorded ones" || fail "samples before the cut differ"

# --- files that are not recordings -------------------------------------------
head -c 4096 /dev/urandom >"$dir/random"
timeout 30 "$TCPDECK" -r "$dir/random" -b >/dev/null 2>"$dir/random.err"
rc=$?
[ "$rc" = 1 ] && [ "$(wc -l <"$dir/random.err")" = 1 ] && pass "random bytes: $(cat "$dir/random.err")" ||
  fail "random bytes: exit $rc, $(cat "$dir/random.err")"
printf '\211TDREC\r\n\006\000\000\000\031\000\000\000' >"$dir/v6"
head -c 64 /dev/zero >>"$dir/v6"
timeout 30 "$TCPDECK" -r "$dir/v6" -b >/dev/null 2>"$dir/v6.err"
rc=$?
[ "$rc" = 1 ] && grep -q "version 6" "$dir/v6.err" && pass "newer version: $(cat "$dir/v6.err")" ||
  fail "newer version: exit $rc, $(cat "$dir/v6.err")"

# The dashboard owns the terminal's stdin and stdout: no recording there.
timeout 10 "$TCPDECK" -r - </dev/null >/dev/null 2>"$dir/opt.err"
[ $? = 2 ] && grep -q "needs -b" "$dir/opt.err" && pass "-r - without -b: $(cat "$dir/opt.err")" ||
  fail "-r - without -b: $(cat "$dir/opt.err")"
timeout 10 "$TCPDECK" -w - </dev/null >/dev/null 2>"$dir/opt.err"
[ $? = 2 ] && grep -q "needs -b" "$dir/opt.err" && pass "-w - without -b: $(cat "$dir/opt.err")" ||
  fail "-w - without -b: $(cat "$dir/opt.err")"

# --- -w keeps what is not a recording ----------------------------------------
echo precious >"$dir/notes.txt"
timeout 30 "$TCPDECK" -b -w "$dir/notes.txt" -n 1 >/dev/null 2>"$dir/ow.err"
rc=$?
[ "$rc" = 1 ] && [ "$(cat "$dir/notes.txt")" = precious ] && pass "refused to replace notes.txt: $(cat "$dir/ow.err")" ||
  fail "-w over an unrelated file: exit $rc, content $(cat "$dir/notes.txt")"
cat "$rec" >"$dir/rec" # a copy we may write, also from a read-only tree
timeout 30 "$TCPDECK" -b -w "$dir/rec" -n 2 -d 0.2 >/dev/null 2>&1 &&
  [ "$(timeout 30 "$TCPDECK" -r "$dir/rec" -b | wc -l)" = 2 ] &&
  pass "an older recording is replaced" || fail "could not replace an older recording"

finish

#!/bin/bash
# columns_noproc.sh - a listing without owner columns does not read /proc.
#
# Under strace, in a network namespace of its own with a listener and its
# connections: `tcpdeck -b --view conns --columns state,local,remote
# FILTER` (and the same for the listen view) opens no process's
# directory: no /proc itself, no /proc/PID/fd, /proc/PID/stat, and reads
# no descriptor link.  The same commands with a pid column do (the check
# can fail), and find the listener's pid.
set -u
. "${TESTS_SRCDIR:-$(dirname "$0")}/lib.sh"
: "${LISTENER:?LISTENER must name the test listener program}"
command -v strace >/dev/null 2>&1 ||
  skip_test "strace is not installed (tools/install-deps installs it)"
enter_private_netns "$@"

work=$(mktemp -d "${TMPDIR:-/tmp}/tcpdeck-noproc.XXXXXX") || hard_error "mktemp failed"
listener=""
cleanup() {
  [ -n "$listener" ] && kill_ours "$listener"
  wait 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT

: >"$work/ready"
"$LISTENER" 9200 2 >>"$work/ready" &
listener=$!
for _ in $(seq 1 50); do
  grep -q ready "$work/ready" && break
  sleep 0.1
done
grep -q ready "$work/ready" || hard_error "listener did not start"
# LeakSanitizer cannot run under ptrace; leaks are checked elsewhere.
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0"

# traced NAME ARGS...: tcpdeck -b -n 1 ARGS under strace; its output in
# $work/NAME.out, the file system calls of every thread in $work/NAME.trace.
traced() {
  local name=$1
  shift
  timeout 120 strace -f -qq -o "$work/$name.trace" \
    -e trace=open,openat,openat2,readlink,readlinkat,newfstatat,statx \
    "$TCPDECK" -b -n 1 "$@" >"$work/$name.out" 2>"$work/$name.err" ||
    hard_error "tcpdeck $* under strace failed: $(head -n 3 "$work/$name.err")"
}

# proc_reads NAME: the calls that look into processes' directories.
proc_reads() {
  grep -E '"/proc"|"/proc/[0-9]+|"[0-9]+/(fd|stat|cmdline|status|limits)|^[0-9]+ readlinkat\(' \
    "$work/$1.trace" || true
}

check() {
  local what=$1 without=$2 with=$3 reads
  reads=$(proc_reads "$without")
  [ -s "$work/$without.trace" ] || hard_error "strace wrote nothing for $what"
  if [ -z "$reads" ]; then
    pass "$what without owner columns: no process directory opened ($(wc -l <"$work/$without.trace") calls traced)"
  else
    fail "$what without owner columns reads /proc:"$'\n'"$(head -n 5 <<<"$reads")"
  fi
  if grep -Eq '"[0-9]+/fd"|"/proc/[0-9]+/fd"' "$work/$with.trace"; then
    pass "$what with a pid column: /proc/PID/fd read"
  else
    fail "$what with a pid column read no /proc/PID/fd (is the check blind?)"
  fi
  grep -qw "$listener" "$work/$with.out" && pass "$what with a pid column names pid $listener" ||
    fail "$what with a pid column: $(cat "$work/$with.out")"
}

traced conns_without --view conns --columns state,local,remote 'sport = :9200'
traced conns_with --view conns --columns state,local,remote,pid 'sport = :9200'
[ "$(grep -c ':9200' "$work/conns_without.out")" = 3 ] &&
  pass "conns: the listener and its 2 connections listed" ||
  fail "conns listing: $(cat "$work/conns_without.out")"
check "conns" conns_without conns_with

traced listen_without --view listen --columns local,estab
traced listen_with --view listen --columns local,estab,pid
grep -Eq '^127\.0\.0\.1:9200 +2$' "$work/listen_without.out" &&
  pass "listen: the listener with 2 connections" ||
  fail "listen listing: $(cat "$work/listen_without.out")"
check "listen" listen_without listen_with

finish

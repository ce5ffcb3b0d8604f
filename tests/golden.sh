#!/bin/bash
# golden.sh - every batch view in every format, replayed from a checked-in
# recording, compared with a checked-in expected output.  Needs no root.
#
# Each case below replays tests/data/recordings/REC with
# `tcpdeck -r REC -b ARGS` and compares standard output (and, for the
# test summary, the files --summary saves) with tests/golden/NAME.*; a
# mismatch prints the diff.  What could depend on this machine is pinned:
# TZ=UTC, LC_ALL=C, no terminal, an empty HOME and XDG_CONFIG_HOME (no
# user tcpdeck.conf); everything else (host, times, owners, counters)
# comes from the recording.
#
# When output changes on purpose, rewrite the expected files and review
# what changed:
#   tests/golden.sh --update      (or: make golden-update)
# which writes into the source tree and shows `git diff --stat`.
set -u
update=false
if [ "${1:-}" = --update ]; then
  update=true
  shift
fi
srcdir=${TESTS_SRCDIR:-$(cd "$(dirname "$0")" && pwd)}
. "$srcdir/lib.sh"
recs="$srcdir/data/recordings"
golden="$srcdir/golden"

# NAME|RECORDING|ARGS (word-split; no quoting needed in these); a line
# starting with # is a comment.  A new golden is one line here: add it,
# run `tests/golden.sh --update`, review and commit tests/golden/NAME.
#
# Network namespaces: netns.tdr, a recording of format version 4 made
# with --netns all (tools/make-recordings), carries its namespace table,
# so its replay shows the namespaces view and the netns fields without any
# option: the cases at the end.  The cases before them, which replay
# recordings without namespaces, prove that outputs without a table stay
# byte for byte as they were.
cases='
states.text|stress.tdr|--view states -o text
states.json|stress.tdr|--view states -o json
states.csv|stress.tdr|--view states -o csv
states-v1.json|basic-v1.tdr|--view states -o json
states-filter.text|stress.tdr|--view states -o text state time-wait state close-wait
listen.text|stress.tdr|--view listen -o text
listen.json|stress.tdr|--view listen -o json
listen.csv|stress.tdr|--view listen -o csv
listen-basic.text|basic.tdr|--view listen -o text -n 2
conns.text|basic.tdr|--view conns -o text -n 2
conns.json|basic.tdr|--view conns -o json -n 2
conns.csv|basic.tdr|--view conns -o csv -n 2
conns-sorted.text|stress.tdr|--view conns -o text -s rtt:desc -n 3
conns-filter.csv|stress.tdr|--view conns -o csv -n 12 state close-wait
counters.text|stress.tdr|--view counters -o text -n 32
counters.json|stress.tdr|--view counters -o json -n 32
counters.csv|stress.tdr|--view counters -o csv -n 32
peers.text|basic.tdr|--view peers -o text --top 5 -n 3
peers.json|basic.tdr|--view peers -o json --top 5 -n 3
peers.csv|basic.tdr|--view peers -o csv --top 5 -n 3
peers-stress.text|stress.tdr|--view peers -o text --top 3 -s close-wait -n 35
diagnoses.text|stress.tdr|--view diagnoses -o text
diagnoses.json|stress.tdr|--view diagnoses -o json
diagnoses.csv|stress.tdr|--view diagnoses -o csv
summary.text|stress.tdr|--mark --summary SUMMARY -o text
summary.json|stress.tdr|--mark --summary SUMMARY -o json
summary-view.text|stress.tdr|--view summary -o text
summary-view.json|stress.tdr|--view summary -o json
summary-csv.text|stress.tdr|--mark --view states -o csv -n 3
namespaces.text|netns.tdr|--view namespaces -o text -n 3
namespaces.json|netns.tdr|--view namespaces -o json -n 3
namespaces.csv|netns.tdr|--view namespaces -o csv -n 3
states-netns.json|netns.tdr|--view states -o json -n 2
states-netns.text|netns.tdr|--view states -o text -n 2
conns-netns.text|netns.tdr|--view conns -o text -s netns -n 1
conns-netns.json|netns.tdr|--view conns -o json -n 1
conns-netns.csv|netns.tdr|--view conns -o csv -n 1
conns-netns-filter.text|netns.tdr|--view conns -o text -n 1 sport = :9000
listen-netns.text|netns.tdr|--view listen -o text -n 1
listen-netns.json|netns.tdr|--view listen -o json -n 1
peers-netns.text|netns.tdr|--view peers -o text --top 5 -n 2
'

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir "$work/home"
run_case() { # NAME REC ARGS...: stdout into $work/NAME, saved summaries beside
  local name=$1 rec=$2 a args=()
  shift 2
  for a in "$@"; do
    [ "$a" = SUMMARY ] && a="$work/$name.summary"
    args+=("$a")
  done
  (cd "$work" && env -i PATH="$PATH" TZ=UTC LC_ALL=C HOME="$work/home" \
    XDG_CONFIG_HOME="$work/home/.config" TERM=dumb \
    timeout 60 "$TCPDECK" -r "$recs/$rec" -b "${args[@]}") \
    <&- >"$work/$name" 2>"$work/$name.err"
}

names=()
n=0
while IFS='|' read -r name rec args; do
  [ -n "$name" ] || continue
  case $name in \#*) continue ;; esac
  n=$((n + 1))
  # shellcheck disable=SC2086 # ARGS are words
  run_case "$name" "$rec" $args
  rc=$?
  if [ "$rc" != 0 ]; then
    fail "$name: tcpdeck exited $rc: $(head -n 3 "$work/$name.err")"
    continue
  fi
  [ -s "$work/$name.err" ] && fail "$name: tcpdeck wrote to stderr: $(head -n 3 "$work/$name.err")"
  [ -s "$work/$name" ] || fail "$name: no output"
  files=("$name")
  for ext in json txt; do
    [ -e "$work/$name.summary.$ext" ] && files+=("$name.summary.$ext")
  done
  case $name in
    summary.*) [ "${#files[@]}" = 3 ] || fail "$name: --summary did not save .json and .txt" ;;
  esac
  for f in "${files[@]}"; do
    names+=("$f")
    if $update; then
      mkdir -p "$golden"
      cp "$work/$f" "$golden/$f"
    elif [ ! -e "$golden/$f" ]; then
      fail "$f: no expected output tests/golden/$f (run tests/golden.sh --update)"
    elif diff -u "$golden/$f" "$work/$f" >"$work/diff"; then
      pass "$f ($(wc -l <"$work/$f") lines)"
    else
      fail "$f differs from tests/golden/$f:"
      head -n 60 "$work/diff" >&2
    fi
  done
done <<<"$cases"

# Expected files no case writes any more are stale.
for f in "$golden"/*; do
  [ -e "$f" ] || continue
  b=$(basename "$f")
  [ "$b" = README ] && continue
  found=false
  for x in "${names[@]}"; do [ "$x" = "$b" ] && found=true; done
  if ! $found; then
    if $update; then rm -f "$f"; else fail "tests/golden/$b belongs to no case"; fi
  fi
done

if $update; then
  echo "rewrote ${#names[@]} expected files of $n cases in $golden"
  git -C "$srcdir/.." diff --stat -- tests/golden 2>/dev/null
  git -C "$srcdir/.." status --short -- tests/golden 2>/dev/null | grep '^??' || true
  finish
fi
[ "$n" -ge 20 ] || hard_error "only $n golden cases ran"
finish

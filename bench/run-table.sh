#!/bin/sh
# bench/run-table.sh - the connection table at 100,000 sockets: how long the
# dashboard's table view takes to draw and to answer keys, and what one
# filtered batch sample costs next to ss with the same filter.
#
# Usage (as root, from the build directory):  bench/run-table.sh [SIZES...]
#   SIZES    approximate socket counts, default "100000" (arguments or env)
#   TCPDECK  default ./tcpdeck
#   SOCKGEN  default ./bench/tcpdeck-sockgen
#   CPUTIME  default ./bench/cputime
#   REPS     default 5 (medians of the batch CPU times are taken over these)
#   KEYS     default 50: key presses sent to the dashboard, one every 0.3 s
#   LOGDIR   if set, the dashboard's debug log is kept there
#            (run-table-SIZE.log)
#   DASHBOARD  default 1; 0 skips part 2 (the dashboard), and tmux is then
#            not needed
#
# For each size, three namespaces in turn are filled with tcpdeck-sockgen
# --widen-ports (about 70% ESTABLISHED, 20% TIME_WAIT, 10% CLOSE_WAIT and
# FIN_WAIT2, a few LISTEN, as in run.sh). Each part gets a fresh one because
# TIME_WAIT sockets last only 60 s; no rep starts later than TW_BUDGET_S
# after the sockets are ready.
#
# 1. Batch filtering. The expressions are `state established`,
#    `dport = :P`, `src 127.0.0.1 and sport > :40000` and
#    `exclude time-wait ( sport = :P or dport = :P )`, where P is the
#    listening port with the most connections, plus no filter for
#    reference. For each, it first checks that the total of
#    `tcpdeck -b -n 1 --view states -o json EXPR` equals the line count of
#    `ss -tanH EXPR`, then alternates REPS times between those two, each
#    under cputime, output to /dev/null. Then, in a second namespace, for
#    information, `tcpdeck -b -n 1 --view conns -o csv EXPR` (about a second
#    a run at 100,000 sockets: it would not fit in the first). The
#    expressions are passed as separate words, as a shell passes them
#    unquoted (ss understands "state" and "exclude" only as words of their
#    own, before the conditions).
# 2. The dashboard. `tcpdeck -d 0.5 -n 40 -v LOG` runs in a detached tmux
#    (200x50) inside a third namespace. After the first sample the script
#    presses 3 (the connection table) and, once the table is built, sends
#    KEYS key presses, one every 0.3 s, cycling through Down, PgDn, >, Down,
#    I, Home, "/ state established Enter", End, "/ Enter" (no filter), PgDn,
#    <, Up. From the debug log it reports the frames of the conns view
#    (rebuilt: re-filter, re-sort and draw; draw only), the key latencies
#    tcpdeck logs, and, from the script's own clock, the time from sending a
#    key press to tcpdeck logging its answer.
#
# It owns everything it creates: the namespaces, the generator (by pid) and
# the tmux server (by its own socket name) are removed on exit.
#
# Filter expressions and stats lines are split into words on purpose:
# shellcheck disable=SC2086,SC2046

set -u

TCPDECK=${TCPDECK:-./tcpdeck}
SOCKGEN=${SOCKGEN:-./bench/tcpdeck-sockgen}
CPUTIME=${CPUTIME:-./bench/cputime}
REPS=${REPS:-5}
KEYS=${KEYS:-50}
SIZES=${SIZES:-100000}
LOGDIR=${LOGDIR:-}
DASHBOARD=${DASHBOARD:-1}
READY_TIMEOUT_S=120
# No rep starts later than this after the sockets are ready (TIME_WAIT: 60 s).
TW_BUDGET_S=45
UI_SAMPLES=40
UI_DELAY=0.5
KEY_GAP=0.3
# The dashboard runs UI_SAMPLES x UI_DELAY (20 s) plus start-up.
UI_TIMEOUT_S=90
UI_FILTER="state established"
ME=bench/run-table.sh
. "$(dirname "$0")/lib.sh"

ns=""
gen_pid=""
tmux_sock="tcpdeck-table-$$"
tmux_up=""
work=$(mktemp -d "${TMPDIR:-/tmp}/tcpdeck-table.XXXXXX") || exit 1

cleanup() {
  if [ -n "$tmux_up" ]; then
    tmux -L "$tmux_sock" kill-server 2>/dev/null
    tmux_up=""
  fi
  stop_generator
  drop_namespace
}
trap 'cleanup; rm -rf "$work"' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

require_tools
case $DASHBOARD in 0 | 1) ;; *) die "DASHBOARD must be 0 or 1" ;; esac
[ "$DASHBOARD" = 0 ] || command -v tmux >/dev/null 2>&1 ||
  die "tmux not found (the dashboard part needs it; DASHBOARD=0 skips that part)"
case $REPS in '' | *[!0-9]*) die "REPS must be a positive number" ;; esac
[ "$REPS" -ge 1 ] || die "REPS must be a positive number"
case $KEYS in '' | *[!0-9]*) die "KEYS must be a number" ;; esac
[ -z "$LOGDIR" ] || [ -d "$LOGDIR" ] || die "LOGDIR $LOGDIR is not a directory"
"$TCPDECK" --help 2>&1 | grep -q -- --view ||
  die "$TCPDECK has no --view option (no connection table to measure)"

# Expressions are split into words on purpose; no globbing of ( or *.
set -f

[ $# -gt 0 ] || set -- $SIZES

# The script's clock for the key round trip: seconds with a fraction.
e2e=yes
case $(date +%s.%N) in *N*) e2e="" ;; esac

# stats FILE: "count median p90 max" of the numbers in FILE (p90 by nearest
# rank), "0 - - -" if there are none.
stats() {
  sort -g "$1" | awk '{ v[NR] = $1 }
    END { if (NR == 0) { print "0 - - -"; exit }
          m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
          k = int(0.9 * NR); if (k < 0.9 * NR) k++
          printf "%d %.2f %.2f %.2f\n", NR, m, v[k], v[NR] }'
}

# measure NAME CMD...: runs CMD under cputime in the namespace and appends
# its CPU seconds to $work/NAME.cpu.
measure() {
  name=$1
  shift
  ip netns exec "$ns" "$CPUTIME" "$@" </dev/null >/dev/null 2>"$work/err"
  rc=$?
  [ $rc -eq 0 ] ||
    die "$* failed in $ns (exit $rc): $(grep -v '^cputime:' "$work/err" | head -n 1)"
  line=$(grep '^cputime:' "$work/err" | tail -n 1)
  [ -n "$line" ] || die "no cputime line for $*"
  echo "$line" | sed -n 's/.* cpu=\([0-9.]*\) .*/\1/p' >>"$work/$name.cpu"
}

# fill SIZE TAG: creates namespace tcpdeck-table-<pid>-TAG-SIZE, fills it
# with the generator (bounded wait for its ready line) and sets $total.
fill() {
  # The mix of run.sh: 20% TIME_WAIT, 10% in close_wait pairs, a few
  # LISTEN, the rest ESTABLISHED pairs; the generator adds its own
  # listeners, so the real total comes from its ready line.
  tw=$(($1 / 5))
  cw=$(($1 / 20))
  ls=4
  est=$((($1 - tw - 2 * cw - ls) / 2))
  ns="tcpdeck-table-$$-$2-$1"
  ip netns add "$ns" || die "cannot create namespace $ns"
  : >"$work/ready"
  ip netns exec "$ns" "$SOCKGEN" --widen-ports --hold 600 \
    listen=$ls established=$est close_wait=$cw time_wait=$tw \
    >"$work/ready" 2>"$work/gen.err" &
  gen_pid=$!
  i=0
  while ! grep -q '^ready ' "$work/ready"; do
    if ! kill -0 "$gen_pid" 2>/dev/null; then
      wait "$gen_pid"
      rc=$?
      gen_pid=""
      die "socket generator failed (exit $rc): $(head -n 1 "$work/gen.err")"
    fi
    i=$((i + 1))
    [ $i -le $((READY_TIMEOUT_S * 10)) ] ||
      die "socket generator not ready after ${READY_TIMEOUT_S}s"
    sleep 0.1
  done
  ready_at=$(date +%s)
  total=$(sed -n 's/^ready //p' "$work/ready" | tr ' ' '\n' |
    awk -F= '{ n += $2 } END { print n }')
  note "size $1 ($2): $(sed -n 's/^ready //p' "$work/ready")"
}

# drop: stops the generator and deletes the namespace.
drop() {
  kill "$gen_pid" 2>/dev/null
  wait "$gen_pid" 2>/dev/null
  gen_pid=""
  ip netns del "$ns" || die "cannot delete namespace $ns"
  ns=""
}

# check_age SIZE WHAT: warns when the part took longer than TIME_WAIT lives
# or the socket count drifted from the generator's.
check_age() {
  seen=$(ip netns exec "$ns" ss -tanH | wc -l)
  elapsed=$(($(date +%s) - ready_at))
  note "size $1: $2 took ${elapsed}s after the sockets were ready"
  if [ "$seen" -ne "$total" ]; then
    note "warning: size $1: $2: ss sees $seen sockets at the end, expected $total" \
      "(TIME_WAIT lasts 60 s)"
  fi
}

# tcpdeck_total WORDS...: the total of one states-view sample.
tcpdeck_total() {
  ip netns exec "$ns" "$TCPDECK" -b -n 1 --view states -o json "$@" </dev/null 2>"$work/td.err" |
    sed -n 's/.*"total": *\([0-9]*\).*/\1/p' | head -n 1
}

# send_keys N: the Nth key press of the cycle, in one tmux client call.
send_keys() {
  t="tcpdeck-table"
  case $(($1 % 12)) in
  0 | 3) tmux -L "$tmux_sock" send-keys -t "$t" Down ;;
  1 | 9) tmux -L "$tmux_sock" send-keys -t "$t" NPage ;;
  2) tmux -L "$tmux_sock" send-keys -t "$t" '>' ;;
  4) tmux -L "$tmux_sock" send-keys -t "$t" I ;;
  5) tmux -L "$tmux_sock" send-keys -t "$t" Home ;;
  6) tmux -L "$tmux_sock" send-keys -t "$t" / C-u \; \
    send-keys -t "$t" -l "$UI_FILTER" \; send-keys -t "$t" Enter ;;
  7) tmux -L "$tmux_sock" send-keys -t "$t" End ;;
  8) tmux -L "$tmux_sock" send-keys -t "$t" / C-u Enter ;;
  10) tmux -L "$tmux_sock" send-keys -t "$t" '<' ;;
  11) tmux -L "$tmux_sock" send-keys -t "$t" Up ;;
  esac
}

# write_exprs SIZE: the expressions to compare, one a line, in
# $work/exprs. A port the generator used: the listening port with the most
# peers. The last line is empty: no filter, for reference (what the filter
# itself adds to a sample).
write_exprs() {
  ip netns exec "$ns" ss -tanH >"$work/ss-all" || die "ss -tan failed in $ns"
  port=$(awk '$1 == "LISTEN" { p = $4; sub(/.*:/, "", p); lis[p] = 1; next }
      { p = $5; sub(/.*:/, "", p); n[p]++ }
      END { best = ""; for (p in n) if ((p in lis) && (best == "" || n[p] > n[best])) best = p
            print best }' "$work/ss-all")
  [ -n "$port" ] || die "size $1: found no listening port with connections"
  note "size $1: the listening port with the most connections: $port"
  printf '%s\n' "state established" "dport = :$port" "src 127.0.0.1 and sport > :40000" \
    "exclude time-wait ( sport = :$port or dport = :$port )" "" >"$work/exprs"
}

# in_budget SIZE WHAT DONE: whether another rep may start: always the
# first, then only while the sockets have been ready less than
# TW_BUDGET_S, so that the last rep ends before TIME_WAIT sockets expire.
in_budget() {
  [ "$3" -eq 0 ] && return 0
  [ $(($(date +%s) - ready_at)) -lt "$TW_BUDGET_S" ] && return 0
  note "warning: size $1: $2: only $3 of $REPS reps fit in ${TW_BUDGET_S}s" \
    "(TIME_WAIT lasts 60 s); the medians are of $3"
  return 1
}

# log_lines: how many lines the dashboard's debug log has.
log_lines() {
  wc -l <"$work/ui.log" 2>/dev/null || echo 0
}

rows_batch=""
rows_frames=""
rows_keys=""
rows_sampler=""

for size in "$@"; do
  case $size in '' | *[!0-9]*) die "size '$size' is not a number" ;; esac
  [ "$size" -ge 1000 ] || die "size $size is too small (minimum 1000)"

  # ---- 1. batch filtering, tcpdeck vs ss ----
  fill "$size" batch
  write_exprs "$size"
  rm -f "$work"/*.cpu

  # Counts first, while no TIME_WAIT socket can have expired. ss before and
  # after tcpdeck: if those differ, the sockets changed under the check.
  k=0
  while IFS= read -r expr; do
    k=$((k + 1))
    s1=$(ip netns exec "$ns" ss -tanH $expr 2>"$work/ss.err" </dev/null | wc -l)
    [ -s "$work/ss.err" ] && die "ss rejects '$expr': $(head -n 1 "$work/ss.err")"
    td=$(tcpdeck_total $expr)
    [ -n "$td" ] || die "tcpdeck rejects '$expr': $(head -n 1 "$work/td.err")"
    s2=$(ip netns exec "$ns" ss -tanH $expr </dev/null | wc -l)
    if [ "$s1" -ne "$s2" ]; then
      check="unstable (ss $s1 then $s2)"
      note "warning: size $size: '$expr': the sockets changed during the check" \
        "(ss $s1, tcpdeck $td, ss $s2)"
    elif [ "$td" -ne "$s1" ]; then
      check="MISMATCH: tcpdeck $td"
      note "warning: size $size: '$expr': tcpdeck's states view counts $td sockets," \
        "ss -tanH prints $s1 lines"
    else
      check="equal"
    fi
    echo "$s1" >"$work/count.$k"
    echo "$check" >"$work/check.$k"
    note "size $size: '${expr:-(no filter)}': ss $s1, tcpdeck $td"
  done <"$work/exprs"
  cp "$work/exprs" "$work/exprs.batch"
  batch_total=$total

  r=0
  while [ $r -lt "$REPS" ] && in_budget "$size" "batch" $r; do
    k=0
    while IFS= read -r expr; do
      k=$((k + 1))
      measure "states.$k" "$TCPDECK" -b -n 1 --view states -o json $expr
      measure "ss.$k" ss -tanH $expr
    done <"$work/exprs"
    r=$((r + 1))
  done
  reps_batch=$r
  note "size $size: $r batch reps done"
  check_age "$size" "the batch part"
  drop

  # The conns view with owners costs about a second a run at 100,000
  # sockets, too much to fit in the same 60 s: a namespace of its own,
  # the same expressions with its own busiest port. No run without filter.
  fill "$size" conns
  write_exprs "$size"
  r=0
  while [ $r -lt "$REPS" ] && in_budget "$size" "conns CSV" $r; do
    k=0
    while IFS= read -r expr; do
      k=$((k + 1))
      [ -n "$expr" ] && measure "conns.$k" "$TCPDECK" -b -n 1 --view conns -o csv $expr
    done <"$work/exprs"
    r=$((r + 1))
  done
  reps_conns=$r
  note "size $size: $r conns CSV reps done"
  check_age "$size" "the conns CSV part"
  drop

  k=0
  while IFS= read -r expr; do
    k=$((k + 1))
    st=$(median "$work/states.$k.cpu")
    sc=$(median "$work/ss.$k.cpu")
    if [ -n "$expr" ]; then
      label="\`$expr\`"
      cc=$(ms "$(median "$work/conns.$k.cpu")")
    else
      label="(none, for reference)"
      cc=""
    fi
    rows_batch="$rows_batch| $batch_total | $label | $(cat "$work/count.$k") | $reps_batch | $(ms "$st") |"
    rows_batch="$rows_batch $(ms "$sc") | $(ratio "$st" "$sc") | $(cat "$work/check.$k") | ${cc:+$cc ($reps_conns)} |
"
  done <"$work/exprs.batch"

  # ---- 2. the dashboard's connection table ----
  [ "$DASHBOARD" = 0 ] && continue
  fill "$size" ui
  rm -f "$work/ui.log" "$work/ui.cpu" "$work/sent"
  : >"$work/sent"
  ip netns exec "$ns" tmux -L "$tmux_sock" -f /dev/null new-session -d -s tcpdeck-table \
    -x 200 -y 50 \
    "$CPUTIME $TCPDECK -d $UI_DELAY -n $UI_SAMPLES -v $work/ui.log 2>$work/ui.cpu" ||
    die "cannot start tmux"
  tmux_up=yes
  # Bounded waits: the first sample, then, after pressing 3, the first
  # table built from it. The key presses start from there.
  i=0
  while ! grep -q ' sample: ' "$work/ui.log" 2>/dev/null; do
    i=$((i + 1))
    [ $i -le 300 ] || die "size $size: the dashboard took no sample in 30 s"
    [ -s "$work/ui.cpu" ] && die "size $size: the dashboard exited: $(head -n 2 "$work/ui.cpu")"
    sleep 0.1
  done
  tmux -L "$tmux_sock" send-keys -t tcpdeck-table 3
  i=0
  while ! grep -q 'view conns, [1-9][0-9]* rows, rebuilt' "$work/ui.log"; do
    i=$((i + 1))
    [ $i -le 300 ] || die "size $size: no table of the conns view 30 s after pressing 3"
    [ -s "$work/ui.cpu" ] && die "size $size: the dashboard exited: $(head -n 2 "$work/ui.cpu")"
    sleep 0.1
  done
  from=$(log_lines)
  n=0
  while [ $n -lt "$KEYS" ] && [ ! -s "$work/ui.cpu" ]; do
    [ -n "$e2e" ] && date +%s.%N >>"$work/sent"
    send_keys $n 2>/dev/null || break
    n=$((n + 1))
    sleep "$KEY_GAP"
  done
  note "size $size: sent $n key presses to the dashboard"
  i=0
  while ! grep -q '^cputime:' "$work/ui.cpu" 2>/dev/null; do
    i=$((i + 1))
    [ $i -le $((UI_TIMEOUT_S * 10)) ] ||
      { note "warning: size $size: the dashboard still runs after ${UI_TIMEOUT_S}s; stopped"; break; }
    sleep 0.1
  done
  tmux -L "$tmux_sock" kill-server 2>/dev/null
  tmux_up=""
  check_age "$size" "the dashboard part"

  line=$(grep '^cputime:' "$work/ui.cpu" 2>/dev/null)
  st=$(echo "$line" | sed -n 's/.* status=\([0-9]*\).*/\1/p')
  [ "${st:-1}" = 0 ] || note "warning: size $size: the dashboard ended badly: $(head -n 3 "$work/ui.cpu")"
  [ -s "$work/ui.log" ] || die "size $size: no debug log from the dashboard"
  if [ -n "$LOGDIR" ]; then
    cp "$work/ui.log" "$LOGDIR/run-table-$size.log" &&
      note "size $size: the dashboard's debug log is in $LOGDIR/run-table-$size.log"
  fi

  # Frames of the conns view, by kind. "Full" rebuilt frames are those with
  # at least 90% of the generator's sockets as rows.
  min_rows=$((total * 9 / 10))
  rm -f "$work"/f.* "$work"/r.*
  awk -v min="$min_rows" -v dir="$work" '
    /ui: frame drawn in .* view conns/ {
      t = $0; sub(/.*frame drawn in /, "", t); sub(/ ms.*/, "", t)
      r = $0; sub(/.*view conns, /, "", r); sub(/ rows.*/, "", r)
      kind = ($0 ~ /, rebuilt$/) ? (r + 0 >= min ? "full" : "part") : "plain"
      print t > (dir "/f." kind); print r > (dir "/r." kind)
    }' "$work/ui.log"
  for kind in full part plain; do
    [ -f "$work/f.$kind" ] || : >"$work/f.$kind"
    [ -f "$work/r.$kind" ] || : >"$work/r.$kind"
  done
  for kind in full part plain; do
    set -- $(stats "$work/f.$kind")
    rmin=$(sort -n "$work/r.$kind" | head -n 1)
    rmax=$(sort -n "$work/r.$kind" | tail -n 1)
    case $kind in
    full) label="rebuilt, >= 90% of the sockets" ;;
    part) label="rebuilt, fewer rows (filtered)" ;;
    plain) label="draw only" ;;
    esac
    rows_frames="$rows_frames| $total | $label | $1 | ${rmin:--}..${rmax:--} | $2 | $3 | $4 |
"
  done
  full_n=$(wc -l <"$work/f.full")
  if [ "$full_n" -eq 0 ]; then
    note "warning: size $size: no rebuilt frame had $min_rows rows or more" \
      "(largest: $(sort -n "$work/r.part" | tail -n 1))"
  fi

  # Key latency as tcpdeck logs it, counted from the first key press sent.
  tail -n +$((from + 1)) "$work/ui.log" |
    sed -n 's/.*ui: key answered in \([0-9.]*\) ms.*/\1/p' >"$work/keys"
  set -- $(stats "$work/keys")
  keys_row="| $total | $1 | $2 | $3 | $4 |"
  # Round trip from the script's clock: for each send, the last answer
  # logged before the next send.
  if [ -n "$e2e" ] && [ -s "$work/sent" ]; then
    tail -n +$((from + 1)) "$work/ui.log" | grep 'ui: key answered' |
      awk '{ print $1 }' >"$work/answered"
    # For each press: the last answer logged before the next press, or, if
    # there is none (the press waited and was answered together with a
    # later one), the first answer after it. Log times are truncated to ms.
    awk 'NR == FNR { s[++ns] = $1; next } { a[++na] = $1 }
      END {
        for (i = 1; i <= ns; i++) {
          first = ""; last = ""
          for (j = 1; j <= na; j++) {
            if (a[j] + 0.001 < s[i]) continue
            if (first == "") first = a[j]
            if (i < ns && a[j] + 0.001 >= s[i + 1]) break
            last = a[j]
          }
          if (last == "") { last = first; if (first != "") late++ }
          if (last != "") printf "%.1f\n", (last - s[i]) * 1000
          else missing++
        }
        printf "%d %d\n", late, missing > "/dev/stderr"
      }' "$work/sent" "$work/answered" >"$work/rtt" 2>"$work/rtt.missing"
    set -- $(stats "$work/rtt")
    keys_row="$keys_row $n | $2 | $4 |"
    read -r late missing <"$work/rtt.missing"
    if [ "${late:-0}" -gt 0 ]; then
      note "warning: size $size: $late of $n key presses were answered only after the next" \
        "press was sent (${KEY_GAP} s later)"
    fi
    if [ "${missing:-0}" -gt 0 ]; then
      note "warning: size $size: $missing of $n key presses were never answered in the log"
    fi
  else
    keys_row="$keys_row $n | n/a | n/a |"
  fi
  rows_keys="$rows_keys$keys_row
"

  sed -n 's/.*sample: [0-9]* sockets in \([0-9.]*\) ms.*/\1/p' "$work/ui.log" >"$work/samples"
  set -- $(stats "$work/samples")
  smax=$(sed -n 's/.*sample: \([0-9]*\) sockets in.*/\1/p' "$work/ui.log" | sort -n | tail -n 1)
  missed=$(sed -n 's/.*ui: \([0-9]*\) sample(s) overwritten before.*/\1/p' "$work/ui.log" |
    awk '{ n += $1 } END { print n + 0 }')
  cpu=$(echo "$line" | sed -n 's/.* cpu=\([0-9.]*\) .*/\1/p')
  rss=$(echo "$line" | sed -n 's/.* maxrss_kib=\([0-9]*\) .*/\1/p')
  cpu_per=$(awk -v c="${cpu:-0}" -v n="$1" 'BEGIN { if (n > 0 && c > 0) printf "%.1f", c * 1000 / n; else print "n/a" }')
  rss_mib=$(awk -v k="${rss:-0}" 'BEGIN { if (k > 0) printf "%.1f", k / 1024; else print "n/a" }')
  rows_sampler="$rows_sampler| $total | $1 | ${smax:--} | $2 | $4 | $missed | $cpu_per | $rss_mib |
"
  drop
done

echo
echo "one filtered batch sample vs ss -tanH with the same filter: medians over the runs"
echo "(CPU = user + sys); matches = lines of ss -tanH; counts = tcpdeck's states-view total"
echo "against them. Last column, for information: the conns view as CSV, in a second"
echo "namespace of the same make-up (P is its own busiest port), median of (runs)"
echo
echo "| sockets | filter | matches | runs | tcpdeck --view states -o json CPU ms | ss -tanH CPU ms | tcpdeck/ss | counts | tcpdeck --view conns -o csv CPU ms |"
echo "|--------:|--------|--------:|-----:|------------------------------------:|----------------:|-----------:|--------|-----------------------------------:|"
printf '%s' "$rows_batch"
echo
if [ "$DASHBOARD" != 0 ]; then
echo "the connection table (view 3) in tmux 200x50, tcpdeck -d $UI_DELAY -n $UI_SAMPLES,"
echo "a key press every $KEY_GAP s: frame times from the debug log"
echo
echo "| sockets | frames | count | rows | median ms | p90 ms | max ms |"
echo "|--------:|--------|------:|-----:|----------:|-------:|-------:|"
printf '%s' "$rows_frames"
echo
echo "key latency: as tcpdeck logs it (key read to frame drawn), and from sending"
echo "the key press with tmux to tcpdeck logging its answer (the script's clock)"
echo
echo "| sockets | keys answered | median ms | p90 ms | max ms | presses sent | send to answer median ms | send to answer max ms |"
echo "|--------:|--------------:|----------:|-------:|-------:|-------------:|-------------------------:|----------------------:|"
printf '%s' "$rows_keys"
echo
echo "the sampler meanwhile"
echo
echo "| sockets | samples | sockets per sample (max) | sample median ms | sample max ms | samples missed | CPU ms per sample | peak RSS MiB |"
echo "|--------:|--------:|-------------------------:|-----------------:|--------------:|---------------:|------------------:|-------------:|"
printf '%s' "$rows_sampler"
echo
fi
echo "kernel: $(uname -srm)"
echo "date: $(date -u '+%Y-%m-%d %H:%M UTC')"
echo "ss: $(ss -V 2>&1 | head -n 1)"

#!/bin/sh
# bench/run-columns.sh - a filtered connection listing without owner
# columns next to `ss -tan` with the same filter, at 100,000 sockets.
#
# Usage (as root, from the build directory):  bench/run-columns.sh [SIZE]
#   SIZE     approximate socket count, default 100000
#   TCPDECK  default ./tcpdeck
#   SOCKGEN  default ./bench/tcpdeck-sockgen
#   CPUTIME  default ./bench/cputime
#   REPS     default 7 (medians are taken over these)
#   PROCS    default 50: processes holding the sockets
#   OWNERS   default 0; 1 adds reference rows with owners: tcpdeck's
#            default columns next to `ss -tanp`, which takes about 20 s of
#            CPU a run at 100,000 sockets of 50 processes
#
# A namespace is filled with tcpdeck-sockgen --widen-ports --procs PROCS:
# about 80% ESTABLISHED pairs, 20% CLOSE_WAIT/FIN_WAIT2 pairs and a few
# LISTEN.  There is no TIME_WAIT (it lasts only 60 s), so the set holds
# still for the whole run.  For each expression, `state established`,
# `dport = :P`, `src 127.0.0.1 and sport > :40000`,
# `exclude close-wait ( sport = :P or dport = :P )` (P: the listening
# port with the most connections) and none, it first checks that
#   tcpdeck -b -n 1 --view conns -H --columns state,recv-q,send-q,local,remote EXPR
# prints as many lines as `ss -tanH EXPR`, then alternates REPS times
# between that command and `ss -tan EXPR` (the same five columns), each
# under cputime with output to /dev/null.  It prints the median CPU of
# each, user + system, and their ratio.  With OWNERS=1 the same is done
# for tcpdeck's default columns (with owners, rtt, ages) next to
# `ss -tanp EXPR`, which prints owners too.
#
# It owns everything it creates: the namespace and the generator (by
# pid) are removed on exit.
#
# Filter expressions are split into words on purpose:
# shellcheck disable=SC2086

set -u

TCPDECK=${TCPDECK:-./tcpdeck}
SOCKGEN=${SOCKGEN:-./bench/tcpdeck-sockgen}
CPUTIME=${CPUTIME:-./bench/cputime}
REPS=${REPS:-7}
PROCS=${PROCS:-50}
OWNERS=${OWNERS:-0}
SIZE=${1:-100000}
READY_TIMEOUT_S=180
COLUMNS=state,recv-q,send-q,local,remote
ME=bench/run-columns.sh
. "$(dirname "$0")/lib.sh"

ns=""
gen_pid=""
work=$(mktemp -d "${TMPDIR:-/tmp}/tcpdeck-columns.XXXXXX") || exit 1
trap 'stop_generator; drop_namespace; rm -rf "$work"' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

require_tools
case $REPS in '' | *[!0-9]*) die "REPS must be a positive number" ;; esac
[ "$REPS" -ge 1 ] || die "REPS must be a positive number"
case $SIZE in '' | *[!0-9]*) die "SIZE must be a number" ;; esac
[ "$SIZE" -ge 100 ] || die "SIZE $SIZE is too small (minimum 100)"
case $OWNERS in 0 | 1) ;; *) die "OWNERS must be 0 or 1" ;; esac
"$TCPDECK" --help 2>&1 | grep -q -- --columns || die "$TCPDECK has no --columns option"
set -f

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

cw=$((SIZE / 10))
est=$(((SIZE - 2 * cw - 4) / 2))
ns="tcpdeck-columns-$$"
ip netns add "$ns" || die "cannot create namespace $ns"
: >"$work/ready"
ip netns exec "$ns" "$SOCKGEN" --widen-ports --procs "$PROCS" --hold 1800 \
  listen=4 established=$est close_wait=$cw >"$work/ready" 2>"$work/gen.err" &
gen_pid=$!
i=0
until grep -q '^ready ' "$work/ready"; do
  kill -0 "$gen_pid" 2>/dev/null || die "socket generator failed: $(head -n 1 "$work/gen.err")"
  i=$((i + 1))
  [ $i -le $((READY_TIMEOUT_S * 10)) ] || die "socket generator not ready after ${READY_TIMEOUT_S}s"
  sleep 0.1
done
total=$(ip netns exec "$ns" ss -tanH | wc -l)
note "$total sockets: $(sed -n 's/^ready //p' "$work/ready")"

# The listening port with the most connections.
port=$(ip netns exec "$ns" ss -tanH state established |
  awk '{ n = split($3, a, ":"); c[a[n]]++ } END { for (p in c) if (c[p] > m) { m = c[p]; best = p } print best }')
[ -n "$port" ] || die "no established connection to find a port in"

rows=""
rows_owners=""
for expr in "state established" "dport = :$port" "src 127.0.0.1 and sport > :40000" \
  "exclude close-wait ( sport = :$port or dport = :$port )" ""; do
  label=${expr:-"(none)"}
  want=$(ip netns exec "$ns" ss -tanH $expr | wc -l)
  got=$(ip netns exec "$ns" "$TCPDECK" -b -n 1 --view conns -H --columns "$COLUMNS" $expr </dev/null |
    wc -l)
  [ "$got" -eq "$want" ] || die "'$label': tcpdeck lists $got sockets, ss -tanH $want"
  rm -f "$work"/*.cpu
  r=0
  while [ $r -lt "$REPS" ]; do
    measure td "$TCPDECK" -b -n 1 --view conns --columns "$COLUMNS" $expr
    measure ss ss -tan $expr
    if [ "$OWNERS" = 1 ]; then
      measure td_owners "$TCPDECK" -b -n 1 --view conns $expr
      measure ss_owners ss -tanp $expr
    fi
    r=$((r + 1))
  done
  td=$(median "$work/td.cpu")
  ss=$(median "$work/ss.cpu")
  note "'$label': $want sockets, tcpdeck $(ms "$td") ms, ss -tan $(ms "$ss") ms"
  rows="$rows| \`$label\` | $want | $(ms "$td") | $(ms "$ss") | $(ratio "$td" "$ss") |
"
  if [ "$OWNERS" = 1 ]; then
    tdo=$(median "$work/td_owners.cpu")
    sso=$(median "$work/ss_owners.cpu")
    rows_owners="$rows_owners| \`$label\` | $want | $(ms "$tdo") | $(ms "$sso") | $(ratio "$tdo" "$sso") |
"
  fi
done

echo
echo "$total sockets held by $PROCS processes; CPU = user + sys, median of $REPS runs"
echo "tcpdeck: tcpdeck -b -n 1 --view conns --columns $COLUMNS EXPR"
echo
echo "| filter | sockets listed | tcpdeck ms | ss -tan ms | ratio |"
echo "|--------|---------------:|-----------:|-----------:|------:|"
printf '%s' "$rows"
if [ "$OWNERS" = 1 ]; then
  echo
  echo "for reference, with owners: tcpdeck -b -n 1 --view conns EXPR (every column) vs ss -tanp EXPR"
  echo
  echo "| filter | sockets listed | tcpdeck ms | ss -tanp ms | ratio |"
  echo "|--------|---------------:|-----------:|------------:|------:|"
  printf '%s' "$rows_owners"
fi
echo
echo "kernel: $(uname -srm)"
echo "date: $(date -u '+%Y-%m-%d %H:%M UTC')"
echo "ss: $(ss -V 2>&1 | head -n 1)"

#!/bin/bash
# states_vs_ss.sh - tcpdeck's per-state counts equal ss's for the same
# sockets.
#
# Runs in a network namespace of its own, creates real sockets on loopback
# (IPv4 and IPv6) in LISTEN, SYN_SENT, SYN_RECV, ESTABLISHED, FIN_WAIT1,
# FIN_WAIT2, CLOSE_WAIT, LAST_ACK and TIME_WAIT, and compares
# `tcpdeck -b -n 1 -o json` with `ss -tan` state by state.
#
# How CLOSE is compared: the generator also binds sockets that neither
# listen nor connect.  Kernels >= 6.5 report those (TCP_BOUND_INACTIVE) only
# when asked; tcpdeck asks and counts them as CLOSE, ss 6.1 does not ask.
# So tcpdeck's CLOSE must equal ss's plus the number of bound sockets, and
# on a kernel older than 6.5 it must equal ss's alone.
set -u
. "${TESTS_SRCDIR:-$(dirname "$0")}/lib.sh"
enter_private_netns "$@"

BOUND=3
trap stop_sockgen EXIT
start_sockgen -46 listen=2 established=3 close_wait=2 time_wait=3 syn_recv=2 \
  syn_sent=2 fin_wait1=1 last_ack=1 bound=$BOUND
echo "generator: $SOCKGEN_READY"

kernel_reports_bound() {
  # Kernel 6.5 added TCP_BOUND_INACTIVE.
  local major minor
  IFS=. read -r major minor _ <<<"$(uname -r)"
  [ "$major" -gt 6 ] || { [ "$major" -eq 6 ] && [ "${minor%%[!0-9]*}" -ge 5 ]; }
}
bound_total=$((BOUND * 2)) # -46 makes every unit once per family
kernel_reports_bound || bound_total=0

# A sample is compared only when ss saw the same counts just before and
# just after it, so no timer firing in between can make the test flaky.
stable=""
for attempt in 1 2 3 4 5; do
  before=$(ss_counts)
  json=$("$TCPDECK" -b -n 1 -o json) || hard_error "tcpdeck -b failed"
  after=$(ss_counts)
  if [ "$before" = "$after" ]; then
    stable=yes
    break
  fi
  echo "sockets moved during attempt $attempt, sampling again"
  sleep 0.2
done
[ -n "$stable" ] || hard_error "socket counts never held still for one sample"

echo "ss:      $(echo $before)"
echo "tcpdeck: $json"

total_ss=0
for state in $STATES; do
  want=$(count_of "$state" "$before")
  [ "$state" = CLOSE ] && want=$((want + bound_total))
  got=$(json_count "$state" "$json")
  expected=$(count_of "$state" "${SOCKGEN_READY#ready }")
  if [ "$got" = "$want" ]; then
    pass "$state: tcpdeck $got = ss $want"
  else
    fail "$state: tcpdeck reports ${got:-nothing}, ss (adjusted) $want"
  fi
  # The generator's own expectation is a third witness.
  [ "$expected" = "$want" ] || fail "$state: generator expected $expected, ss shows $want"
  total_ss=$((total_ss + want))
done

total=$(printf '%s\n' "$json" | sed -n 's/.*"total": \([0-9]*\).*/\1/p')
[ "$total" = "$total_ss" ] && pass "total $total" || fail "total: tcpdeck $total, ss $total_ss"

# Each state the generator was asked for must really be there, on both
# families, or the comparison above proves little.
for state in LISTEN SYN_SENT SYN_RECV ESTABLISHED FIN_WAIT1 FIN_WAIT2 CLOSE_WAIT LAST_ACK TIME_WAIT; do
  [ "$(json_count "$state" "$json")" -gt 0 ] || fail "$state: no socket was created"
done
v4=$(ss -tan -4 | awk 'NR > 1' | wc -l)
v6=$(ss -tan -6 | awk 'NR > 1' | wc -l)
[ "$v4" -gt 0 ] && [ "$v6" -gt 0 ] && pass "IPv4 ($v4) and IPv6 ($v6) sockets present" ||
  fail "expected sockets of both families, got IPv4 $v4 and IPv6 $v6"

finish

#!/bin/bash
# diagnoses.sh - the diagnoses view against real sockets.
#
# In a network namespace of its own: a quiet namespace gives no findings;
# with the socket generator holding CLOSE_WAIT sockets, the close_wait
# finding names the process `ss -tanp` names for them (one of the
# generator's processes) and their count; a config file raises the
# threshold above them; a bad config file is refused with file:line; and
# --explain describes every state.
set -u
. "${TESTS_SRCDIR:-$(dirname "$0")}/lib.sh"
enter_private_netns "$@"

work=$(mktemp -d)
cleanup() {
  stop_sockgen
  rm -rf "$work"
}
trap cleanup EXIT
# No config file from the user running the tests.
export XDG_CONFIG_HOME="$work"

diagnoses() {
  timeout 30 "$TCPDECK" -b -n 3 -d 0.5 --view diagnoses -o json "$@"
}

# --- a quiet namespace -----------------------------------------------------
out=$(diagnoses) || fail "tcpdeck failed in a quiet namespace"
if [ "$(wc -l <<<"$out")" -eq 3 ] && [ "$(grep -c '"findings": \[\]}$' <<<"$out")" -eq 3 ]; then
  pass "quiet namespace: 3 samples, no findings"
else
  fail "quiet namespace gave:"$'\n'"$out"
fi

# --- CLOSE_WAIT held by the generator --------------------------------------
N=60 # above the default close_wait.min (50)
start_sockgen close_wait=$N
[ "$(count_of CLOSE_WAIT "$SOCKGEN_READY")" -eq "$N" ] ||
  hard_error "generator did not make $N CLOSE_WAIT: $SOCKGEN_READY"

# Ground truth: the processes ss names for the CLOSE_WAIT sockets.
ss_pids=$(ss -tanpH state close-wait | grep -o 'pid=[0-9]*' | cut -d= -f2 | sort -u)
[ "$(wc -w <<<"$ss_pids")" -eq 1 ] || hard_error "ss names pids '$ss_pids' for CLOSE_WAIT"
ss_count=$(ss -tanH state close-wait | wc -l)

out=$(diagnoses) || fail "tcpdeck failed with CLOSE_WAIT sockets"
[ "$(wc -l <<<"$out")" -eq 3 ] || fail "expected 3 samples, got:"$'\n'"$out"
for line in $(seq 1 3); do
  sample=$(sed -n "${line}p" <<<"$out")
  pid=$(grep -o '"key": "close_wait/pid:[0-9]*' <<<"$sample" | cut -d: -f3)
  pid_field=$(grep -o '"pid": [0-9]*, "process": "tcpdeck-sockgen"' <<<"$sample" | cut -d' ' -f2)
  if [ "$pid" = "$ss_pids" ] && [ "$pid_field" = "$ss_pids," ]; then
    pass "sample $line: close_wait names pid $pid, as ss does"
  else
    fail "sample $line: close_wait pid '$pid', ss says '$ss_pids': $sample"
  fi
  grep -q "\"title\": \"tcpdeck-sockgen (pid $ss_pids) holds $ss_count sockets in CLOSE_WAIT" \
    <<<"$sample" || fail "sample $line: title does not say $ss_count sockets: $sample"
  ids=$(grep -o '"id": "[a-z_0-9]*"' <<<"$sample" | sort -u | tr '\n' ' ')
  [ "$ids" = '"id": "close_wait" ' ] || fail "sample $line: unexpected findings: $ids"
done
# The pid is the generator's or one of its workers.
if [ "$ss_pids" = "$SOCKGEN_PID" ] ||
  [ "$(ps -o ppid= -p "$ss_pids" | tr -d ' ')" = "$SOCKGEN_PID" ]; then
  pass "pid $ss_pids belongs to the generator ($SOCKGEN_PID)"
else
  fail "pid $ss_pids is not the generator $SOCKGEN_PID nor its child"
fi
grep -q '"severity": "warning"' <<<"$out" || fail "close_wait is not a warning: $out"

# Text format: one line per finding.
text=$(timeout 30 "$TCPDECK" -b -n 1 --view diagnoses) || fail "text output failed"
if grep -q "^[0-9T:.Z-]* warning close_wait: tcpdeck-sockgen (pid $ss_pids) holds" <<<"$text"; then
  pass "text output: one close_wait line"
else
  fail "text output: $text"
fi

# --- thresholds from a config file ----------------------------------------
printf '# more than the generator holds\nclose_wait.min = %d\n' $((N + 1)) >"$work/high.conf"
out=$(diagnoses --config "$work/high.conf") || fail "tcpdeck failed with --config"
if [ "$(grep -c '"findings": \[\]}$' <<<"$out")" -eq 3 ]; then
  pass "close_wait.min = $((N + 1)) keeps $N CLOSE_WAIT quiet"
else
  fail "config threshold ignored:"$'\n'"$out"
fi
# The default file is read too.
mkdir -p "$work/tcpdeck"
cp "$work/high.conf" "$work/tcpdeck/tcpdeck.conf"
out=$(diagnoses) || fail "tcpdeck failed with the default config file"
[ "$(grep -c '"findings": \[\]}$' <<<"$out")" -eq 3 ] &&
  pass "\$XDG_CONFIG_HOME/tcpdeck/tcpdeck.conf is read" ||
  fail "default config file ignored:"$'\n'"$out"
rm "$work/tcpdeck/tcpdeck.conf"

# --- a bad config file -----------------------------------------------------
printf 'close_wait.min = 10\nclose_wiat.min = 5\n' >"$work/bad.conf"
err=$(timeout 30 "$TCPDECK" -b -n 1 --view diagnoses --config "$work/bad.conf" 2>&1 >/dev/null)
status=$?
if [ "$status" -eq 2 ] &&
  [ "$err" = "tcpdeck: $work/bad.conf:2: unknown key 'close_wiat.min'" ]; then
  pass "bad config refused with file:line (status 2)"
else
  fail "bad config: status $status, '$err'"
fi
err=$(timeout 30 "$TCPDECK" -b -n 1 --config "$work/missing.conf" 2>&1 >/dev/null)
status=$?
[ "$status" -eq 2 ] && grep -q "cannot read config file" <<<"$err" &&
  pass "missing --config file refused" || fail "missing config: status $status, '$err'"

# --- the state help page ---------------------------------------------------
explain=$("$TCPDECK" --explain) || fail "--explain failed"
missing=""
for s in $STATES; do
  grep -q "^$s (" <<<"$explain" || missing="$missing $s"
done
[ -z "$missing" ] && pass "--explain describes all 11 states" || fail "--explain lacks:$missing"

finish

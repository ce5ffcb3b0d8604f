#!/bin/bash
# prometheus_rules.sh - the files tcpdeck ships for Prometheus, Grafana and
# systemd (doc/prometheus/, doc/tcpdeck.service) are valid and speak of
# metrics tcpdeck exports.  Checked:
#   - `promtool check rules` on doc/prometheus/alerts.yml;
#   - `promtool test rules` on doc/prometheus/alerts_test.yml: every rule
#     fires on the series it is for, with its labels and annotations, and
#     stays silent on the others;
#   - every rule of alerts.yml has a test in alerts_test.yml;
#   - the Grafana dashboard is well-formed JSON with a datasource variable;
#   - every metric name in the rules and in the dashboard's queries is
#     one tcpdeck writes: in `tcpdeck -b -o prometheus -n 1` (live and
#     replaying a recording) or in the man page's list (catches renames);
#   - `systemd-analyze verify` on the unit, when systemd-analyze is
#     installed (that check alone is skipped otherwise, with the reason).
# Reads the files from the source tree, writes only to a temporary
# directory.  Needs promtool (tools/install-deps installs prometheus) and
# python3 or jq; no root.
set -u
. "${TESTS_SRCDIR:-$(dirname "$0")}/lib.sh"

srcdir=$(cd "${TESTS_SRCDIR:-$(dirname "$0")}/.." && pwd)
doc="$srcdir/doc"
rules="$doc/prometheus/alerts.yml"
rules_test="$doc/prometheus/alerts_test.yml"
dashboard="$doc/prometheus/grafana-dashboard.json"
unit="$doc/tcpdeck.service"

command -v promtool >/dev/null || skip_test "promtool is not installed (tools/install-deps installs prometheus)"
for f in "$rules" "$rules_test" "$dashboard" "$unit" "$doc/tcpdeck.1"; do
  [ -r "$f" ] || hard_error "missing $f"
done

dir=$(mktemp -d "${TMPDIR:-/tmp}/promrules-test.XXXXXX") || hard_error "cannot create a temporary directory"
trap 'rm -rf "$dir"' EXIT

# ---------------------------------------------------------------- rules
if promtool check rules "$rules" >"$dir/check.out" 2>&1; then
  pass "promtool check rules: $(grep -o '[0-9]* rules found' "$dir/check.out")"
else
  cat "$dir/check.out" >&2
  fail "promtool check rules $rules"
fi

# promtool reads the rule files relative to the test file: nothing is
# written beside them.
if promtool test rules "$rules_test" >"$dir/test.out" 2>&1; then
  pass "promtool test rules: $(tr -s ' \n' ' ' <"$dir/test.out")"
else
  cat "$dir/test.out" >&2
  fail "promtool test rules $rules_test"
fi

# A test for every rule: each alert name appears as an alertname tested
# with at least one expected alert (exp_alerts followed by a "- ").
alerts=$(sed -n 's/^ *- alert: *\([A-Za-z0-9_]*\).*/\1/p' "$rules" | sort -u)
[ -n "$alerts" ] || fail "no alert found in $rules"
for a in $alerts; do
  if awk -v a="$a" '
      $1 == "alertname:" && $2 == a { want = 1; next }
      want && /exp_alerts: *\[\]/ { want = 0; next }
      want && /exp_alerts:/ { getline; if ($1 == "-") found = 1; want = 0 }
      END { exit !found }' "$rules_test"; then
    :
  else
    fail "alert $a has no test that fires it in $(basename "$rules_test")"
  fi
  grep -q "alertname: $a\$" "$rules_test" || fail "alert $a is not tested"
done
pass "every alert has a firing test: $(echo $alerts | wc -w) alerts"

# ---------------------------------------------------------------- dashboard
if command -v python3 >/dev/null; then
  json_ok() { python3 -m json.tool "$1" >/dev/null; }
  # Every "expr" of every panel target, one a line.
  json_exprs() {
    python3 -c '
import json, sys
def walk(x):
    if isinstance(x, dict):
        for k, v in x.items():
            if k == "expr" and isinstance(v, str):
                print(v.replace("\n", " "))
            else:
                walk(v)
    elif isinstance(x, list):
        for v in x:
            walk(v)
walk(json.load(open(sys.argv[1])))' "$1"
  }
  json_get() { python3 -c 'import json, sys; d = json.load(open(sys.argv[1])); print(eval(sys.argv[2], {"d": d}))' "$1" "$2"; }
elif command -v jq >/dev/null; then
  json_ok() { jq empty "$1" >/dev/null; }
  json_exprs() { jq -r '.. | objects | select(has("expr")) | .expr | gsub("\n"; " ")' "$1"; }
  json_get() { jq -r "$3" "$1"; }
else
  skip_test "neither python3 nor jq is installed to read the dashboard's JSON"
fi

if json_ok "$dashboard"; then
  pass "dashboard is well-formed JSON"
  json_exprs "$dashboard" >"$dir/exprs"
  n_exprs=$(wc -l <"$dir/exprs")
  [ "$n_exprs" -ge 6 ] || fail "dashboard has $n_exprs queries, expected at least 6"
  grep -q 'instance=~\?"\$instance"' "$dir/exprs" || fail "dashboard queries do not use the instance variable"
  vars=$(json_get "$dashboard" '" ".join(v["name"] for v in d["templating"]["list"])' \
    '[.templating.list[].name] | join(" ")')
  case " $vars " in
    *" DS_PROMETHEUS "*) ;;
    *) fail "dashboard has no DS_PROMETHEUS datasource variable (has: $vars)" ;;
  esac
  case " $vars " in
    *" instance "*) ;;
    *) fail "dashboard has no instance variable (has: $vars)" ;;
  esac
  pass "dashboard: $n_exprs queries, variables $vars"
  # The queries parse as PromQL: promtool checks them as recording rules,
  # with Grafana's variables replaced by values.
  {
    echo "groups:"
    echo "  - name: dashboard"
    echo "    rules:"
    n=0
    while IFS= read -r e; do
      n=$((n + 1))
      e=${e//\$__rate_interval/5m}
      e=${e//\$instance/.*}
      e=${e//\$state/.*}
      e=${e//\'/\'\'}
      echo "      - record: dashboard:query$n"
      echo "        expr: '$e'"
    done <"$dir/exprs"
  } >"$dir/dashboard-rules.yml"
  if promtool check rules "$dir/dashboard-rules.yml" >"$dir/dash-check.out" 2>&1; then
    pass "dashboard queries are valid PromQL"
  else
    cat "$dir/dash-check.out" >&2
    fail "dashboard queries do not parse"
  fi
else
  fail "dashboard is not well-formed JSON"
  : >"$dir/exprs"
fi

# ---------------------------------------------------------------- metric names
# What tcpdeck writes: a live exposition (this host's sockets), one of a
# recording (listeners, processes, findings), and the man page's list
# (families a host may lack at the moment: listeners, counters of newer
# kernels, the process series).
known="$dir/known"
names_of_exposition() { grep -v '^#' | sed -n 's/^\([a-zA-Z_:][a-zA-Z0-9_:]*\).*/\1/p'; }
timeout 30 "$TCPDECK" -b -o prometheus -n 1 2>"$dir/live.err" | names_of_exposition >"$known" ||
  { cat "$dir/live.err" >&2; hard_error "tcpdeck -b -o prometheus -n 1 failed"; }
[ -s "$known" ] || hard_error "tcpdeck -b -o prometheus -n 1 wrote no metric"
rec="$srcdir/tests/data/recordings/basic.tdr"
if [ -r "$rec" ]; then
  timeout 30 "$TCPDECK" -r "$rec" -b -o prometheus -n 1 2>"$dir/rec.err" | names_of_exposition >>"$known" ||
    { cat "$dir/rec.err" >&2; fail "replaying $rec as prometheus failed"; }
fi
# The man page: ".BI tcpdeck_listen_backlog{addr,port,...}", ".B name",
# and the list of kernel counters after ".BI tcpdeck_tcp_ counter _total".
awk '
  /^\.SH PROMETHEUS/ { on = 1; next }
  /^\.SH / { on = 0 }
  !on { next }
  /^\.BI tcpdeck_tcp_ counter _total/ { counters = 1; next }
  /^\.TP/ { counters = 0 }
  counters && /^\.BR / {
    line = $0; sub(/^\.BR /, "", line); gsub(/"[^"]*"/, " ", line)
    n = split(line, w, /[ \t]+/)
    for (i = 1; i <= n; i++) if (w[i] ~ /^[a-z_0-9]+$/) print "tcpdeck_tcp_" w[i] "_total"
    next
  }
  /^\.BR? / || /^\.BI / {
    line = $0; sub(/^\.B[IR]? /, "", line)
    n = split(line, w, /[ \t",]+/)
    for (i = 1; i <= n; i++) { sub(/\{.*/, "", w[i]); if (w[i] ~ /^(tcpdeck|process)_[a-z_0-9]+$/) print w[i] }
  }' "$doc/tcpdeck.1" >>"$known"
sort -u -o "$known" "$known"
grep -qx 'tcpdeck_tcp_listen_overflows_total' "$known" ||
  fail "the man page's counter list did not parse (no tcpdeck_tcp_listen_overflows_total)"
grep -qx 'tcpdeck_listen_accept_queue' "$known" ||
  fail "the man page's metric list did not parse (no tcpdeck_listen_accept_queue)"

check_names() { # $1: what, stdin: text
  local used unknown=0 name
  used=$(grep -o '\b\(tcpdeck\|process\)_[a-z0-9_]*' | sort -u)
  [ -n "$used" ] || { fail "$1: no metric name found"; return; }
  for name in $used; do
    if ! grep -qx "$name" "$known"; then
      fail "$1 uses $name, which tcpdeck does not export (renamed?)"
      unknown=$((unknown + 1))
    fi
  done
  [ "$unknown" -eq 0 ] && pass "$1: all $(echo $used | wc -w) metric names are tcpdeck's"
}
# The rules' expressions (not the comments, which name functions and
# rules of tcpdeck's own).
sed -n '/^ *expr: |/,/^ *for:/p' "$rules" | grep -v '^ *\(expr\|for\):' | check_names "alerts.yml"
check_names "grafana-dashboard.json" <"$dir/exprs"

# ---------------------------------------------------------------- systemd unit
grep -q '^ExecStart=.*tcpdeck --serve 127.0.0.1:9791' "$unit" || fail "the unit does not run tcpdeck --serve 127.0.0.1:9791"
if command -v systemd-analyze >/dev/null; then
  # verify wants the ExecStart binary to exist: a copy of the unit runs
  # the tcpdeck just built instead of the installed one.
  sed "s|^ExecStart=[^ ]*tcpdeck |ExecStart=$TCPDECK |" "$unit" >"$dir/tcpdeck.service"
  if SYSTEMD_LOG_LEVEL=warning systemd-analyze verify --man=no "$dir/tcpdeck.service" >"$dir/verify.out" 2>&1 &&
    ! grep -v 'Failed to .*\(connect\|bus\)\|not running\|System has not been booted' "$dir/verify.out" | grep -q .; then
    pass "systemd-analyze verify: no warning"
  else
    cat "$dir/verify.out" >&2
    fail "systemd-analyze verify $unit"
  fi
else
  echo "skipped: systemd-analyze verify (systemd-analyze is not installed)"
fi

finish

#!/bin/bash
# tui_locales.sh - the dashboard in locales that are not UTF-8 draws the
# ASCII fallbacks: with LANG=C and with an ISO-8859-1 locale, no byte of
# any view on screen is outside ASCII (no block sparklines), the ASCII
# sparklines are drawn, and a UTF-8 locale still gets the blocks (so the
# check can tell).  The ISO-8859-1 locale is made with localedef in a
# temporary directory (LOCPATH), from the sources of package `locales`;
# without them the test is skipped, saying so.
set -u
. "${TESTS_SRCDIR:-$(dirname "$0")}/lib.sh"
: "${LISTENER:?LISTENER must name the test listener program}"
command -v tmux >/dev/null || skip_test "tmux is not installed (apt-get install tmux)"
enter_private_netns "$@"

# An ISO-8859-1 locale: an installed one, else one made here.
locdir=$(mktemp -d)
latin1=$(locale -a 2>/dev/null | grep -iE '\.(iso-?8859-?1)$' | head -1)
if [ -z "$latin1" ]; then
  command -v localedef >/dev/null || { rm -rf "$locdir"; skip_test "no ISO-8859-1 locale and no localedef (package libc-bin)"; }
  [ -e /usr/share/i18n/locales/en_US ] || { rm -rf "$locdir"; skip_test "no ISO-8859-1 locale, and localedef lacks its sources: install package locales (tools/install-deps)"; }
  if ! localedef -i en_US -f ISO-8859-1 "$locdir/en_US.ISO-8859-1" 2>"$locdir/err"; then
    msg=$(head -1 "$locdir/err")
    rm -rf "$locdir"
    skip_test "localedef cannot make en_US.ISO-8859-1: $msg"
  fi
  latin1=en_US.ISO-8859-1
fi
[ "$(LOCPATH=$locdir LC_ALL=$latin1 locale charmap 2>/dev/null)" = ISO-8859-1 ] ||
  { rm -rf "$locdir"; skip_test "locale $latin1 does not load (LOCPATH=$locdir)"; }

tmux_dashboard_setup terms-locales
trap 'tmux_dashboard_cleanup; rm -rf "$locdir"' EXIT
S=terms
screen() { tm capture-pane -p -t "$S"; }
wait_for() {
  for _ in $(seq 1 300); do
    screen | grep -Eq -- "$1" && return 0
    sleep 0.1
  done
  return 1
}
err=$locdir/err
status=$locdir/status

# listening: the test listener on 7001, started again when it has ended
# (it exits by itself after 120 s, and these tests can take longer).
listening() {
  ss -Htln 'sport = :7001' | grep -q . || start 7001 0
}
listening
# A session that stays, so killing the test's session never ends the
# server while the next one is being made.
tm new-session -d -s terms-keep -x 80 -y 24 "sleep 600"

# check_locale NAME SETTINGS: every view drawn without a byte outside
# ASCII, the ASCII sparklines on the states view.
check_locale() {
  local name=$1 k
  listening
  tm_retire "$S"
  : >"$status"
  tm new-session -d -s "$S" -x 100 -y 30 \
    "env $2 TERM=screen timeout --foreground 120 $TCPDECK -d 0.2 2>$err; echo \$? >$status; sleep 120"
  wait_for '^LISTEN +1 ' || { fail "$name: no dashboard: $(screen | head -3)"; return; }
  wait_for '^LISTEN .*===' && pass "$name: ASCII sparkline" ||
    fail "$name: no ASCII sparkline: $(screen | grep '^LISTEN')"
  for k in 1 2 3 4 5 6 7 8 '?'; do
    tm send-keys -t "$S" "$k"
    sleep 0.5
    if screen | LC_ALL=C grep -q '[^ -~]'; then
      fail "$name: view $k draws bytes outside ASCII: $(screen | LC_ALL=C grep -m2 '[^ -~]')"
    else
      pass "$name: view $k is pure ASCII"
    fi
  done
  tm send-keys -t "$S" Escape q
  for _ in $(seq 1 300); do [ -s "$status" ] && break; sleep 0.1; done
  [ "$(cat "$status")" = 0 ] && pass "$name: q exits with status 0" ||
    fail "$name: exit status '$(cat "$status")'"
  grep -q Sanitizer "$err" && fail "$name: sanitizer report: $(grep -m2 Sanitizer "$err")"
}

check_locale "LANG=C" "LANG=C LC_ALL=C"
# glibc's newlocale() loses its copy of LOCPATH (argz) when p11-kit (loaded with
# libmicrohttpd's GnuTLS) calls it while loading: a leak of the C library
# that only a LOCPATH shows, so only this run ignores it.
printf 'leak:libp11-kit\nleak:__argz_add_sep\n' >"$locdir/lsan.supp"
lsan="suppressions=$locdir/lsan.supp${LSAN_OPTIONS:+:$LSAN_OPTIONS}"
check_locale "$latin1" "LSAN_OPTIONS=$lsan LOCPATH=$locdir LANG=$latin1 LC_ALL=$latin1"

# The same check sees UTF-8 when it is there.
tm_retire "$S"
tm new-session -d -s "$S" -x 100 -y 30 "env LANG=C.UTF-8 LC_ALL=C.UTF-8 TERM=screen $TCPDECK -d 0.2"
wait_for '^LISTEN .*▄▄' && pass "C.UTF-8: block sparklines (the check can see them)" ||
  fail "C.UTF-8: no block sparkline: $(screen | grep '^LISTEN')"

finish

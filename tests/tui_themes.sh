#!/bin/bash
# tui_themes.sh - the colour themes (--theme) at 8, 16 and 256 colours,
# in tmux, read from the escape sequences of `capture-pane -e`:
#   - default: black on cyan header, green steady states, at every depth;
#   - light: white on blue header (bright white at 16, 231 on 25 at 256),
#     dark green (22) at 256;
#   - mono: no colour at all, the header in reverse video;
#   - contrast: black on white header (bright white at 16, 16 on 231 at
#     256), bright green states;
#   - no 256-colour escapes on 8 and 16-colour terminals, no bright ones
#     on 8; NO_COLOR beats --theme; an unknown theme is refused.
# TERM=xterm-16color comes from ncurses-term; without it, an entry of the
# same name is compiled with tic into a private TERMINFO directory.
set -u
. "${TESTS_SRCDIR:-$(dirname "$0")}/lib.sh"
: "${LISTENER:?LISTENER must name the test listener program}"
command -v tmux >/dev/null || skip_test "tmux is not installed (apt-get install tmux)"
enter_private_netns "$@"

# wait_screen, patient: a loaded machine (tests run two at a time beside
# other work) can take seconds to start a sanitized dashboard.
WAIT_SCREEN_TRIES=400

tmux_dashboard_setup tcpdeck-setup-themes
work=$(mktemp -d)
trap 'tmux_dashboard_cleanup; rm -rf "$work"' EXIT
start 7401 1
tm new-session -d -s keep -x 80 -y 24 "sleep 600" || hard_error "tmux cannot start"

terminfo=""
if ! tput -T xterm-16color colors >/dev/null 2>&1; then
  command -v tic >/dev/null || hard_error "no xterm-16color entry and no tic to make one"
  printf '%s\n' 'xterm-16color|xterm with 16 colors,' '	colors#16, pairs#256,' \
    '	setab=\E[%?%p1%{8}%<%t%p1%{40}%+%e%p1%{92}%+%;%dm,' \
    '	setaf=\E[%?%p1%{8}%<%t%p1%{30}%+%e%p1%{82}%+%;%dm,' '	use=xterm,' >"$work/x16.ti"
  tic -o "$work/terminfo" "$work/x16.ti" || hard_error "tic cannot compile xterm-16color"
  terminfo="TERMINFO=$work/terminfo"
fi
[ "$(env $terminfo tput -T xterm-16color colors)" = 16 ] || hard_error "xterm-16color has no 16 colours"
[ "$(tput -T xterm colors)" = 8 ] || hard_error "terminfo 'xterm' no longer has 8 colours"
[ "$(tput -T xterm-256color colors)" = 256 ] || hard_error "xterm-256color has no 256 colours"

# run TERM ENV ARGS: the states view, until its LISTEN row shows; sets
# $header (the first line with escapes) and $all (the whole pane).
run() {
  local t=$1 envs=$2
  shift 2
  tm_retire tui
  tm new-session -d -s tui -x 100 -y 30 \
    "env HOME=$work XDG_CONFIG_HOME= LANG=C.UTF-8 TERM=$t $terminfo $envs timeout --foreground 120 $TCPDECK -d 0.3 $* 2>>$work/err; sleep 60" ||
    hard_error "tmux cannot start a session"
  wait_screen '^LISTEN +1 ' || { fail "$t $*: no LISTEN row: $(screen | head -3)"; return 1; }
  all=$(tm capture-pane -p -e -t tui)
  header=$(printf '%s\n' "$all" | head -1)
  return 0
}
has() { [[ "$1" == *"$2"* ]]; }
colour_re=$'\e'"\[([0-9;]*;)?(3[0-7]|4[0-7]|9[0-7]|10[0-7]|38;5|48;5)[;m]"
bright_re=$'\e'"\[([0-9;]*;)?(9[0-7]|10[0-7])[;m]"
x256_re=$'\e'"\[([0-9;]*;)?(38;5|48;5)[;m]"

# expect THEME TERM HEADER_FG HEADER_BG STEADY: the header bar's escapes
# and the LISTEN row's colour.
expect() {
  local theme=$1 t=$2 fg=$3 bg=$4 steady=$5 what="--theme $1 at TERM=$2"
  run "$t" "" --theme "$theme" || return
  if has "$header" $'\e['"$fg"m && has "$header" $'\e['"$bg"m; then
    pass "$what: header ${fg}m on ${bg}m"
  else
    fail "$what: header $(printf '%q' "$header" | head -c 160)"
  fi
  has "$all" $'\e['"$steady"m && pass "$what: LISTEN in ${steady}m" ||
    fail "$what: no ${steady}m in $(printf '%q' "$all" | head -c 300)"
  case $t in
    xterm)
      [[ "$all" =~ $bright_re || "$all" =~ $x256_re ]] && fail "$what: past 8 colours" ||
        pass "$what: only the 8 colours" ;;
    xterm-16color)
      [[ "$all" =~ $x256_re ]] && fail "$what: 256-colour escapes" || pass "$what: only 16 colours" ;;
  esac
  tm send-keys -t tui q
}

expect default xterm 30 46 32
expect default xterm-16color 30 46 32
expect default xterm-256color 30 46 32
expect light xterm 37 44 32
expect light xterm-16color 97 44 32
expect light xterm-256color "38;5;231" "48;5;25" "38;5;22"
expect contrast xterm 30 47 32
expect contrast xterm-16color 30 107 92
expect contrast xterm-256color "38;5;16" "48;5;231" "38;5;46"

for t in xterm xterm-16color xterm-256color; do
  run "$t" "" --theme mono || continue
  [[ "$all" =~ $colour_re ]] && fail "--theme mono at $t: colour escapes" ||
    pass "--theme mono at $t: no colour"
  has "$header" $'\e[7m' && pass "--theme mono at $t: header in reverse video" ||
    fail "--theme mono at $t: header $(printf '%q' "$header" | head -c 160)"
  tm send-keys -t tui q
done

if run xterm-256color NO_COLOR=1 --theme contrast; then
  [[ "$all" =~ $colour_re ]] && fail "NO_COLOR with --theme contrast: colour escapes" ||
    pass "NO_COLOR beats --theme contrast"
  tm send-keys -t tui q
fi

out=$("$TCPDECK" --theme solarized 2>&1)
st=$?
[ "$st" = 2 ] && [[ "$out" == *"unknown theme 'solarized'"* ]] &&
  pass "--theme solarized: $out" || fail "--theme solarized: status $st: $out"
grep -q Sanitizer "$work/err" 2>/dev/null && fail "sanitizer report: $(grep -m3 Sanitizer "$work/err")"
finish

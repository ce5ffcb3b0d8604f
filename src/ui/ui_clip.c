/*
 * ui_clip.c - copying text to the terminal's clipboard with OSC 52
 * ("\e]52;c;BASE64\a"), which terminals (xterm, kitty, foot, iTerm2,
 * WezTerm...) and tmux take from the program running in them, over ssh
 * too.  The sequence is written only to a terminal that says it takes it:
 * its terminfo entry has Ms (xterm-256color, tmux-256color), or tcpdeck
 * runs inside tmux ($TMUX), which reads OSC 52 itself (into a paste
 * buffer, and on to the outer terminal) when its set-clipboard option is
 * on; no passthrough wrapping is needed for that.  The status line says
 * what happened either way.  Main thread only, while curses owns the
 * terminal: the sequence is written between two frames.
 */
#include "config.h"

#include <curses.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sanitize.h"
#include "ui_internal.h"
/* Last: its macros clash with names in the headers above (ui_term.c). */
#include <term.h>

/* Enough for the drill-down's two lines, and far below what terminals
 * take (xterm: 100,000 bytes). */
enum { CLIP_MAX = 8192 };

size_t
ui_clip_osc52(const char *text, size_t len, char *out, size_t out_size)
{
	static const char b64[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	static const char head[] = "\033]52;c;";
	size_t need = sizeof(head) - 1 + (len + 2) / 3 * 4 + 1, o;

	if (out_size < need + 1)
		return 0;
	memcpy(out, head, sizeof(head) - 1);
	o = sizeof(head) - 1;
	for (size_t i = 0; i < len; i += 3) {
		unsigned int v = (unsigned char)text[i] << 16;

		if (i + 1 < len)
			v |= (unsigned char)text[i + 1] << 8;
		if (i + 2 < len)
			v |= (unsigned char)text[i + 2];
		out[o++] = b64[(v >> 18) & 63];
		out[o++] = b64[(v >> 12) & 63];
		out[o++] = i + 1 < len ? b64[(v >> 6) & 63] : '=';
		out[o++] = i + 2 < len ? b64[v & 63] : '=';
	}
	out[o++] = '\a';
	out[o] = '\0';
	return o;
}

/* Whether the terminal says it takes OSC 52. */
static bool
terminal_takes_osc52(void)
{
	const char *ms = tigetstr("Ms");
	const char *tmux = getenv("TMUX");

	return (ms != NULL && ms != (char *)-1) || (tmux != NULL && tmux[0] != '\0');
}

void
ui_clip_copy(struct ui *ui, const char *text, const char *what)
{
	char seq[CLIP_MAX * 4 / 3 + 64];
	const char *term = getenv("TERM");
	char shown[SANITIZE_TEXT_MAX(64) + 1];
	size_t len = strlen(text), n;
	ssize_t put;

	if (!terminal_takes_osc52()) {
		/* TERM may come from the far end of an ssh connection. */
		sanitize_text(term != NULL ? term : "", term != NULL ? strnlen(term, 64) : 0, shown,
			      sizeof(shown), NULL);
		snprintf(ui->status, sizeof(ui->status),
			 "not copied: the terminal (TERM=%.64s) does not take OSC 52", shown);
		return;
	}
	n = len <= CLIP_MAX ? ui_clip_osc52(text, len, seq, sizeof(seq)) : 0;
	if (n == 0) {
		snprintf(ui->status, sizeof(ui->status), "not copied: %s is too long", what);
		return;
	}
	/* Curses has flushed the last frame; the next one follows. */
	fflush(stdout);
	put = write(STDOUT_FILENO, seq, n);
	if (put != (ssize_t)n) {
		snprintf(ui->status, sizeof(ui->status), "not copied: the terminal took no OSC 52");
		return;
	}
	if (getenv("TMUX") != NULL)
		snprintf(ui->status, sizeof(ui->status),
			 "copied %s (OSC 52; in tmux with set-clipboard on)", what);
	else
		snprintf(ui->status, sizeof(ui->status), "copied %s to the clipboard (OSC 52)",
			 what);
}

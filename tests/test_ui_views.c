/*
 * test_ui_views.c - the dashboard's view registry, key tables and the
 * help generated from them, the dispatch of number keys and Tab, the
 * prompt's callbacks and the shared scroller; the namespaces view's rows,
 * order and keys, the namespace picker, over synthetic snapshots.  Links
 * the dashboard's code but opens no terminal: the one test that draws
 * does so on a curses screen writing to a file.
 */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <curses.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ui_internal.h"

enum { MAX_LINES = 128 };

/* A dashboard with its views started, as ui_run has it before the
 * terminal: no samples, no sampler. */
static int
setup_ui(void **state)
{
	static struct ui ui;

	memset(&ui, 0, sizeof(ui));
	ui.prompt = ui_prompt_new();
	if (ui.prompt == NULL || ui_views_start(&ui) < 0)
		return -1;
	*state = &ui;
	return 0;
}

static int
teardown_ui(void **state)
{
	struct ui *ui = *state;

	ui_views_stop(ui);
	ui_prompt_free(ui->prompt);
	return 0;
}

/* Whether a key table binds `key`. */
static bool
binds(const struct ui_key *table, size_t n, int key)
{
	for (size_t i = 0; i < n; i++)
		if (table[i].key == key || (table[i].alt_key != 0 && table[i].alt_key == key))
			return true;
	return false;
}

static void
test_registry_entries_complete_and_unique(void **state)
{
	size_t n = ui_views_count();

	(void)state;
	assert_true(n >= 7);
	assert_null(ui_views_at(n));
	for (size_t i = 0; i < n; i++) {
		const struct ui_view *v = ui_views_at(i);

		assert_non_null(v);
		assert_true(v->key > ' ' && v->key < 127);
		assert_non_null(v->title);
		assert_true(strlen(v->title) > 0 && strchr(v->title, ' ') == NULL);
		assert_non_null(v->help);
		assert_true(strlen(v->help) > 0);
		assert_non_null(v->draw);
		assert_true(v->n_keys == 0 || v->keys != NULL);
		assert_ptr_equal(ui_views_by_key(v->key), v);
		for (size_t k = 0; k < i; k++) {
			assert_int_not_equal(ui_views_at(k)->key, v->key);
			assert_string_not_equal(ui_views_at(k)->title, v->title);
		}
	}
	assert_null(ui_views_by_key('q'));
}

/* No table binds a key twice, no global key shadows a view's number key,
 * and no view's own keys take another view's number key. */
static void
test_key_tables_unambiguous(void **state)
{
	size_t n_global;
	const struct ui_key *global = ui_keys_global(&n_global);
	size_t views_entries = 0;

	(void)state;
	for (size_t i = 0; i < n_global; i++) {
		if (global[i].key == UI_KEY_VIEWS) {
			views_entries++;
			continue;
		}
		assert_non_null(global[i].action);
		assert_non_null(global[i].label);
		assert_non_null(global[i].help);
		assert_false(binds(global, i, global[i].key));
		assert_true(global[i].alt_key == 0 || !binds(global, i, global[i].alt_key));
		assert_null(ui_views_by_key(global[i].key));
		assert_null(ui_views_by_key(global[i].alt_key));
	}
	assert_int_equal(views_entries, 1);
	for (size_t v = 0; v < ui_views_count(); v++) {
		const struct ui_view *view = ui_views_at(v);

		for (size_t i = 0; i < view->n_keys; i++) {
			const struct ui_key *k = &view->keys[i];

			assert_non_null(k->action);
			assert_non_null(k->label);
			assert_non_null(k->help);
			assert_false(binds(view->keys, i, k->key));
			assert_true(k->alt_key == 0 || !binds(view->keys, i, k->alt_key));
			assert_null(ui_views_by_key(k->key));
			assert_null(ui_views_by_key(k->alt_key));
			/* A view that scrolls says what its keys scroll. */
			if (k->action == ui_scroll_key)
				assert_non_null(view->scroll);
		}
	}
}

static bool
has_line(const struct ui_help_line *lines, size_t n, const char *label, const char *text)
{
	for (size_t i = 0; i < n; i++)
		if (!lines[i].heading && strcmp(lines[i].label, label) == 0 &&
		    strcmp(lines[i].text, text) == 0)
			return true;
	return false;
}

/* The help while each view is current lists every global binding, every
 * view's key with its help line, and the current view's own keys under
 * a heading naming it; nothing else. */
static void
test_help_lists_every_binding(void **state)
{
	size_t n_global;
	const struct ui_key *global = ui_keys_global(&n_global);

	(void)state;
	for (size_t v = 0; v < ui_views_count(); v++) {
		const struct ui_view *view = ui_views_at(v);
		struct ui_help_line lines[MAX_LINES];
		size_t n = ui_keys_help(view, lines, MAX_LINES);
		size_t want = n_global - 1 + ui_views_count();
		char heading[64];

		for (size_t i = 0; i < n_global; i++)
			if (global[i].key != UI_KEY_VIEWS)
				assert_true(has_line(lines, n, global[i].label, global[i].help));
		for (size_t k = 0; k < ui_views_count(); k++) {
			const struct ui_view *each = ui_views_at(k);
			char label[8], text[256];

			snprintf(label, sizeof(label), "%c", each->key);
			snprintf(text, sizeof(text), "view %c: %s", each->key, each->help);
			assert_true(has_line(lines, n, label, text));
		}
		snprintf(heading, sizeof(heading), "In the %s view:", view->title);
		if (view->n_keys > 0) {
			size_t at = n;

			want += 1 + view->n_keys;
			for (size_t i = 0; i < n; i++)
				if (lines[i].heading && strcmp(lines[i].text, heading) == 0)
					at = i;
			assert_true(at < n);
			for (size_t i = 0; i < view->n_keys; i++)
				assert_true(has_line(lines + at, n - at, view->keys[i].label,
						     view->keys[i].help));
		}
		assert_int_equal(n, want);
	}
}

/* The table the help is made from is the one the keys run: a global key
 * pressed does what its help line says (here: ? opens help, any key
 * closes it, q quits from it). */
static void
test_help_page_keys(void **state)
{
	struct ui *ui = *state;

	ui_keys_handle(ui, '?');
	assert_non_null(ui->page);
	ui_keys_handle(ui, 'x');
	assert_null(ui->page);
	assert_false(ui->quit);
	ui_keys_handle(ui, 'h');
	assert_non_null(ui->page);
	ui_keys_handle(ui, 'q');
	assert_true(ui->quit);
	ui->quit = false;
	ui_page_close(ui);
}

static void
test_number_keys_and_tab(void **state)
{
	struct ui *ui = *state;
	size_t n = ui_views_count();

	for (size_t i = n; i-- > 0;) {
		ui_keys_handle(ui, ui_views_at(i)->key);
		assert_ptr_equal(ui_views_current(ui), ui_views_at(i));
		assert_int_equal(ui_views_current_index(ui), i);
	}
	assert_ptr_equal(ui_views_current(ui), ui_views_at(0));
	for (size_t i = 1; i <= n; i++) {
		ui_keys_handle(ui, '\t');
		assert_ptr_equal(ui_views_current(ui), ui_views_at(i % n));
	}
}

/* The current view's keys come before the global ones: space pauses in
 * the states view, and tags a row (none here) in the connection table. */
static void
test_view_keys_first(void **state)
{
	struct ui *ui = *state;
	const struct ui_view *conns = NULL;

	for (size_t i = 0; i < ui_views_count(); i++)
		if (strcmp(ui_views_at(i)->title, "conns") == 0)
			conns = ui_views_at(i);
	assert_non_null(conns);
	assert_true(binds(conns->keys, conns->n_keys, ' '));
	ui_keys_handle(ui, ui_views_at(0)->key);
	assert_false(binds(ui_views_at(0)->keys, ui_views_at(0)->n_keys, ' '));
	ui_keys_handle(ui, ' ');
	assert_true(ui->paused);
	ui_keys_handle(ui, conns->key);
	ui_keys_handle(ui, ' ');
	assert_true(ui->paused);
	ui_keys_handle(ui, ui_views_at(0)->key);
	ui_keys_handle(ui, ' ');
	assert_false(ui->paused);
}

/* ------------------------------------------------------------- prompt */

struct answers {
	char text[64];
	int texts, yes, chosen;
	size_t index;
	bool accept;
};

static bool
on_text(struct ui *ui, void *ctx, const char *text, int *bad)
{
	struct answers *a = ctx;

	a->texts++;
	snprintf(a->text, sizeof(a->text), "%s", text);
	if (a->accept)
		return true;
	snprintf(ui->status, sizeof(ui->status), "refused");
	*bad = 1;
	return false;
}

static void
on_yes(struct ui *ui, void *ctx)
{
	(void)ui;
	((struct answers *)ctx)->yes++;
}

static void
on_choice(struct ui *ui, void *ctx, size_t index)
{
	struct answers *a = ctx;

	(void)ui;
	a->chosen++;
	a->index = index;
}

static void
type(struct ui *ui, const char *keys)
{
	for (const char *k = keys; *k != '\0'; k++)
		assert_true(ui_prompt_key(ui, *k));
}

static void
test_prompt_text(void **state)
{
	struct ui *ui = *state;
	struct answers a;

	memset(&a, 0, sizeof(a));
	assert_false(ui_prompt_key(ui, 'x'));
	ui_prompt_text(ui, "say: ", "ab", on_text, &a);
	type(ui, "cd");
	assert_true(ui_prompt_key(ui, 127)); /* Backspace */
	assert_true(ui_prompt_key(ui, '\r'));
	assert_int_equal(a.texts, 1);
	assert_string_equal(a.text, "abc");
	/* Refused: still open, still editing. */
	type(ui, "e");
	a.accept = true;
	assert_true(ui_prompt_key(ui, KEY_ENTER));
	assert_int_equal(a.texts, 2);
	assert_string_equal(a.text, "abce");
	assert_false(ui_prompt_key(ui, 'x'));

	/* Ctrl-U empties; Esc leaves without an answer. */
	ui_prompt_text(ui, "say: ", "old", on_text, &a);
	assert_true(ui_prompt_key(ui, 21));
	type(ui, "new");
	assert_true(ui_prompt_key(ui, 27));
	assert_int_equal(a.texts, 2);
	assert_false(ui_prompt_key(ui, 'x'));
}

static void
test_prompt_confirm_and_choose(void **state)
{
	static const struct ui_prompt_choice choices[] = {{'a', "all"}, {'1', "one"}};
	struct ui *ui = *state;
	struct answers a;

	memset(&a, 0, sizeof(a));
	ui_prompt_confirm(ui, "Really? y/n", on_yes, &a);
	assert_true(ui_prompt_key(ui, 'n'));
	assert_int_equal(a.yes, 0);
	assert_string_equal(ui->status, "nothing done");
	assert_false(ui_prompt_key(ui, 'y'));
	ui_prompt_confirm(ui, "Really? y/n", on_yes, &a);
	assert_true(ui_prompt_key(ui, 'y'));
	assert_int_equal(a.yes, 1);

	ui_prompt_choose(ui, "pick: ", choices, 2, on_choice, &a);
	assert_true(ui_prompt_key(ui, '1'));
	assert_int_equal(a.chosen, 1);
	assert_int_equal(a.index, 1);
	ui_prompt_choose(ui, "pick: ", choices, 2, on_choice, &a);
	assert_true(ui_prompt_key(ui, 'z'));
	assert_int_equal(a.chosen, 1);
	assert_false(ui_prompt_key(ui, 'a'));
}

/* ------------------------------------------------------------- scroll */

/* One move of a scroller: first `set` (a page size, or SELECTING: start
 * over with a list that has a selection), then a step over `lines` lines
 * (none: 0), then, with a height, the draw's fit; then where it should
 * stand. */
enum { SELECTING = -1 };

struct move {
	int step, lines, height;
	int top, sel;
	int set;
};

static const struct move moves[] = {
	{0, 100, 10, 0, 0, 0},
	{UI_SCROLL_DOWN, 0, 0, 1, 0, 0},
	{UI_SCROLL_PAGE_DOWN, 0, 0, 10, 0, 0},
	{UI_SCROLL_PAGE_UP, 0, 0, 1, 0, 0},
	{UI_SCROLL_UP, 0, 0, 0, 0, 0},
	{UI_SCROLL_UP, 0, 0, 0, 0, 0},
	{UI_SCROLL_END, 100, 10, 90, 0, 0},
	{UI_SCROLL_DOWN, 100, 10, 90, 0, 0},
	/* The list shrank: the screen follows it back. */
	{0, 95, 10, 85, 0, 0},
	{0, 5, 10, 0, 0, 0},
	{UI_SCROLL_END, 0, 0, -1, 0, 0}, /* far: clamped when drawn */
	{UI_SCROLL_HOME, 0, 0, 0, 0, 0},
	/* A one-line area still pages by a line. */
	{0, 100, 1, 0, 0, 0},
	{UI_SCROLL_PAGE_DOWN, 0, 0, 1, 0, 0},
	/* A page of its own size. */
	{0, 0, 0, 1, 0, 3},
	{UI_SCROLL_PAGE_DOWN, 0, 0, 4, 0, 0},
	{UI_SCROLL_PAGE_UP, 0, 0, 1, 0, 0},
	/* A selection: the screen follows it. */
	{UI_SCROLL_DOWN, 0, 0, 0, -1, SELECTING}, /* nothing to select */
	{0, 20, 4, 0, -1, 0},
	{UI_SCROLL_DOWN, 20, 0, 0, 0, 0}, /* the first step selects the first */
	{UI_SCROLL_PAGE_DOWN, 20, 4, 0, 3, 0},
	{UI_SCROLL_DOWN, 20, 4, 1, 4, 0},
	{UI_SCROLL_END, 20, 4, 16, 19, 0},
	{UI_SCROLL_DOWN, 20, 4, 16, 19, 0},
	{UI_SCROLL_PAGE_UP, 20, 4, 16, 16, 0},
	{UI_SCROLL_UP, 20, 4, 15, 15, 0},
	{UI_SCROLL_HOME, 20, 4, 0, 0, 0},
};

static void
test_scroll(void **state)
{
	struct ui_scroll s;

	(void)state;
	memset(&s, 0, sizeof(s));
	for (size_t i = 0; i < sizeof(moves) / sizeof(moves[0]); i++) {
		const struct move *m = &moves[i];

		if (m->set == SELECTING) {
			memset(&s, 0, sizeof(s));
			s.select = true;
			s.sel = -1;
		} else if (m->set > 0) {
			s.page = m->set;
		}
		if (m->step != 0)
			ui_scroll_step(&s, m->step, m->lines);
		if (m->height != 0)
			ui_scroll_fit(&s, m->lines, m->height);
		print_message("move %zu: top %d sel %d\n", i, s.top, s.sel);
		if (m->top >= 0)
			assert_int_equal(s.top, m->top);
		else
			assert_true(s.top > 1000);
		if (s.select)
			assert_int_equal(s.sel, m->sel);
	}
}

/* The wheel: a list of 20 lines, 5 on screen, the selection on the
 * second.  The rows and the selection move together; at the ends the
 * screen stops and the selection goes on; without a selection only the
 * top moves. */
static void
test_scroll_wheel(void **state)
{
	struct ui_scroll s = {.select = true, .sel = 1, .height = 5};

	(void)state;
	ui_scroll_wheel(&s, 3, 20);
	assert_int_equal(s.top, 3);
	assert_int_equal(s.sel, 4);
	ui_scroll_wheel(&s, 30, 20);
	assert_int_equal(s.top, 15);
	assert_int_equal(s.sel, 19);
	ui_scroll_wheel(&s, -3, 20);
	assert_int_equal(s.top, 12);
	assert_int_equal(s.sel, 16);
	ui_scroll_wheel(&s, -30, 20);
	assert_int_equal(s.top, 0);
	assert_int_equal(s.sel, 0);
	memset(&s, 0, sizeof(s));
	ui_scroll_wheel(&s, 3, 0);
	assert_int_equal(s.top, 3);
	ui_scroll_wheel(&s, -5, 0);
	assert_int_equal(s.top, 0);
}

/* OSC 52: base64 with its padding, between the introducer and BEL; a
 * buffer too small writes nothing. */
static void
test_clip_osc52(void **state)
{
	char out[64];

	(void)state;
	assert_int_equal(ui_clip_osc52("ss -t\n", 6, out, sizeof(out)), 16);
	assert_string_equal(out, "\033]52;c;c3MgLXQK\a");
	ui_clip_osc52("a", 1, out, sizeof(out));
	assert_string_equal(out, "\033]52;c;YQ==\a");
	ui_clip_osc52("ab", 2, out, sizeof(out));
	assert_string_equal(out, "\033]52;c;YWI=\a");
	ui_clip_osc52("", 0, out, sizeof(out));
	assert_string_equal(out, "\033]52;c;\a");
	assert_int_equal(ui_clip_osc52("abcdef", 6, out, 12), 0);
}

/* ---------------------------------------------------------- namespaces */

enum { HOST_NS = 100, HOSTILE_NS = 200, BLUE_NS = 300 };

/* A name that would retitle the window, ring the bell and turn the text
 * red if it reached a terminal raw. */
static const char hostile_name[] = "\x1b]0;pwned\x07" "evil\x1b[31m";

static void
add_socket(struct snapshot *snap, uint32_t netns, enum tcp_state state, int n)
{
	static uint64_t cookie;

	for (int i = 0; i < n; i++) {
		struct sock_entry *e = snapshot_add(snap);

		assert_non_null(e);
		e->cookie = ++cookie;
		e->family = 2; /* AF_INET */
		e->state = (uint8_t)state;
		e->local_addr[0] = 127;
		e->local_addr[3] = 1;
		e->local_port = (uint16_t)(8000 + i);
		e->netns = netns;
	}
}

/* Three namespaces: host (3 sockets: 2 ESTABLISHED, 1 LISTEN), a
 * container with a hostile name (3 TIME_WAIT, 1 CLOSE_WAIT) and blue (5
 * TIME_WAIT, 1 ESTABLISHED).  Or none at all, as without --netns. */
static struct snapshot *
namespaces_snapshot(bool with_netns, uint64_t seq)
{
	struct snapshot *snap = snapshot_new(32);
	struct snapshot_netns *ns;

	assert_non_null(snap);
	if (with_netns) {
		/* Added out of inode order: seal sorts the table. */
		ns = snapshot_add_netns(snap, BLUE_NS);
		assert_non_null(ns);
		ns->info.kind = NETNS_KIND_NAMED;
		snprintf(ns->info.name, sizeof(ns->info.name), "blue");
		ns = snapshot_add_netns(snap, HOST_NS);
		assert_non_null(ns);
		ns->info.kind = NETNS_KIND_HOST;
		ns = snapshot_add_netns(snap, HOSTILE_NS);
		assert_non_null(ns);
		ns->info.kind = NETNS_KIND_CONTAINER;
		snprintf(ns->info.runtime, sizeof(ns->info.runtime), "docker");
		snprintf(ns->info.name, sizeof(ns->info.name), "%s", hostile_name);
		snprintf(ns->info.id, sizeof(ns->info.id), "3f2a9c0e1b7d");
	}
	add_socket(snap, HOST_NS, TCP_STATE_ESTABLISHED, 2);
	add_socket(snap, HOST_NS, TCP_STATE_LISTEN, 1);
	add_socket(snap, HOSTILE_NS, TCP_STATE_TIME_WAIT, 3);
	add_socket(snap, HOSTILE_NS, TCP_STATE_CLOSE_WAIT, 1);
	add_socket(snap, BLUE_NS, TCP_STATE_TIME_WAIT, 5);
	add_socket(snap, BLUE_NS, TCP_STATE_ESTABLISHED, 1);
	snapshot_seal(snap);
	snap->seq = seq;
	return snap;
}

static int
setup_netns(void **state)
{
	struct ui *ui;

	if (setup_ui(state) < 0)
		return -1;
	ui = *state;
	ui->history = history_new(16);
	ui->shown = namespaces_snapshot(true, 1);
	return ui->history != NULL ? 0 : -1;
}

static int
teardown_netns(void **state)
{
	struct ui *ui = *state;

	teardown_ui(state);
	snapshot_unref(ui->shown);
	history_free(ui->history);
	filter_free(ui->filter);
	return 0;
}

/* The inodes of the rows in order, as "300 200 100". */
static void
row_order(const struct ui *ui, int sort, bool inverted, char *out, size_t size)
{
	struct ui_netns_row *rows;
	ssize_t n = ui_netns_rows(ui, sort, inverted, &rows);
	size_t len = 0;

	assert_true(n >= 0);
	out[0] = '\0';
	for (ssize_t i = 0; i < n; i++)
		len += (size_t)snprintf(out + len, size - len, "%s%u", i > 0 ? " " : "",
					rows[i].inode);
	free(rows);
}

static void
test_netns_rows(void **state)
{
	struct ui *ui = *state;
	struct ui_netns_row *rows;
	char order[64];
	ssize_t n;

	n = ui_netns_rows(ui, UI_NETNS_SORT_TOTAL, false, &rows);
	assert_int_equal(n, 3);
	/* The busiest first, each with its counts and short name. */
	assert_int_equal(rows[0].inode, BLUE_NS);
	assert_string_equal(rows[0].name, "blue");
	assert_int_equal(rows[0].total, 6);
	assert_int_equal(rows[0].counts[TCP_STATE_TIME_WAIT], 5);
	assert_int_equal(rows[0].counts[TCP_STATE_ESTABLISHED], 1);
	assert_int_equal(rows[1].inode, HOSTILE_NS);
	assert_string_equal(rows[1].name, hostile_name); /* raw until drawn */
	assert_int_equal(rows[1].total, 4);
	assert_int_equal(rows[1].counts[TCP_STATE_CLOSE_WAIT], 1);
	assert_int_equal(rows[2].inode, HOST_NS);
	assert_string_equal(rows[2].name, "host");
	assert_int_equal(rows[2].counts[TCP_STATE_LISTEN], 1);
	for (ssize_t i = 0; i < n; i++)
		assert_false(rows[i].gone);
	free(rows);

	/* Every column sorts, and I inverts. */
	row_order(ui, UI_NETNS_SORT_TOTAL, true, order, sizeof(order));
	assert_string_equal(order, "100 200 300");
	row_order(ui, UI_NETNS_SORT_STATE + TCP_STATE_TIME_WAIT, false, order, sizeof(order));
	assert_string_equal(order, "300 200 100");
	row_order(ui, UI_NETNS_SORT_STATE + TCP_STATE_ESTABLISHED, false, order, sizeof(order));
	assert_string_equal(order, "100 300 200");
	/* Ties (0 and 0) keep the inode order. */
	row_order(ui, UI_NETNS_SORT_STATE + TCP_STATE_CLOSE_WAIT, false, order, sizeof(order));
	assert_string_equal(order, "200 100 300");
	row_order(ui, UI_NETNS_SORT_INODE, false, order, sizeof(order));
	assert_string_equal(order, "100 200 300");
	row_order(ui, UI_NETNS_SORT_INODE, true, order, sizeof(order));
	assert_string_equal(order, "300 200 100");
	/* Names A to Z, byte order: the escape sorts first. */
	row_order(ui, UI_NETNS_SORT_NAME, false, order, sizeof(order));
	assert_string_equal(order, "200 300 100");
	for (int s = 0; s < UI_NETNS_SORT_COUNT; s++)
		assert_string_not_equal(ui_netns_sort_name(s), "?");

	/* The filter counts too: only TIME_WAIT. */
	assert_true(ui_filter_set(ui, "state time-wait", NULL));
	n = ui_netns_rows(ui, UI_NETNS_SORT_TOTAL, false, &rows);
	assert_int_equal(n, 3);
	assert_int_equal(rows[0].total, 5);
	assert_int_equal(rows[1].total, 3);
	assert_int_equal(rows[2].total, 0);
	assert_int_equal(rows[2].counts[TCP_STATE_ESTABLISHED], 0);
	free(rows);
	assert_true(ui_filter_set(ui, "", NULL));

	/* Without namespaces there is no row. */
	snapshot_unref(ui->shown);
	ui->shown = namespaces_snapshot(false, 2);
	assert_int_equal(ui_netns_rows(ui, UI_NETNS_SORT_TOTAL, false, &rows), 0);
	assert_null(rows);
}

static const struct ui_view *
view_titled(const char *title)
{
	for (size_t i = 0; i < ui_views_count(); i++)
		if (strcmp(ui_views_at(i)->title, title) == 0)
			return ui_views_at(i);
	fail_msg("no view '%s'", title);
	return NULL;
}

/* The filter's text, or "" when none. */
static const char *
filter_now(const struct ui *ui)
{
	return ui->filter != NULL ? filter_text(ui->filter) : "";
}

/* Enter narrows every view to the selected namespace; the selection
 * moves with the keys and the order with > < and I. */
static void
test_netns_view_keys(void **state)
{
	struct ui *ui = *state;
	const struct ui_view *netns = view_titled("netns");
	uint32_t inode = 0;

	ui_keys_handle(ui, netns->key);
	assert_ptr_equal(ui_views_current(ui), netns);
	ui_keys_handle(ui, '\r'); /* by total: blue first */
	assert_string_equal(filter_now(ui), "netns 300");
	assert_true(filter_netns_only(ui->filter, &inode));
	assert_int_equal(inode, BLUE_NS);
	assert_non_null(strstr(ui->status, "namespace blue only"));
	assert_true(ui_filter_set(ui, "", NULL));

	ui_keys_handle(ui, 'j');
	ui_keys_handle(ui, KEY_ENTER);
	assert_string_equal(filter_now(ui), "netns 200");
	/* The status names it in its raw form: drawn through ui_put. */
	assert_non_null(strstr(ui->status, hostile_name));
	assert_true(ui_filter_set(ui, "", NULL));
	ui_keys_handle(ui, 'G');
	ui_keys_handle(ui, '\r');
	assert_string_equal(filter_now(ui), "netns 100");
	assert_true(ui_filter_set(ui, "", NULL));

	/* The selection follows its namespace when the order changes:
	 * host, last by total, is first inverted. */
	ui_keys_handle(ui, 'I');
	ui_keys_handle(ui, 'g');
	ui_keys_handle(ui, '\r');
	assert_string_equal(filter_now(ui), "netns 100");
	assert_true(ui_filter_set(ui, "", NULL));
	/* > from total goes to the first state, LISTEN: host leads. */
	ui_keys_handle(ui, '>');
	assert_non_null(strstr(ui->status, "sorted by LISTEN"));
	ui_keys_handle(ui, 'g');
	ui_keys_handle(ui, '\r');
	assert_string_equal(filter_now(ui), "netns 100");
	assert_true(ui_filter_set(ui, "", NULL));
	/* < twice: inode, then name: the hostile name sorts first. */
	ui_keys_handle(ui, '<');
	ui_keys_handle(ui, '<');
	ui_keys_handle(ui, '<');
	assert_non_null(strstr(ui->status, "sorted by name"));
	ui_keys_handle(ui, 'g');
	ui_keys_handle(ui, '\r');
	assert_string_equal(filter_now(ui), "netns 200");

	/* The rest of the filter stays: TIME_WAIT in blue, then in the
	 * container (the namespace replaced, not added). */
	assert_true(ui_filter_set(ui, "state time-wait", NULL));
	ui_keys_handle(ui, 'g'); /* still by name: the container, then blue */
	ui_keys_handle(ui, '\r');
	assert_string_equal(filter_now(ui), "state time-wait netns 200");
	ui_keys_handle(ui, 'j');
	ui_keys_handle(ui, '\r');
	assert_string_equal(filter_now(ui), "state time-wait netns 300");
	assert_true(filter_netns_only(ui->filter, &inode));
	assert_int_equal(inode, BLUE_NS);
	ui_keys_handle(ui, 'N');
	ui_keys_handle(ui, 'a');
	assert_string_equal(filter_now(ui), "state time-wait");
	/* A typed filter is the base of the next one. */
	assert_true(ui_filter_set(ui, "sport = :22 or sport = :80", NULL));
	ui_keys_handle(ui, 'N');
	ui_keys_handle(ui, '3'); /* host */
	assert_string_equal(filter_now(ui), "sport = :22 or sport = :80 netns 100");
	assert_true(filter_netns_only(ui->filter, &inode));
	assert_int_equal(inode, HOST_NS);

	/* Without namespaces Enter says how to get them. */
	assert_true(ui_filter_set(ui, "", NULL));
	snapshot_unref(ui->shown);
	ui->shown = namespaces_snapshot(false, 5);
	ui_keys_handle(ui, '\r');
	assert_null(ui->filter);
	assert_non_null(strstr(ui->status, "--netns all"));
}

/* N lists the namespaces by name at the prompt; a key narrows to one, a
 * to all again. */
static void
test_netns_picker(void **state)
{
	struct ui *ui = *state;

	ui_keys_handle(ui, 'N');
	/* 1: the hostile name (an escape sorts first), 2: blue, 3: host. */
	ui_keys_handle(ui, '2');
	assert_string_equal(filter_now(ui), "netns 300");
	assert_non_null(strstr(ui->status, "blue"));
	ui_keys_handle(ui, 'N');
	ui_keys_handle(ui, '3');
	assert_string_equal(filter_now(ui), "netns 100");
	/* Any other key leaves the filter as it is. */
	ui_keys_handle(ui, 'N');
	ui_keys_handle(ui, '9');
	assert_string_equal(filter_now(ui), "netns 100");
	ui_keys_handle(ui, 'N');
	ui_keys_handle(ui, 'a');
	assert_null(ui->filter);
	/* a keeps a filter that is not about namespaces. */
	assert_true(ui_filter_set(ui, "sport = :22", NULL));
	ui_keys_handle(ui, 'N');
	ui_keys_handle(ui, 'a');
	assert_string_equal(filter_now(ui), "sport = :22");
	assert_true(ui_filter_set(ui, "", NULL));

	snapshot_unref(ui->shown);
	ui->shown = namespaces_snapshot(false, 3);
	ui_keys_handle(ui, 'N');
	assert_non_null(strstr(ui->status, "--netns all"));
	assert_false(ui_prompt_key(ui, '1')); /* no prompt was opened */
	assert_null(ui->filter);
}

/* The text on screen row y, trailing blanks dropped. */
static void
screen_row(int y, char *out, int size)
{
	int n = mvinnstr(y, 0, out, size - 1);

	if (n < 0)
		n = 0;
	out[n] = '\0';
	while (n > 0 && out[n - 1] == ' ')
		out[--n] = '\0';
}

/*
 * The view drawn on a curses screen that writes to a file: each
 * namespace's row with its name, counts and total; the hostile name in
 * its shown form, and none of its bytes in what went to the terminal.
 */
static void
test_netns_view_draws_safely(void **state)
{
	struct ui *ui = *state;
	const struct ui_view *netns = view_titled("netns");
	FILE *out = tmpfile(), *in = fopen("/dev/null", "r");
	SCREEN *scr;
	char row[256], *bytes;
	long size;

	assert_non_null(out);
	assert_non_null(in);
	setenv("LINES", "24", 1);
	setenv("COLUMNS", "100", 1);
	scr = newterm("xterm", out, in);
	if (scr == NULL) {
		fclose(out);
		fclose(in);
		print_message("no terminfo entry for xterm: cannot draw\n");
		skip();
	}
	set_term(scr);
	ui_keys_handle(ui, netns->key);
	netns->draw(ui, ui_views_current_state(ui), 0, 20, 100);
	ui_prompt_draw(ui, 21, 100);
	refresh();
	screen_row(0, row, sizeof(row));
	print_message("%s\n", row);
	assert_non_null(strstr(row, "NAMESPACE"));
	assert_non_null(strstr(row, "TIME-WT"));
	assert_non_null(strstr(row, "TOTALv"));
	/* NAMESPACE (20 cells, widened to the longest name shown while the
	 * states leave room: 26 here), the busiest states in their usual
	 * order, TOTAL; no history without a pipeline. */
	screen_row(1, row, sizeof(row));
	assert_string_equal(row, "blue                              0        0        0        1"
				 "        0        5        6");
	screen_row(2, row, sizeof(row));
	assert_string_equal(row, "\\x1b]0;pwned\\x07evil\\x1b[3        0        0        0"
				 "        0        1        3        4");
	screen_row(3, row, sizeof(row));
	assert_string_equal(row, "host                              1        0        0        2"
				 "        0        0        3");
	screen_row(4, row, sizeof(row));
	assert_string_equal(row, "");

	/* Enter: the status names the namespace, shown safely too. */
	ui_keys_handle(ui, 'j');
	ui_keys_handle(ui, '\r');
	assert_string_equal(filter_now(ui), "netns 200");
	erase();
	netns->draw(ui, ui_views_current_state(ui), 0, 20, 100);
	ui_prompt_draw(ui, 21, 100);
	refresh();
	screen_row(21, row, sizeof(row));
	print_message("%s\n", row);
	assert_non_null(strstr(row, "namespace \\x1b]0;pwned\\x07evil\\x1b[31m only"));
	/* And the picker's labels. */
	ui_keys_handle(ui, 'N');
	ui_prompt_draw(ui, 21, 100);
	refresh();
	screen_row(21, row, sizeof(row));
	print_message("%s\n", row);
	assert_non_null(strstr(row, "1 \\x1b]0;pwned\\x07evil"));
	assert_non_null(strstr(row, "2 blue"));
	ui_keys_handle(ui, 27);
	endwin();
	delscreen(scr);

	/* What curses sent: its own sequences, none of the name's. */
	fflush(out);
	size = ftell(out);
	assert_true(size > 0);
	bytes = malloc((size_t)size);
	assert_non_null(bytes);
	rewind(out);
	assert_int_equal(fread(bytes, 1, (size_t)size, out), (size_t)size);
	assert_null(memmem(bytes, (size_t)size, "\x1b]0;", 4));
	assert_null(memmem(bytes, (size_t)size, "\x07", 1));
	assert_null(memmem(bytes, (size_t)size, "pwned\x07", 6));
	assert_non_null(memmem(bytes, (size_t)size, "pwned", 5));
	free(bytes);
	fclose(out);
	fclose(in);
}

/* Without namespaces the view says in one line how to get them. */
static void
test_netns_view_empty(void **state)
{
	struct ui *ui = *state;
	const struct ui_view *netns = view_titled("netns");
	FILE *out = tmpfile(), *in = fopen("/dev/null", "r");
	SCREEN *scr;
	char row[256];

	assert_non_null(out);
	assert_non_null(in);
	snapshot_unref(ui->shown);
	ui->shown = namespaces_snapshot(false, 9);
	setenv("LINES", "24", 1);
	setenv("COLUMNS", "80", 1);
	scr = newterm("xterm", out, in);
	if (scr == NULL) {
		fclose(out);
		fclose(in);
		skip();
	}
	set_term(scr);
	ui_keys_handle(ui, netns->key);
	netns->draw(ui, ui_views_current_state(ui), 2, 18, 80);
	screen_row(2, row, sizeof(row));
	print_message("%s\n", row);
	assert_non_null(strstr(row, "--netns all"));
	screen_row(3, row, sizeof(row));
	assert_string_equal(row, "");
	endwin();
	delscreen(scr);
	fclose(out);
	fclose(in);
}

/* The connection table has a NETNS column when the sample has
 * namespaces, naming each socket's (shown safely), and none without. */
static void
test_conns_netns_column(void **state)
{
	struct ui *ui = *state;
	const struct ui_view *conns = view_titled("conns");
	FILE *out = tmpfile(), *in = fopen("/dev/null", "r");
	SCREEN *scr;
	char row[256];
	int blue = 0, hostile = 0, host = 0;

	assert_non_null(out);
	assert_non_null(in);
	setenv("LINES", "24", 1);
	setenv("COLUMNS", "230", 1);
	scr = newterm("xterm", out, in);
	if (scr == NULL) {
		fclose(out);
		fclose(in);
		skip();
	}
	set_term(scr);
	ui_keys_handle(ui, conns->key);
	ui_views_sample(ui); /* the tracker is fed the sample on screen */
	conns->draw(ui, ui_views_current_state(ui), 0, 20, 230);
	screen_row(0, row, sizeof(row));
	print_message("%s\n", row);
	assert_non_null(strstr(row, "NETNS"));
	for (int y = 1; y < 20; y++) {
		screen_row(y, row, sizeof(row));
		/* After PROTO ("tcp  "): the namespace. */
		if (strncmp(row, "tcp   ", 6) != 0)
			continue;
		blue += strncmp(row + 6, "blue ", 5) == 0;
		host += strncmp(row + 6, "host ", 5) == 0;
		/* Shown, then cut to the column's width. */
		hostile += strncmp(row + 6, "\\x1b]0;pwned", 12) == 0;
	}
	assert_int_equal(blue, 6);
	assert_int_equal(host, 3);
	assert_int_equal(hostile, 4);
	/* < from STATE: REMOTE, LOCAL, PROTO, then NETNS (the last). */
	for (int i = 0; i < 4; i++)
		ui_keys_handle(ui, '<');
	erase();
	conns->draw(ui, ui_views_current_state(ui), 0, 20, 230);
	screen_row(0, row, sizeof(row));
	assert_non_null(strstr(row, "NETNS^"));
	ui_keys_handle(ui, '>'); /* back to PROTO */

	/* The details page names the socket's namespace.  By PROTO, rows
	 * keep the order before: the host's LISTEN first. */
	ui_keys_handle(ui, 'g');
	ui_keys_handle(ui, '\r');
	assert_non_null(ui->page);
	ui->page->draw(ui, ui->page_ctx);
	{
		bool named = false;

		for (int y = 1; y < 20; y++) {
			screen_row(y, row, sizeof(row));
			if (strncmp(row, "  netns ", 8) == 0) {
				print_message("%s\n", row);
				named = strcmp(row, "  netns     host  (inode 100; N or view 8 show it "
						    "alone)") == 0;
			}
		}
		assert_true(named);
	}
	ui_keys_handle(ui, 27);
	assert_null(ui->page);

	/* Without namespaces, no NETNS column, and < from PROTO skips it
	 * to TIMER. */
	snapshot_unref(ui->shown);
	ui->shown = namespaces_snapshot(false, 11);
	ui_views_sample(ui);
	erase();
	conns->draw(ui, ui_views_current_state(ui), 0, 20, 230);
	screen_row(0, row, sizeof(row));
	print_message("%s\n", row);
	assert_null(strstr(row, "NETNS"));
	assert_null(strstr(row, "^")); /* PROTO's mark is cut: too narrow */
	ui_keys_handle(ui, '<');
	erase();
	conns->draw(ui, ui_views_current_state(ui), 0, 20, 230);
	screen_row(0, row, sizeof(row));
	print_message("%s\n", row);
	assert_non_null(strstr(row, "TIMER^"));
	endwin();
	delscreen(scr);
	fclose(out);
	fclose(in);
}

/* The LISTEN panel groups its blocks by namespace, the host's first, then
 * by name, each under a line naming it (shown safely). */
static void
test_listen_grouped_by_netns(void **state)
{
	struct ui *ui = *state;
	const struct ui_view *listen = view_titled("listen");
	FILE *out = tmpfile(), *in = fopen("/dev/null", "r");
	SCREEN *scr;
	char row[256], titles[512] = "";
	int listeners = 0;

	assert_non_null(out);
	assert_non_null(in);
	setenv("LINES", "24", 1);
	setenv("COLUMNS", "100", 1);
	scr = newterm("xterm", out, in);
	if (scr == NULL) {
		fclose(out);
		fclose(in);
		skip();
	}
	set_term(scr);
	/* A listener in blue too: host's and blue's on port 8000. */
	snapshot_unref(ui->shown);
	ui->shown = namespaces_snapshot(true, 21);
	ui_keys_handle(ui, listen->key);
	listen->draw(ui, ui_views_current_state(ui), 0, 20, 100);
	for (int y = 1; y < 20; y++) {
		screen_row(y, row, sizeof(row));
		print_message("%s\n", row);
		if (strncmp(row, "== namespace ", 13) == 0) {
			strcat(titles, row);
			strcat(titles, "|");
		}
		listeners += strncmp(row, "  127.0.0.1:8000 ", 17) == 0;
	}
	/* Only the host has a LISTEN socket in the snapshot; its one
	 * connection on port 8000 is its own, not blue's on the same port. */
	assert_string_equal(titles, "== namespace host (netns 100)|");
	assert_int_equal(listeners, 1);
	screen_row(3, row, sizeof(row));
	assert_string_equal(row, "  127.0.0.1:8000                 tcp        0/0                1         0");

	/* With listeners in every namespace: host first, then by name (the
	 * escape sorts before 'b'), the hostile name in its shown form. */
	snapshot_unref(ui->shown);
	ui->shown = namespaces_snapshot(true, 22);
	{
		struct snapshot *snap = snapshot_new(8);
		struct snapshot_netns *ns;

		assert_non_null(snap);
		for (uint32_t inode = HOST_NS; inode <= BLUE_NS; inode += 100) {
			ns = snapshot_add_netns(snap, inode);
			assert_non_null(ns);
			*ns = *snapshot_find_netns(ui->shown, inode);
			add_socket(snap, inode, TCP_STATE_LISTEN, 1);
		}
		snapshot_seal(snap);
		snap->seq = 23;
		snapshot_unref(ui->shown);
		ui->shown = snap;
	}
	erase();
	titles[0] = '\0';
	listeners = 0;
	listen->draw(ui, ui_views_current_state(ui), 0, 20, 100);
	for (int y = 1; y < 20; y++) {
		screen_row(y, row, sizeof(row));
		print_message("%s\n", row);
		if (strncmp(row, "== namespace ", 13) == 0) {
			strcat(titles, row);
			strcat(titles, "|");
		}
		listeners += strncmp(row, "  127.0.0.1:8000 ", 17) == 0;
	}
	assert_string_equal(titles, "== namespace host (netns 100)|"
				    "== namespace \\x1b]0;pwned\\x07evil\\x1b[31m (netns 200)|"
				    "== namespace blue (netns 300)|");
	assert_int_equal(listeners, 3);
	endwin();
	delscreen(scr);
	fclose(out);
	fclose(in);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_registry_entries_complete_and_unique),
		cmocka_unit_test(test_key_tables_unambiguous),
		cmocka_unit_test(test_help_lists_every_binding),
		cmocka_unit_test_setup_teardown(test_help_page_keys, setup_ui, teardown_ui),
		cmocka_unit_test_setup_teardown(test_number_keys_and_tab, setup_ui, teardown_ui),
		cmocka_unit_test_setup_teardown(test_view_keys_first, setup_ui, teardown_ui),
		cmocka_unit_test_setup_teardown(test_prompt_text, setup_ui, teardown_ui),
		cmocka_unit_test_setup_teardown(test_prompt_confirm_and_choose, setup_ui,
						teardown_ui),
		cmocka_unit_test(test_scroll),
		cmocka_unit_test(test_scroll_wheel),
		cmocka_unit_test(test_clip_osc52),
		cmocka_unit_test_setup_teardown(test_netns_rows, setup_netns, teardown_netns),
		cmocka_unit_test_setup_teardown(test_netns_view_keys, setup_netns, teardown_netns),
		cmocka_unit_test_setup_teardown(test_netns_picker, setup_netns, teardown_netns),
		cmocka_unit_test_setup_teardown(test_netns_view_draws_safely, setup_netns,
						teardown_netns),
		cmocka_unit_test_setup_teardown(test_netns_view_empty, setup_netns, teardown_netns),
		cmocka_unit_test_setup_teardown(test_conns_netns_column, setup_netns, teardown_netns),
		cmocka_unit_test_setup_teardown(test_listen_grouped_by_netns, setup_netns,
						teardown_netns),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

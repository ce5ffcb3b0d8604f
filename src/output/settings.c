/*
 * settings.c - the dashboard's settings in tcpdeck.conf (the ui.* keys):
 * parsing them from the file's bytes, writing them back into the file's
 * text without touching its other lines, and the load and save around
 * those.  Pure apart from settings_load() and settings_save().
 * Any thread; never prints or exits.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "conn_columns.h"
#include "format.h"
#include "safe_file.h"
#include "sampler.h"
#include "sanitize.h"
#include "conf_line.h"
#include "settings.h"

/* As diag_config.c: a bigger file is a wrong path. */
#define SETTINGS_MAX_BYTES 65536
#define PREFIX "ui."

static const char *const theme_names[SETTINGS_THEME_COUNT] = {
	[SETTINGS_THEME_DEFAULT] = "default",
	[SETTINGS_THEME_LIGHT] = "light",
	[SETTINGS_THEME_MONO] = "mono",
	[SETTINGS_THEME_CONTRAST] = "contrast",
};

/* The keys, in the order they are appended to a file. */
static const struct {
	const char *name;
	unsigned int bit;
} keys[] = {
	{"ui.view", SETTINGS_HAS_VIEW},       {"ui.columns", SETTINGS_HAS_COLUMNS},
	{"ui.sort", SETTINGS_HAS_SORT},       {"ui.interval", SETTINGS_HAS_INTERVAL},
	{"ui.theme", SETTINGS_HAS_THEME},     {"ui.mouse", SETTINGS_HAS_MOUSE},
	{"ui.linger", SETTINGS_HAS_LINGER},
};
enum { N_KEYS = sizeof(keys) / sizeof(keys[0]) };

void
settings_defaults(struct settings *s)
{
	memset(s, 0, sizeof(*s));
	s->sort_column = -1;
	s->interval_s = 1.0;
	s->theme = SETTINGS_THEME_DEFAULT;
	s->mouse = true;
	s->linger_s = 3.0;
}

const char *
settings_theme_name(enum settings_theme theme)
{
	return (unsigned int)theme < SETTINGS_THEME_COUNT ? theme_names[theme] : NULL;
}

int
settings_theme_find(const char *name)
{
	for (int i = 0; i < SETTINGS_THEME_COUNT; i++)
		if (strcmp(theme_names[i], name) == 0)
			return i;
	return -1;
}

const char *
settings_theme_names(void)
{
	return "default, light, mono, contrast";
}

bool
settings_owns_key(const char *key)
{
	return strncmp(key, PREFIX, strlen(PREFIX)) == 0;
}

static int
key_index(const char *key)
{
	for (int i = 0; i < N_KEYS; i++)
		if (strcmp(keys[i].name, key) == 0)
			return i;
	return -1;
}

/* Text of the file in a message, in its safe form (sanitize.h). */
struct quote {
	char text[160];
};

static const char *
quote(struct quote *q, const char *s)
{
	sanitize_str(s, q->text, sizeof(q->text), NULL);
	return q->text;
}

static int
parse_bool(const char *v, bool *out)
{
	static const char *const yes[] = {"on", "yes", "true", "1"};
	static const char *const no[] = {"off", "no", "false", "0"};

	for (size_t i = 0; i < 4; i++) {
		if (strcasecmp(v, yes[i]) == 0) {
			*out = true;
			return 0;
		}
		if (strcasecmp(v, no[i]) == 0) {
			*out = false;
			return 0;
		}
	}
	return -1;
}

/* Sets key k from value; -1 with a message (without file and line). */
static int
set_key(struct settings *s, int k, const char *value, settings_view_ok_fn *view_ok, char *msg,
	size_t msg_len)
{
	struct quote q;
	const char *key = keys[k].name;
	double v;

	switch (keys[k].bit) {
	case SETTINGS_HAS_VIEW:
		if (strlen(value) >= sizeof(s->view) || (view_ok != NULL && !view_ok(value))) {
			snprintf(msg, msg_len, "'%s': unknown view '%s'", key, quote(&q, value));
			return -1;
		}
		snprintf(s->view, sizeof(s->view), "%s", value);
		break;
	case SETTINGS_HAS_COLUMNS: {
		struct output_columns cols;
		char why[300], list[1024];
		size_t n = 0;

		/* Blanks after commas read well in a file. */
		for (const char *p = value; *p != '\0' && n + 1 < sizeof(list); p++)
			if (*p != ' ' && *p != '\t')
				list[n++] = *p;
		list[n] = '\0';
		if (output_columns_parse(OUTPUT_VIEW_CONNS, list, &cols, why, sizeof(why)) < 0) {
			char safe[SANITIZE_TEXT_MAX(300) + 1];

			/* It quotes the file's text as it was. */
			sanitize_str(why, safe, sizeof(safe), NULL);
			snprintf(msg, msg_len, "'%s': %.300s", key, safe);
			return -1;
		}
		s->columns = cols;
		break;
	}
	case SETTINGS_HAS_SORT: {
		char name[32];
		const char *colon = strchr(value, ':');
		size_t len = colon != NULL ? (size_t)(colon - value) : strlen(value);
		int col;

		if (len >= sizeof(name) || (colon != NULL && strcmp(colon, ":desc") != 0 &&
					    strcmp(colon, ":asc") != 0)) {
			snprintf(msg, msg_len, "'%s' needs COLUMN, COLUMN:asc or COLUMN:desc, not '%s'",
				 key, quote(&q, value));
			return -1;
		}
		memcpy(name, value, len);
		name[len] = '\0';
		col = conn_column_find(name);
		if (col < 0) {
			snprintf(msg, msg_len, "'%s': unknown column '%s'", key, quote(&q, name));
			return -1;
		}
		s->sort_column = col;
		s->sort_descending = colon != NULL && strcmp(colon, ":desc") == 0;
		break;
	}
	case SETTINGS_HAS_INTERVAL:
		if (format_parse_seconds(value, &v) < 0 || v < SAMPLER_MIN_INTERVAL ||
		    v > SAMPLER_MAX_INTERVAL) {
			snprintf(msg, msg_len, "'%s' needs seconds from %g to %g, not '%s'", key,
				 SAMPLER_MIN_INTERVAL, SAMPLER_MAX_INTERVAL, quote(&q, value));
			return -1;
		}
		s->interval_s = v;
		break;
	case SETTINGS_HAS_THEME: {
		int t = settings_theme_find(value);

		if (t < 0) {
			snprintf(msg, msg_len, "'%s': unknown theme '%s' (expected one of %s)", key,
				 quote(&q, value), settings_theme_names());
			return -1;
		}
		s->theme = (enum settings_theme)t;
		break;
	}
	case SETTINGS_HAS_MOUSE:
		if (parse_bool(value, &s->mouse) < 0) {
			snprintf(msg, msg_len, "'%s' needs on or off, not '%s'", key, quote(&q, value));
			return -1;
		}
		break;
	case SETTINGS_HAS_LINGER:
		if (format_parse_seconds(value, &v) < 0 || v > 3600) {
			snprintf(msg, msg_len, "'%s' needs seconds from 0 to 3600, not '%s'", key,
				 quote(&q, value));
			return -1;
		}
		s->linger_s = v;
		break;
	default:
		return -1;
	}
	s->set |= keys[k].bit;
	return 0;
}

int
settings_parse(struct settings *s, const char *name, const char *text, size_t len,
	       settings_view_ok_fn *view_ok, settings_warn_fn *warn, void *warn_arg)
{
	unsigned int line_no = 0;
	size_t pos = 0;
	int bad = 0;
	struct quote qn, qk;

	name = quote(&qn, name);
	while (pos < len) {
		char line[1024], msg[600], why[400], *key, *value;
		size_t end = pos;
		int k, rc;

		while (end < len && text[end] != '\n')
			end++;
		line_no++;
		/* Lines the thresholds' parser rejects (too long, NUL bytes,
		 * no '=') are its to report. */
		if (end - pos >= sizeof(line) || memchr(text + pos, '\0', end - pos) != NULL) {
			pos = end + 1;
			continue;
		}
		memcpy(line, text + pos, end - pos);
		line[end - pos] = '\0';
		pos = end + 1;
		rc = conf_line_split(line, &key, &value);
		if (!settings_owns_key(key) || rc == 0)
			continue;
		k = rc < 0 ? -1 : key_index(key);
		if (rc < 0) {
			snprintf(why, sizeof(why), "expected 'key = value', not '%s' (ignored)",
				 quote(&qk, key));
		} else if (k < 0) {
			snprintf(why, sizeof(why), "unknown setting '%s' (ignored)", quote(&qk, key));
		} else if (*value == '\0') {
			snprintf(why, sizeof(why), "'%s' has no value (ignored)", keys[k].name);
		} else if (set_key(s, k, value, view_ok, why, sizeof(why)) == 0) {
			continue;
		}
		bad++;
		if (warn != NULL) {
			snprintf(msg, sizeof(msg), "%s:%u: %s", name, line_no, why);
			warn(warn_arg, msg);
		}
	}
	return bad;
}

/* The shortest "%g" form of v that reads back as v (up to 17 digits,
 * which any double needs at most): 0.2 stays "0.2", and a value typed
 * with more digits than "%g" keeps is saved as it was read. */
static int
shortest_number(char *out, size_t size, double v)
{
	int n = -1;

	for (int digits = 6; digits <= 17; digits++) {
		n = snprintf(out, size, "%.*g", digits, v);
		if (n < 0 || (size_t)n >= size || strtod(out, NULL) == v)
			break;
	}
	return n;
}

int
settings_format_value(const struct settings *s, const char *key, char *out, size_t size)
{
	int k = key_index(key), n = 0;

	if (k < 0 || size == 0)
		return -1;
	out[0] = '\0';
	switch (keys[k].bit) {
	case SETTINGS_HAS_VIEW:
		n = snprintf(out, size, "%s", s->view);
		break;
	case SETTINGS_HAS_COLUMNS:
		for (size_t i = 0; i < s->columns.n; i++) {
			const struct conn_column_def *def = conn_column((enum conn_column)s->columns.ids[i]);
			size_t used = strlen(out);

			if (def != NULL)
				snprintf(out + used, size - used, "%s%s", i > 0 ? "," : "", def->name);
		}
		n = (int)strlen(out);
		break;
	case SETTINGS_HAS_SORT: {
		const struct conn_column_def *def =
			s->sort_column >= 0 ? conn_column((enum conn_column)s->sort_column) : NULL;

		n = snprintf(out, size, "%s%s", def != NULL ? def->name : "",
			     def != NULL && s->sort_descending ? ":desc" : "");
		break;
	}
	case SETTINGS_HAS_INTERVAL:
		n = shortest_number(out, size, s->interval_s);
		break;
	case SETTINGS_HAS_THEME:
		n = snprintf(out, size, "%s", settings_theme_name(s->theme));
		break;
	case SETTINGS_HAS_MOUSE:
		n = snprintf(out, size, "%s", s->mouse ? "on" : "off");
		break;
	case SETTINGS_HAS_LINGER:
		n = shortest_number(out, size, s->linger_s);
		break;
	}
	return n < 0 || (size_t)n >= size ? -1 : n;
}

/* A growing text. */
struct text {
	char *buf;
	size_t len, cap;
	bool failed;
};

static void
text_add(struct text *t, const char *s, size_t n)
{
	if (t->failed)
		return;
	if (t->len + n + 1 > t->cap) {
		size_t cap = (t->len + n + 1) * 2;
		char *more = realloc(t->buf, cap);

		if (more == NULL) {
			t->failed = true;
			return;
		}
		t->buf = more;
		t->cap = cap;
	}
	memcpy(t->buf + t->len, s, n);
	t->len += n;
	t->buf[t->len] = '\0';
}

/* Writes key k's line; a setting left to the dashboard (view "", sort
 * -1, every column) has none. */
static void
text_key(struct text *t, const struct settings *s, int k, const char *comment)
{
	char value[512];

	if (settings_format_value(s, keys[k].name, value, sizeof(value)) <= 0)
		return;
	text_add(t, keys[k].name, strlen(keys[k].name));
	text_add(t, " = ", 3);
	text_add(t, value, strlen(value));
	if (comment != NULL) {
		text_add(t, " ", 1);
		text_add(t, comment, strlen(comment));
	}
	text_add(t, "\n", 1);
}

static bool
has_value(const struct settings *s, int k)
{
	char value[512];

	return settings_format_value(s, keys[k].name, value, sizeof(value)) > 0;
}

int
settings_write_text(const struct settings *s, const char *old, size_t old_len, char **out,
		    size_t *out_len)
{
	struct text t = {0};
	bool written[N_KEYS] = {false};
	bool any_missing = false;
	size_t pos = 0;

	text_add(&t, "", 0);
	while (old != NULL && pos < old_len) {
		size_t end = pos, n;
		char line[1024], *key, *value;
		const char *hash;
		int k = -1;

		while (end < old_len && old[end] != '\n')
			end++;
		n = end - pos;
		if (n < sizeof(line) && memchr(old + pos, '\0', n) == NULL) {
			memcpy(line, old + pos, n);
			line[n] = '\0';
			if (conf_line_split(line, &key, &value) == 1)
				k = key_index(key);
		}
		if (k < 0) {
			/* Not ours: as it was, a missing last newline added. */
			text_add(&t, old + pos, n);
			text_add(&t, "\n", 1);
		} else if (!written[k]) {
			char comment[1024];

			hash = memchr(old + pos, '#', n);
			if (hash != NULL) {
				size_t c = (size_t)(old + end - hash);

				memcpy(comment, hash, c);
				comment[c] = '\0';
				while (c > 0 && (comment[c - 1] == '\r' || comment[c - 1] == ' '))
					comment[--c] = '\0';
			}
			text_key(&t, s, k, hash != NULL ? comment : NULL);
			written[k] = true;
		}
		pos = end + 1;
	}
	for (int k = 0; k < N_KEYS; k++)
		any_missing |= !written[k] && has_value(s, k);
	if (any_missing && !t.failed) {
		static const char head[] = "# The dashboard's settings (F2 in the dashboard saves them)\n";

		if (strstr(t.buf, head) == NULL) {
			if (t.len > 0 && !(t.len >= 2 && t.buf[t.len - 2] == '\n'))
				text_add(&t, "\n", 1);
			text_add(&t, head, sizeof(head) - 1);
		}
		for (int k = 0; k < N_KEYS; k++)
			if (!written[k])
				text_key(&t, s, k, NULL);
	}
	if (t.failed) {
		free(t.buf);
		errno = ENOMEM;
		return -1;
	}
	*out = t.buf;
	*out_len = t.len;
	return 0;
}

/* Reads a whole small file into *text (malloc'd); 1 when it does not
 * exist, -1 with errno (EFBIG past the limit). */
static int
read_small(const char *path, char **text, size_t *len)
{
	FILE *file = fopen(path, "re");
	char *buf;

	if (file == NULL)
		return errno == ENOENT || errno == ENOTDIR || errno == EACCES ? 1 : -1;
	buf = malloc(SETTINGS_MAX_BYTES + 1);
	if (buf == NULL) {
		fclose(file);
		errno = ENOMEM;
		return -1;
	}
	*len = fread(buf, 1, SETTINGS_MAX_BYTES + 1, file);
	if (ferror(file) || *len > SETTINGS_MAX_BYTES) {
		int err = ferror(file) ? errno : EFBIG;

		free(buf);
		fclose(file);
		errno = err;
		return -1;
	}
	fclose(file);
	*text = buf;
	return 0;
}

int
settings_load(struct settings *s, const char *path, settings_view_ok_fn *view_ok,
	      settings_warn_fn *warn, void *warn_arg, char *err, size_t err_len)
{
	char *text = NULL;
	size_t len = 0;
	struct quote q;
	int rc = read_small(path, &text, &len);

	if (rc != 0) {
		if (rc < 0)
			snprintf(err, err_len, "cannot read config file '%s': %s", quote(&q, path),
				 strerror(errno));
		return rc;
	}
	settings_parse(s, path, text, len, view_ok, warn, warn_arg);
	free(text);
	return 0;
}

/* Makes the directory of path when it is missing (one level: the
 * tcpdeck directory under an existing config directory). */
static void
make_parent(const char *path)
{
	char dir[4096];
	char *slash;

	if (snprintf(dir, sizeof(dir), "%s", path) >= (int)sizeof(dir))
		return;
	slash = strrchr(dir, '/');
	if (slash == NULL || slash == dir)
		return;
	*slash = '\0';
	if (mkdir(dir, 0700) < 0 && errno == ENOENT) {
		/* ~/.config itself may be missing on a fresh account. */
		char *up = strrchr(dir, '/');

		if (up != NULL && up != dir) {
			*up = '\0';
			(void)mkdir(dir, 0700);
			*up = '/';
			(void)mkdir(dir, 0700);
		}
	}
}

int
settings_save(const struct settings *s, const char *path, char *err, size_t err_len)
{
	char *old = NULL, *text;
	size_t old_len = 0, len;
	struct quote q;
	struct stat st;
	mode_t mode = 0644;
	int rc = read_small(path, &old, &old_len);

	if (rc < 0) {
		snprintf(err, err_len, "cannot read config file '%s': %s", quote(&q, path),
			 strerror(errno));
		return -1;
	}
	/* The file keeps its permissions when it is replaced. */
	if (rc == 0 && stat(path, &st) == 0)
		mode = st.st_mode & 07777;
	if (settings_write_text(s, old, old_len, &text, &len) < 0) {
		free(old);
		snprintf(err, err_len, "out of memory");
		return -1;
	}
	free(old);
	make_parent(path);
	rc = safe_file_write(path, text, len, mode);
	free(text);
	if (rc < 0) {
		snprintf(err, err_len, "cannot save settings to '%s': %s", quote(&q, path),
			 strerror(errno));
		return -1;
	}
	return 0;
}

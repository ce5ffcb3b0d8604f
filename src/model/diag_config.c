/*
 * diag_config.c - the diagnoses' thresholds (the rules' own keys come
 * from the rule table, diagnose_rules.c) and the config file parser.
 * Pure apart from diag_config_load(), which reads one file.
 * Any thread; never prints or exits.
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf_line.h"
#include "diag_config.h"
#include "diagnose_internal.h"
#include "sanitize.h"

/* Config files are a few lines; anything bigger is a wrong path. */
#define DIAG_CONFIG_MAX_BYTES 65536

/* The keys of every rule: hysteresis and listing.  A rule's own keys are
 * in its entry of the rule table (diagnose_rules.c).  The defaults aim at
 * a busy server under a load test: quiet for the churn of healthy
 * traffic, loud for a leak, a full queue or a dead peer. */
static const struct diag_key_def general_keys[] = {
	{DIAG_CLEAR_PCT, "hysteresis.clear_pct", 50, 0, 100, 0,
	 "a finding clears below this percent of its firing threshold"},
	{DIAG_QUIET_SAMPLES, "hysteresis.quiet_samples", 3, 1, 1000, 1,
	 "samples in a row below the clearing threshold before a finding clears"},
	{DIAG_FIRE_SAMPLES, "hysteresis.fire_samples", 1, 1, 1000, 1,
	 "samples in a row above the threshold before a finding fires"},
	{DIAG_MAX_PER_RULE, "findings.max_per_rule", 10, 1, 1000, 1,
	 "findings listed per rule, worst first"},
};

const struct diag_key_def *
diag_config_key_def(enum diag_key key)
{
	if ((unsigned int)key >= DIAG_KEY_COUNT)
		return NULL;
	for (size_t i = 0; i < sizeof(general_keys) / sizeof(general_keys[0]); i++)
		if (general_keys[i].key == key)
			return &general_keys[i];
	return diag_rules_key_def(key);
}

void
diag_config_defaults(struct diag_config *cfg)
{
	for (int i = 0; i < DIAG_KEY_COUNT; i++) {
		const struct diag_key_def *k = diag_config_key_def((enum diag_key)i);

		cfg->value[i] = k != NULL ? k->def : 0;
	}
}

const char *
diag_config_key_name(enum diag_key key)
{
	const struct diag_key_def *k = diag_config_key_def(key);

	return k != NULL ? k->name : NULL;
}

double
diag_config_key_default(enum diag_key key)
{
	const struct diag_key_def *k = diag_config_key_def(key);

	return k != NULL ? k->def : 0;
}

const char *
diag_config_key_help(enum diag_key key)
{
	const struct diag_key_def *k = diag_config_key_def(key);

	return k != NULL ? k->help : NULL;
}

int
diag_config_key_find(const char *name)
{
	for (int i = 0; i < DIAG_KEY_COUNT; i++) {
		const char *k = diag_config_key_name((enum diag_key)i);

		if (k != NULL && strcmp(k, name) == 0)
			return i;
	}
	return -1;
}

/* Text of the file quoted in a message, in its safe form (sanitize.h): a
 * config file may hold any bytes, and messages reach a terminal. */
struct quote {
	char text[160];
};

static const char *
quote(struct quote *q, const char *s)
{
	sanitize_str(s, q->text, sizeof(q->text), NULL);
	return q->text;
}

int
diag_config_set(struct diag_config *cfg, const char *key, const char *value, char *err,
		size_t err_len)
{
	struct quote qk, qv;
	int k = diag_config_key_find(key);
	const struct diag_key_def *def;
	char *end;
	double v;

	if (k < 0) {
		snprintf(err, err_len, "unknown key '%s'", quote(&qk, key));
		return -1;
	}
	def = diag_config_key_def((enum diag_key)k);
	errno = 0;
	v = strtod(value, &end);
	if (end == value || *end != '\0' || errno != 0 || !isfinite(v) ||
	    (def->integer && v != floor(v))) {
		snprintf(err, err_len, "'%s' needs %s, not '%s'", key,
			 def->integer ? "a whole number" : "a number", quote(&qv, value));
		return -1;
	}
	if (v < def->min || v > def->max) {
		snprintf(err, err_len, "'%s' must be from %g to %g, not %s", key, def->min,
			 def->max, quote(&qv, value));
		return -1;
	}
	cfg->value[k] = v;
	return 0;
}

/* Keeps the message of the first bad line; counts them all. */
static void
bad_line(unsigned int *bad, char *err, size_t err_len, const char *msg)
{
	if ((*bad)++ == 0)
		snprintf(err, err_len, "%s", msg);
}

int
diag_config_parse(struct diag_config *cfg, const char *name, const char *text, size_t len,
		  char *err, size_t err_len)
{
	unsigned int line_no = 0, bad = 0;
	size_t pos = 0;
	struct quote qn, qk;

	name = quote(&qn, name);
	if (err_len > 0)
		err[0] = '\0';

	while (pos < len) {
		char line[1024], msg[DIAG_CONFIG_ERROR_MAX], say[2 * DIAG_CONFIG_ERROR_MAX];
		char *key, *value;
		size_t end = pos, n;
		int rc;

		while (end < len && text[end] != '\n')
			end++;
		line_no++;
		n = end - pos;
		if (n >= sizeof(line)) {
			snprintf(say, sizeof(say), "%s:%u: line too long", name, line_no);
			bad_line(&bad, err, err_len, say);
			pos = end + 1;
			continue;
		}
		memcpy(line, text + pos, n);
		line[n] = '\0';
		pos = end + 1;
		if (strlen(line) != n) {
			snprintf(say, sizeof(say), "%s:%u: contains a NUL byte", name, line_no);
			bad_line(&bad, err, err_len, say);
			continue;
		}
		rc = conf_line_split(line, &key, &value);
		if (rc == 0)
			continue;
		/* The dashboard's settings (ui.*, settings.c in output/) share
		 * the file; that parser reports its own bad lines. */
		if (strncmp(key, "ui.", 3) == 0)
			continue;
		if (rc < 0) {
			snprintf(say, sizeof(say), "%s:%u: expected 'key = value', not '%s'", name,
				 line_no, quote(&qk, key));
			bad_line(&bad, err, err_len, say);
			continue;
		}
		if (*key == '\0' || *value == '\0') {
			snprintf(say, sizeof(say), "%s:%u: expected 'key = value'", name, line_no);
			bad_line(&bad, err, err_len, say);
			continue;
		}
		if (diag_config_set(cfg, key, value, msg, sizeof(msg)) < 0) {
			snprintf(say, sizeof(say), "%s:%u: %s", name, line_no, msg);
			bad_line(&bad, err, err_len, say);
		}
	}
	if (bad > 1) {
		size_t used = strlen(err);

		if (used < err_len)
			snprintf(err + used, err_len - used, " (and %u more bad line%s)", bad - 1,
				 bad == 2 ? "" : "s");
	}
	return (int)(bad > INT_MAX ? INT_MAX : bad);
}

int
diag_config_load(struct diag_config *cfg, const char *path, int missing_ok, char *err,
		 size_t err_len)
{
	FILE *file = fopen(path, "re");
	char *text;
	size_t len;
	int rc;

	if (file == NULL) {
		/* A default path under a home we may not enter (a root
		 * HOME after dropping privileges) is as good as missing. */
		if (missing_ok && (errno == ENOENT || errno == ENOTDIR || errno == EACCES))
			return 1;
		snprintf(err, err_len, "cannot read config file '%s': %s", path, strerror(errno));
		return -1;
	}
	text = malloc(DIAG_CONFIG_MAX_BYTES + 1);
	if (text == NULL) {
		fclose(file);
		snprintf(err, err_len, "out of memory");
		return -1;
	}
	len = fread(text, 1, DIAG_CONFIG_MAX_BYTES + 1, file);
	if (ferror(file)) {
		snprintf(err, err_len, "cannot read config file '%s': %s", path, strerror(errno));
		rc = -1;
	} else if (len > DIAG_CONFIG_MAX_BYTES) {
		snprintf(err, err_len, "config file '%s' is larger than 64 KiB", path);
		rc = -1;
	} else {
		rc = diag_config_parse(cfg, path, text, len, err, err_len) > 0 ? 2 : 0;
	}
	free(text);
	fclose(file);
	return rc;
}

int
diag_config_default_path(const char *xdg_config_home, const char *home, char *out,
			 size_t out_len)
{
	int n;

	/* The XDG spec says a relative value is invalid and is ignored. */
	if (xdg_config_home != NULL && xdg_config_home[0] == '/')
		n = snprintf(out, out_len, "%s/tcpdeck/tcpdeck.conf", xdg_config_home);
	else if (home != NULL && home[0] != '\0')
		n = snprintf(out, out_len, "%s/.config/tcpdeck/tcpdeck.conf", home);
	else
		return -1;
	return n < 0 || (size_t)n >= out_len ? -1 : 0;
}

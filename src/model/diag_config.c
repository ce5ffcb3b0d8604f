/*
 * diag_config.c - the diagnoses' default thresholds and the config file
 * parser.  Pure apart from diag_config_load(), which reads one file.
 * Any thread; never prints or exits.
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "diag_config.h"

/* Config files are a few lines; anything bigger is a wrong path. */
#define DIAG_CONFIG_MAX_BYTES 65536

struct key_def {
	const char *name;
	double def, min, max;
	bool integer;
	const char *help;
};

/* The one table of defaults.  They aim at a busy server under a load
 * test: quiet for the churn of healthy traffic, loud for a leak, a full
 * queue or a dead peer. */
static const struct key_def keys[DIAG_KEY_COUNT] = {
	[DIAG_CLOSE_WAIT_MIN] = {"close_wait.min", 50, 1, 1e7, true,
				 "CLOSE_WAIT sockets of one process that make a pile by themselves"},
	[DIAG_CLOSE_WAIT_OLD_MIN] = {"close_wait.old_min", 5, 1, 1e7, true,
				     "CLOSE_WAIT sockets of one process enough when they are old "
				     "or growing"},
	[DIAG_CLOSE_WAIT_AGE_S] = {"close_wait.age_s", 30, 0, 1e6, false,
				   "seconds in CLOSE_WAIT that make a socket old"},
	[DIAG_CLOSE_WAIT_GROWTH] = {"close_wait.growth_per_s", 10, 0.01, 1e7, false,
				    "sockets per second entering CLOSE_WAIT in one process that "
				    "count as growing"},
	[DIAG_SYN_RECV_MIN] = {"syn_recv.min", 100, 1, 1e7, true,
			       "half-open (SYN_RECV) connections on one port"},
	[DIAG_SYN_RECV_FLOOD_SOURCES] = {"syn_recv.flood_sources", 50, 1, 1e7, true,
					 "distinct remote addresses among them that suggest a SYN "
					 "flood"},
	[DIAG_SYNCOOKIES_MIN_PER_S] = {"syncookies.min_per_s", 1, 0.01, 1e9, false,
				       "SYN cookies sent per second"},
	[DIAG_ACCEPT_QUEUE_FULL_PCT] = {"accept_queue.full_pct", 90, 1, 100, false,
					"accept queue length, percent of the backlog, that counts "
					"as full"},
	[DIAG_LISTEN_DROPS_MIN_PER_S] = {"listen_drops.min_per_s", 1, 0.01, 1e9, false,
					 "ListenOverflows or ListenDrops per second"},
	[DIAG_TIME_WAIT_PORT_USE_PCT] = {"time_wait.port_use_pct", 70, 1, 100, false,
					 "local ports in use toward one destination, percent of "
					 "the ephemeral port range"},
	[DIAG_SYN_SENT_MIN] = {"syn_sent.min", 50, 1, 1e7, true,
			       "pending connection attempts (SYN_SENT) of one process"},
	[DIAG_SYN_SENT_SCAN_DESTS] = {"syn_sent.scan_dests", 20, 2, 1e7, true,
				      "distinct destinations among them that look like a scan"},
	[DIAG_FIN_WAIT1_MIN] = {"fin_wait1.min", 50, 1, 1e7, true,
				"FIN_WAIT1 sockets toward one peer address"},
	[DIAG_LAST_ACK_MIN] = {"last_ack.min", 50, 1, 1e7, true,
			       "LAST_ACK sockets toward one peer address"},
	[DIAG_FIN_WAIT2_MIN] = {"fin_wait2.min", 10, 1, 1e7, true,
				"long-lived FIN_WAIT2 sockets of one process or peer"},
	[DIAG_FIN_WAIT2_AGE_S] = {"fin_wait2.age_s", 120, 0, 1e6, false,
				  "seconds in FIN_WAIT2 that make a socket long-lived"},
	[DIAG_RETRANS_PCT] = {"retrans.pct", 2, 0.01, 100, false,
			      "retransmitted segments, percent of segments sent"},
	[DIAG_RETRANS_MIN_OUT_PER_S] = {"retrans.min_out_per_s", 100, 0, 1e12, false,
					"segments sent per second below which retransmissions "
					"are not judged"},
	[DIAG_CLEAR_PCT] = {"hysteresis.clear_pct", 50, 0, 100, false,
			    "a finding clears below this percent of its firing threshold"},
	[DIAG_QUIET_SAMPLES] = {"hysteresis.quiet_samples", 3, 1, 1000, true,
				"samples in a row below the clearing threshold before a "
				"finding clears"},
	[DIAG_FIRE_SAMPLES] = {"hysteresis.fire_samples", 1, 1, 1000, true,
			       "samples in a row above the threshold before a finding fires"},
	[DIAG_MAX_PER_RULE] = {"findings.max_per_rule", 10, 1, 1000, true,
			       "findings listed per rule, worst first"},
};

void
diag_config_defaults(struct diag_config *cfg)
{
	for (int i = 0; i < DIAG_KEY_COUNT; i++)
		cfg->value[i] = keys[i].def;
}

const char *
diag_config_key_name(enum diag_key key)
{
	return (unsigned int)key < DIAG_KEY_COUNT ? keys[key].name : NULL;
}

double
diag_config_key_default(enum diag_key key)
{
	return (unsigned int)key < DIAG_KEY_COUNT ? keys[key].def : 0;
}

const char *
diag_config_key_help(enum diag_key key)
{
	return (unsigned int)key < DIAG_KEY_COUNT ? keys[key].help : NULL;
}

int
diag_config_key_find(const char *name)
{
	for (int i = 0; i < DIAG_KEY_COUNT; i++)
		if (strcmp(keys[i].name, name) == 0)
			return i;
	return -1;
}

int
diag_config_set(struct diag_config *cfg, const char *key, const char *value, char *err,
		size_t err_len)
{
	int k = diag_config_key_find(key);
	const struct key_def *def;
	char *end;
	double v;

	if (k < 0) {
		snprintf(err, err_len, "unknown key '%s'", key);
		return -1;
	}
	def = &keys[k];
	errno = 0;
	v = strtod(value, &end);
	if (end == value || *end != '\0' || errno != 0 || !isfinite(v) ||
	    (def->integer && v != floor(v))) {
		snprintf(err, err_len, "'%s' needs %s, not '%s'", key,
			 def->integer ? "a whole number" : "a number", value);
		return -1;
	}
	if (v < def->min || v > def->max) {
		snprintf(err, err_len, "'%s' must be from %g to %g, not %s", key, def->min,
			 def->max, value);
		return -1;
	}
	cfg->value[k] = v;
	return 0;
}

/* Strips leading and trailing blanks in place; returns the new start. */
static char *
trim(char *s)
{
	char *end;

	while (*s == ' ' || *s == '\t')
		s++;
	end = s + strlen(s);
	while (end > s && (end[-1] == ' ' || end[-1] == '\t' || end[-1] == '\r'))
		*--end = '\0';
	return s;
}

int
diag_config_parse(struct diag_config *cfg, const char *name, const char *text, size_t len,
		  char *err, size_t err_len)
{
	unsigned int line_no = 0;
	size_t pos = 0;

	while (pos < len) {
		char line[1024], msg[DIAG_CONFIG_ERROR_MAX], *hash, *eq, *key, *value;
		size_t end = pos;

		while (end < len && text[end] != '\n')
			end++;
		line_no++;
		if (end - pos >= sizeof(line)) {
			snprintf(err, err_len, "%s:%u: line too long", name, line_no);
			return -1;
		}
		memcpy(line, text + pos, end - pos);
		line[end - pos] = '\0';
		if (strlen(line) != end - pos) {
			snprintf(err, err_len, "%s:%u: contains a NUL byte", name, line_no);
			return -1;
		}
		pos = end + 1;
		hash = strchr(line, '#');
		if (hash != NULL)
			*hash = '\0';
		key = trim(line);
		if (*key == '\0')
			continue;
		eq = strchr(key, '=');
		if (eq == NULL) {
			snprintf(err, err_len, "%s:%u: expected 'key = value', not '%s'", name,
				 line_no, key);
			return -1;
		}
		*eq = '\0';
		value = trim(eq + 1);
		key = trim(key);
		if (*key == '\0' || *value == '\0') {
			snprintf(err, err_len, "%s:%u: expected 'key = value'", name, line_no);
			return -1;
		}
		if (diag_config_set(cfg, key, value, msg, sizeof(msg)) < 0) {
			snprintf(err, err_len, "%s:%u: %s", name, line_no, msg);
			return -1;
		}
	}
	return 0;
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
		rc = diag_config_parse(cfg, path, text, len, err, err_len);
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

/*
 * diag_config.h - the thresholds of the diagnoses, and the config file
 * that overrides them.
 *
 * Every threshold has one definition (struct diag_key_def): a name
 * ("close_wait.min"), a default, an allowed range and a one-line
 * description.  A rule's keys are defined in its entry of the rule table
 * (diagnose_rules.c); the keys of every rule (hysteresis, listing) in
 * diag_config.c.  The parser, the defaults and the man page's list all
 * come from these definitions.
 * The file holds `key = value` lines; `#` starts a comment; blank lines
 * are ignored.  Keys under "ui." are the dashboard's settings
 * (settings.h) and are skipped here.  Parsing works on bytes; reading the file is a separate
 * call.  Errors come back as one line "FILE:LINE: what is wrong".
 * Plain values and pure functions: any thread.  Nothing prints or exits.
 */
#ifndef TCPDECK_DIAG_CONFIG_H
#define TCPDECK_DIAG_CONFIG_H

#include <stddef.h>

enum diag_key {
	DIAG_CLOSE_WAIT_MIN,        /* sockets of one process: a pile */
	DIAG_CLOSE_WAIT_OLD_MIN,    /* fewer are enough when old or growing */
	DIAG_CLOSE_WAIT_AGE_S,      /* "old": in CLOSE_WAIT this long */
	DIAG_CLOSE_WAIT_GROWTH,     /* "growing": entering per second */
	DIAG_SYN_RECV_MIN,          /* half-open connections on one port */
	DIAG_SYN_RECV_FLOOD_SOURCES,/* distinct remote addresses: a flood */
	DIAG_SYNCOOKIES_MIN_PER_S,  /* SyncookiesSent per second */
	DIAG_ACCEPT_QUEUE_FULL_PCT, /* accept queue / backlog, percent */
	DIAG_LISTEN_DROPS_MIN_PER_S,/* ListenOverflows or ListenDrops per s */
	DIAG_TIME_WAIT_PORT_USE_PCT,/* of the ephemeral range, toward one
				     * destination */
	DIAG_SYN_SENT_MIN,          /* pending connects of one process */
	DIAG_SYN_SENT_SCAN_DESTS,   /* distinct destinations: a scan */
	DIAG_SYN_SENT_DEST_MIN,     /* toward one destination, from several
				     * processes */
	DIAG_FIN_WAIT1_MIN,         /* toward one peer address */
	DIAG_FIN_WAIT1_PORT_MIN,    /* stuck ones on one local port, or of
				     * one process on ephemeral ports */
	DIAG_FIN_WAIT1_AGE_S,       /* "stuck" */
	DIAG_LAST_ACK_MIN,          /* toward one peer address */
	DIAG_LAST_ACK_PORT_MIN,     /* as fin_wait1.port_min */
	DIAG_LAST_ACK_AGE_S,        /* "stuck" */
	DIAG_FIN_WAIT2_MIN,         /* long-lived ones of one holder */
	DIAG_FIN_WAIT2_AGE_S,       /* "long-lived" */
	DIAG_RETRANS_PCT,           /* RetransSegs / OutSegs, percent */
	DIAG_RETRANS_MIN_OUT_PER_S, /* below this OutSegs rate: too little
				     * traffic to judge */
	DIAG_FD_LIMIT_PCT,          /* open descriptors, percent of the
				     * process's soft RLIMIT_NOFILE */
	DIAG_CONNTRACK_FULL_PCT,    /* nf_conntrack_count, percent of
				     * nf_conntrack_max */
	DIAG_STALLED_READER_MIN,    /* connections of one process ... */
	DIAG_STALLED_READER_AGE_S,  /* ... with data unread this long */
	DIAG_ZERO_WINDOW_MIN,       /* connections toward one peer ... */
	DIAG_ZERO_WINDOW_AGE_S,     /* ... held by its window this long */
	DIAG_DEAD_PEER_MIN,         /* dead-looking connections on one port */
	DIAG_DEAD_PEER_RETRANS_S,   /* nothing received while retransmitting */
	DIAG_DEAD_PEER_IDLE_S,      /* nothing either way, no keepalive */
	DIAG_TIME_WAIT_RESTART_MIN, /* TIME_WAIT on a listening port */
	DIAG_RESETS_MIN_PER_S,      /* resets sent, refused or aborted per s */
	DIAG_RESETS_PCT,            /* ... percent of connections opened */
	DIAG_TIME_WAIT_RESTART_MEMORY_S, /* a listener that went is
					  * remembered this long */
	DIAG_CONN_PER_REQUEST_MIN_PER_S, /* short connections per second
					  * between one client and one port */
	DIAG_CONN_PER_REQUEST_MAX_LIFETIME_S, /* "short": lived at most */
	DIAG_EARLY_CLOSE_MIN_PER_S, /* connections a server closes early, per s */
	DIAG_EARLY_CLOSE_MAX_MS,    /* "early": within this of the accept */
	DIAG_CLOSES_LOST_MIN,       /* close announcements lost in a sample */
	DIAG_CLEAR_PCT,             /* a finding clears below this percent
				     * of its firing threshold ... */
	DIAG_QUIET_SAMPLES,         /* ... for this many samples in a row */
	DIAG_FIRE_SAMPLES,          /* samples above threshold before firing */
	DIAG_MAX_PER_RULE,          /* findings shown per rule, worst first */
	DIAG_KEY_COUNT
};

struct diag_config {
	double value[DIAG_KEY_COUNT];
};

/* One key: what the parser accepts and the man page lists. */
struct diag_key_def {
	enum diag_key key;
	const char *name;   /* "close_wait.min" */
	double def;         /* default */
	double min, max;    /* allowed range, inclusive */
	int integer;        /* whole numbers only */
	const char *help;   /* one line */
};

/* Longest one-line error message, with the file name. */
#define DIAG_CONFIG_ERROR_MAX 512

/* Fills cfg with the defaults. */
void diag_config_defaults(struct diag_config *cfg);

/* A key's definition; NULL when out of range. */
const struct diag_key_def *diag_config_key_def(enum diag_key key);

/* A key's name ("close_wait.min"), default, and one-line description;
 * NULL / 0 when out of range. */
const char *diag_config_key_name(enum diag_key key);
double diag_config_key_default(enum diag_key key);
const char *diag_config_key_help(enum diag_key key);

/* The key called name, or -1. */
int diag_config_key_find(const char *name);

/*
 * Sets one key from its text value.  Returns 0, or -1 with a message
 * (without file and line) in err: unknown key, not a number, out of range.
 */
int diag_config_set(struct diag_config *cfg, const char *key, const char *value, char *err,
		    size_t err_len);

/*
 * Applies the `key = value` lines of text (len bytes, not necessarily
 * NUL-terminated) to cfg; `name` is the file name used in messages.
 * A bad line (unknown key, bad value, not `key = value`, too long, a NUL
 * byte) is skipped and the rest still applied: returns how many were
 * bad, with the first as "NAME:LINE: ..." in err (followed by "(and N
 * more bad lines)"); 0 when every line was good (err empty).
 */
int diag_config_parse(struct diag_config *cfg, const char *name, const char *text, size_t len,
		      char *err, size_t err_len);

/*
 * Reads and applies the file at path.  Returns 0; 1 when missing_ok is
 * set and the file does not exist or cannot be reached (ENOENT, ENOTDIR,
 * EACCES: cfg untouched); 2 when some lines were bad and skipped (the
 * rest applied; the message in err, as diag_config_parse() says it); -1
 * with a one-line message in err when the file cannot be used at all
 * (unreadable, larger than 64 KiB).
 */
int diag_config_load(struct diag_config *cfg, const char *path, int missing_ok, char *err,
		     size_t err_len);

/*
 * The default config path: $XDG_CONFIG_HOME/tcpdeck/tcpdeck.conf when
 * xdg_config_home is set and absolute, else $HOME/.config/tcpdeck/
 * tcpdeck.conf.  The caller passes the environment values (NULL when
 * unset).  Returns 0, or -1 when neither gives a path or it does not fit.
 */
int diag_config_default_path(const char *xdg_config_home, const char *home, char *out,
			     size_t out_len);

#endif

/*
 * web_config.h - the exporter's web configuration (--web-config FILE):
 * the file format of Prometheus' exporter-toolkit, the part tcpdeck
 * supports: TLS (tls_server_config: cert_file, key_file) and HTTP basic
 * authentication (basic_auth_users: user: bcrypt hash).
 *
 * The parser reads a strict YAML subset: block mappings by indentation
 * (spaces), plain, 'single' and "double" quoted scalars, comments, one
 * leading "---".  Anything else (flow collections, sequences, anchors,
 * tags, block scalars, tabs in indentation), unknown keys and keys the
 * toolkit knows but tcpdeck does not support are refused with one line
 * naming the line number.
 *
 * Loading and freeing on the main thread; web_config_check() from any
 * thread (the HTTP server's).  Nothing here prints or exits.
 */
#ifndef TCPDECK_WEB_CONFIG_H
#define TCPDECK_WEB_CONFIG_H

#include <stdbool.h>
#include <stddef.h>

/* Bounds of what is accepted. */
enum {
	WEB_CONFIG_MAX_FILE = 1024 * 1024,   /* the configuration file */
	WEB_CONFIG_MAX_PEM = 1024 * 1024,    /* a certificate or key file */
	WEB_CONFIG_CACHE_SLOTS = 16,         /* verified (user, password) pairs */
	WEB_CONFIG_CACHE_TTL_S = 60,         /* how long one is trusted */
	/* bcrypt is slow on purpose; unverified guesses may take at most
	 * this share of the time, with a burst of WEB_CONFIG_BCRYPT_BURST_MS,
	 * so a flood of wrong passwords cannot hold up the server thread. */
	WEB_CONFIG_BCRYPT_SHARE_PERCENT = 25,
	WEB_CONFIG_BCRYPT_BURST_MS = 500,
};

struct web_config;

/*
 * Parses the configuration text (len bytes, no terminator needed).
 * Relative cert_file and key_file are taken from dir (NULL: as given);
 * name prefixes messages ("NAME:LINE: ...").  Does not read the
 * certificate files.  NULL with a one-line cause on a bad file.
 */
struct web_config *web_config_parse(const char *text, size_t len, const char *name,
				    const char *dir, char *cause, size_t cause_len);

/* Reads and parses path, then reads the certificate and key files it
 * names.  NULL with a one-line cause. */
struct web_config *web_config_load(const char *path, char *cause, size_t cause_len);

void web_config_free(struct web_config *c);

/* Whether TLS is configured; then the paths and (after web_config_load)
 * the PEM contents, NUL-terminated. */
bool web_config_tls(const struct web_config *c);
const char *web_config_cert_file(const struct web_config *c);
const char *web_config_key_file(const struct web_config *c);
const char *web_config_cert_pem(const struct web_config *c);
const char *web_config_key_pem(const struct web_config *c);

/* Number of basic_auth_users; 0: no authentication asked. */
size_t web_config_users(const struct web_config *c);

/*
 * Whether user and password (NULL: not given) may in: always when no
 * user is configured; else the password must match the user's bcrypt
 * hash (crypt(3), compared in constant time).  A pair verified in the
 * last WEB_CONFIG_CACHE_TTL_S seconds is accepted from a cache keyed by
 * a salted SHA-256 of (user, password), so frequent scrapes do not pay a
 * bcrypt each.  An unknown user costs a bcrypt too.  Pairs not in the
 * cache are refused without a bcrypt while the bcrypt time budget
 * (WEB_CONFIG_BCRYPT_SHARE_PERCENT) is spent.  Thread-safe.
 */
bool web_config_check(struct web_config *c, const char *user, const char *password);

/*
 * Splits an Authorization header value, "Basic BASE64(user:password)"
 * (scheme case-insensitive, blanks around the token allowed), into new
 * strings *user and *password (split at the first ':'; the free() of
 * both is the caller's).  -1 for any other scheme, bad base64, no ':', a
 * NUL byte, or a token longer than 4 KiB.  Pure; any thread.
 */
int web_config_parse_basic(const char *header, char **user, char **password);

/* Verifications answered from the cache so far (for tests). */
unsigned long web_config_cache_hits(struct web_config *c);

/* Checks refused unverified because the bcrypt budget was spent. */
unsigned long web_config_throttled(struct web_config *c);

#endif

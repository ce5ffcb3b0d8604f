/*
 * web_config.c - reads exporter-toolkit web configuration files and
 * checks basic-auth credentials against their bcrypt hashes.
 *
 * The parser works on a byte buffer (tests and the fuzz target feed it
 * directly) one line at a time: each line is a "key: value" or "key:"
 * entry at some indentation, and a two-level schema decides what the
 * entry may be.  Every refusal names the line.
 *
 * Parsing and loading on the main thread; web_config_check() on the HTTP
 * server's threads (the cache is under a mutex, held for a lookup or an
 * insert, never during a bcrypt).  Must not print or exit.
 */
#include "config.h"

#include <crypt.h>
#include <errno.h>
#include <fcntl.h>
#include <nettle/sha2.h>
#include <pthread.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "sanitize.h"
#include "web_config.h"

struct web_user {
	char *name;
	char *hash;
};

struct cache_slot {
	uint8_t digest[SHA256_DIGEST_SIZE];
	time_t until;  /* CLOCK_MONOTONIC seconds; 0: empty */
};

struct web_config {
	char *cert_file, *key_file;
	char *cert_pem, *key_pem;
	bool tls;
	struct web_user *users;
	size_t n_users;
	pthread_mutex_t lock;
	uint8_t salt[32];
	struct cache_slot cache[WEB_CONFIG_CACHE_SLOTS]; /* under lock */
	unsigned long hits;                              /* under lock */
	int64_t budget_us, budget_at_us;                 /* under lock */
	unsigned long throttled;                         /* under lock */
};

/* What one line holds. */
struct entry {
	unsigned int line;
	size_t indent;
	char *key;
	char *value;  /* NULL: "key:" alone */
};

struct parser {
	const char *name;
	char *cause;
	size_t cause_len;
};

static int
perr(struct parser *p, unsigned int line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int
perr(struct parser *p, unsigned int line, const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	snprintf(p->cause, p->cause_len, "%s:%u: %s", p->name, line, msg);
	return -1;
}

/* A key or value as it may appear in a message: made safe, shortened. */
static const char *
shown(const char *s, char *buf, size_t size)
{
	sanitize_str(s, buf, size, NULL);
	return buf;
}

/* YAML indicator characters that cannot start a plain scalar here. */
static bool
starts_unsupported(const char *s)
{
	return strchr("[]{}&*!|>%@`,", s[0]) != NULL ||
	       (s[0] == '-' && (s[1] == ' ' || s[1] == '\0')) ||
	       (s[0] == '?' && (s[1] == ' ' || s[1] == '\0'));
}

/*
 * Reads a quoted scalar at *pos (the opening quote) into a new string;
 * *pos ends after the closing quote.  -1 with the cause set.
 */
static int
read_quoted(struct parser *p, unsigned int line, const char **pos, const char *end, char **out)
{
	const char *s = *pos;
	char quote = *s++;
	char *buf = malloc((size_t)(end - s) + 1), *o = buf;

	if (buf == NULL)
		return perr(p, line, "out of memory");
	for (;;) {
		if (s >= end) {
			free(buf);
			return perr(p, line,
			            "unterminated %s-quoted string (a string must end on its line)",
			            quote == '"' ? "double" : "single");
		}
		if (*s == quote) {
			/* '' is a quote inside a single-quoted string. */
			if (quote == '\'' && s + 1 < end && s[1] == '\'') {
				*o++ = '\'';
				s += 2;
				continue;
			}
			s++;
			break;
		}
		if (quote == '"' && *s == '\\') {
			char c = s + 1 < end ? s[1] : '\0';

			switch (c) {
			case '\\': *o++ = '\\'; break;
			case '"': *o++ = '"'; break;
			case '/': *o++ = '/'; break;
			case 'n': *o++ = '\n'; break;
			case 't': *o++ = '\t'; break;
			case 'r': *o++ = '\r'; break;
			default:
				free(buf);
				if (c == '\0' || (unsigned char)c < 0x20 || c == 0x7f)
					return perr(
					    p, line,
					    "bad escape at the end of a double-quoted string");
				return perr(p, line,
				            "unsupported escape '\\%c' in a double-quoted string",
				            c);
			}
			s += 2;
			continue;
		}
		*o++ = *s++;
	}
	*o = '\0';
	*pos = s;
	*out = buf;
	return 0;
}

/* Whether only blanks and maybe a comment remain. */
static bool
rest_is_empty(const char *s, const char *end)
{
	while (s < end && *s == ' ')
		s++;
	return s == end || *s == '#';
}

/*
 * Splits one line (without its newline) into an entry.  Returns 1 for an
 * entry, 0 for a blank or comment line, -1 on an error.
 */
static int
parse_line(struct parser *p, unsigned int line, const char *s, const char *end, struct entry *e)
{
	const char *k, *colon;
	char shown_buf[80];

	memset(e, 0, sizeof(*e));
	e->line = line;
	for (const char *c = s; c < end; c++)
		if ((unsigned char)*c < 0x20 && *c != '\t')
			return perr(p, line, "control character (byte 0x%02x)", (unsigned char)*c);
	while (s < end && *s == ' ') {
		s++;
		e->indent++;
	}
	if (s < end && *s == '\t')
		return perr(p, line, "tab in indentation (YAML indents with spaces)");
	if (s == end || *s == '#')
		return 0;
	k = s;
	if (*k == '"' || *k == '\'') {
		if (read_quoted(p, line, &s, end, &e->key) < 0)
			return -1;
		while (s < end && *s == ' ')
			s++;
		if (s == end || *s != ':')
			goto no_colon;
		colon = s;
	} else {
		char first[3] = {k[0], k + 1 < end ? k[1] : '\0', '\0'};

		if (starts_unsupported(first))
			return perr(p, line,
			            "'%c': sequences, flow collections, anchors, tags and block "
			            "scalars are not supported",
			            k[0]);
		/* A plain key ends at the first ": " or ":" at the end. */
		for (colon = k; colon < end; colon++)
			if (*colon == ':' && (colon + 1 == end || colon[1] == ' '))
				break;
			else if (*colon == '#' && colon > k && colon[-1] == ' ')
				goto no_colon;
		if (colon == end)
			goto no_colon;
		const char *kend = colon;

		while (kend > k && (kend[-1] == ' ' || kend[-1] == '\t'))
			kend--;
		e->key = strndup(k, (size_t)(kend - k));
		if (e->key == NULL)
			return perr(p, line, "out of memory");
	}
	s = colon + 1;
	if (s < end && *s != ' ' && *s != '\t') {
		free(e->key);
		return perr(p, line, "expected a blank after ':'");
	}
	while (s < end && (*s == ' ' || *s == '\t'))
		s++;
	if (s == end || *s == '#')
		return 1;
	if (*s == '"' || *s == '\'') {
		if (read_quoted(p, line, &s, end, &e->value) < 0) {
			free(e->key);
			return -1;
		}
		if (!rest_is_empty(s, end)) {
			free(e->key);
			free(e->value);
			return perr(p, line, "unexpected text after a quoted string");
		}
		return 1;
	}
	char first[3] = {s[0], s + 1 < end ? s[1] : '\0', '\0'};

	if (starts_unsupported(first)) {
		int rc = perr(p, line, "value of '%s': '%c': sequences, flow collections, anchors, "
			      "tags and block scalars are not supported",
			      shown(e->key, shown_buf, sizeof(shown_buf)), s[0]);

		free(e->key);
		return rc;
	}
	/* A plain value ends at " #" (a comment); trailing blanks go. */
	const char *v = s, *vend = s;

	for (; s < end; s++) {
		if (*s == '#' && (s[-1] == ' ' || s[-1] == '\t'))
			break;
		if (*s == ':' && (s + 1 == end || s[1] == ' ')) {
			int rc = perr(p, line,
			              "value of '%s' holds ': ' (quote it, or is this a nested "
			              "mapping on one line?)",
			              shown(e->key, shown_buf, sizeof(shown_buf)));

			free(e->key);
			return rc;
		}
		if (*s != ' ' && *s != '\t')
			vend = s + 1;
	}
	e->value = strndup(v, (size_t)(vend - v));
	if (e->value == NULL) {
		free(e->key);
		return perr(p, line, "out of memory");
	}
	return 1;
no_colon:
	free(e->key);
	e->key = NULL;
	return perr(p, line, "expected 'key: value' or 'key:'");
}

/* Whether s has the shape of a bcrypt hash: $2a$, $2b$ or $2y$, a cost
 * of two digits, '$', 53 characters of bcrypt's base64. */
static bool
is_bcrypt(const char *s)
{
	if (strlen(s) != 60 || s[0] != '$' || s[1] != '2' || strchr("aby", s[2]) == NULL ||
	    s[2] == '\0' || s[3] != '$' || s[4] < '0' || s[4] > '9' || s[5] < '0' || s[5] > '9' ||
	    s[6] != '$')
		return false;
	for (int i = 7; i < 60; i++)
		if (strchr("./ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789",
		           s[i]) == NULL ||
		    s[i] == '\0')
			return false;
	return true;
}

static char *
join_path(const char *dir, const char *file)
{
	char *out;

	if (dir == NULL || file[0] == '/')
		return strdup(file);
	if (asprintf(&out, "%s/%s", dir, file) < 0)
		return NULL;
	return out;
}

enum section { SEC_NONE, SEC_TLS, SEC_USERS };

/* Keys the toolkit knows and tcpdeck does not do. */
static const char *const tls_unsupported[] = {
	"cert", "key", "client_ca_file", "client_allowed_sans", "min_version", "max_version",
	"cipher_suites", "curve_preferences", "prefer_server_cipher_order", NULL,
};

static bool
in_list(const char *const *list, const char *s)
{
	for (; *list != NULL; list++)
		if (strcmp(*list, s) == 0)
			return true;
	return false;
}

/* Takes one entry into c.  Takes over e's strings on success. */
static int
apply(struct parser *p, struct web_config *c, const char *dir, struct entry *e, enum section *sec,
      size_t *child_indent, unsigned int *tls_line)
{
	char kb[80], vb[80];
	const char *key = shown(e->key, kb, sizeof(kb));

	if (e->indent == 0) {
		*child_indent = 0;
		if (strcmp(e->key, "tls_server_config") == 0) {
			if (*tls_line != 0)
				return perr(p, e->line,
				            "'tls_server_config' given twice (first on line %u)",
				            *tls_line);
			*sec = SEC_TLS;
			*tls_line = e->line;
			c->tls = true;
		} else if (strcmp(e->key, "basic_auth_users") == 0) {
			if (c->users != NULL)
				return perr(p, e->line, "'basic_auth_users' given twice");
			*sec = SEC_USERS;
			/* An empty section still counts as given. */
			c->users = calloc(1, sizeof(*c->users));
			if (c->users == NULL)
				return perr(p, e->line, "out of memory");
		} else if (strcmp(e->key, "http_server_config") == 0) {
			return perr(p, e->line, "'http_server_config' is not supported by tcpdeck");
		} else {
			return perr(p, e->line, "unknown key '%s' (expected tls_server_config or "
				    "basic_auth_users)", key);
		}
		if (e->value != NULL && strcmp(e->value, "") != 0 && strcmp(e->value, "~") != 0 &&
		    strcmp(e->value, "null") != 0)
			return perr(p, e->line,
			            "'%s' must be a mapping (its entries indented on the "
			            "following lines)",
			            key);
		return 0;
	}
	if (*sec == SEC_NONE)
		return perr(p, e->line, "unexpected indentation");
	if (*child_indent == 0)
		*child_indent = e->indent;
	else if (e->indent != *child_indent)
		return perr(p, e->line,
		            "bad indentation: %zu spaces where the entries above have %zu "
		            "(nested mappings are not supported here)",
		            e->indent, *child_indent);
	if (*sec == SEC_TLS) {
		char **slot = NULL;

		if (strcmp(e->key, "cert_file") == 0)
			slot = &c->cert_file;
		else if (strcmp(e->key, "key_file") == 0)
			slot = &c->key_file;
		else if (strcmp(e->key, "client_auth_type") == 0) {
			if (e->value == NULL)
				return perr(p, e->line, "'%s' needs a value", key);
			/* The default: no client certificate asked for. */
			if (strcmp(e->value, "NoClientCert") != 0)
				return perr(p, e->line,
				            "client_auth_type '%s' is not supported by tcpdeck "
				            "(only NoClientCert)",
				            shown(e->value, vb, sizeof(vb)));
			return 0;
		} else if (in_list(tls_unsupported, e->key))
			return perr(p, e->line,
			            "'%s' in tls_server_config is not supported by tcpdeck", key);
		else
			return perr(p, e->line, "unknown key '%s' in tls_server_config", key);
		if (e->value == NULL)
			return perr(p, e->line, "'%s' needs a value", key);
		if (*slot != NULL)
			return perr(p, e->line, "'%s' given twice", key);
		if (e->value[0] == '\0')
			return perr(p, e->line, "'%s' is empty", key);
		*slot = join_path(dir, e->value);
		if (*slot == NULL)
			return perr(p, e->line, "out of memory");
		return 0;
	}
	/* basic_auth_users */
	if (e->value == NULL)
		return perr(p, e->line, "user '%s' needs a password hash", key);
	if (e->key[0] == '\0')
		return perr(p, e->line, "empty user name");
	if (strchr(e->key, ':') != NULL)
		return perr(p, e->line, "user '%s': a user name cannot hold ':' (basic auth "
			    "separates user and password with it)", key);
	for (size_t i = 0; i < c->n_users; i++)
		if (strcmp(c->users[i].name, e->key) == 0)
			return perr(p, e->line, "user '%s' given twice", key);
	if (!is_bcrypt(e->value))
		return perr(p, e->line, "user '%s': the password hash is not a bcrypt hash ($2a$, "
			    "$2b$ or $2y$, 60 characters; htpasswd -nB makes one)", key);
	struct web_user *grown = realloc(c->users, (c->n_users + 1) * sizeof(*grown));

	if (grown == NULL)
		return perr(p, e->line, "out of memory");
	c->users = grown;
	c->users[c->n_users].name = e->key;
	c->users[c->n_users].hash = e->value;
	c->n_users++;
	e->key = NULL;
	e->value = NULL;
	return 0;
}

struct web_config *
web_config_parse(const char *text, size_t len, const char *name, const char *dir, char *cause,
		 size_t cause_len)
{
	struct parser p = {.name = name, .cause = cause, .cause_len = cause_len};
	struct web_config *c = calloc(1, sizeof(*c));
	enum section sec = SEC_NONE;
	size_t child_indent = 0;
	unsigned int line = 0, tls_line = 0;
	bool content = false;
	const char *s = text, *end = text + len;

	if (c == NULL) {
		snprintf(cause, cause_len, "%s: out of memory", name);
		return NULL;
	}
	pthread_mutex_init(&c->lock, NULL);
	if (getrandom(c->salt, sizeof(c->salt), 0) != (ssize_t)sizeof(c->salt)) {
		snprintf(cause, cause_len, "%s: cannot get random bytes: %s", name,
		         strerror(errno));
		goto fail;
	}
	if (memchr(text, '\0', len) != NULL) {
		const char *nul = memchr(text, '\0', len);
		unsigned int at = 1;

		for (const char *q = text; q < nul; q++)
			at += *q == '\n';
		perr(&p, at, "NUL byte");
		goto fail;
	}
	/* A UTF-8 byte order mark is allowed at the very start. */
	if (len >= 3 && memcmp(s, "\xef\xbb\xbf", 3) == 0)
		s += 3;
	while (s < end) {
		const char *nl = memchr(s, '\n', (size_t)(end - s));
		const char *lend = nl != NULL ? nl : end;
		struct entry e;
		int rc;

		line++;
		if (lend > s && lend[-1] == '\r')
			lend--;
		if (!content && lend - s >= 3 && memcmp(s, "---", 3) == 0 &&
		    rest_is_empty(s + 3, lend)) {
			content = true;
			s = nl != NULL ? nl + 1 : end;
			continue;
		}
		rc = parse_line(&p, line, s, lend, &e);
		if (rc < 0)
			goto fail;
		s = nl != NULL ? nl + 1 : end;
		if (rc == 0)
			continue;
		content = true;
		rc = apply(&p, c, dir, &e, &sec, &child_indent, &tls_line);
		free(e.key);
		free(e.value);
		if (rc < 0)
			goto fail;
	}
	if (c->tls && (c->cert_file == NULL || c->key_file == NULL)) {
		perr(&p, tls_line, "tls_server_config needs both cert_file and key_file");
		goto fail;
	}
	return c;
fail:
	web_config_free(c);
	return NULL;
}

/* Reads a whole file of at most max bytes into a new NUL-terminated
 * buffer.  -1 with errno (EFBIG when too large). */
static int
read_file(const char *path, size_t max, char **out, size_t *out_len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	char *buf;
	size_t len = 0;
	struct stat st = {0};

	if (fd < 0)
		return -1;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		int err = S_ISREG(st.st_mode) ? errno : EINVAL;

		close(fd);
		errno = err;
		return -1;
	}
	buf = malloc(max + 1);
	if (buf == NULL) {
		close(fd);
		return -1;
	}
	for (;;) {
		ssize_t n = read(fd, buf + len, max + 1 - len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			int err = errno;

			free(buf);
			close(fd);
			errno = err;
			return -1;
		}
		if (n == 0)
			break;
		len += (size_t)n;
		if (len > max) {
			free(buf);
			close(fd);
			errno = EFBIG;
			return -1;
		}
	}
	close(fd);
	buf[len] = '\0';
	*out = buf;
	*out_len = len;
	return 0;
}

struct web_config *
web_config_load(const char *path, char *cause, size_t cause_len)
{
	char *text, *dir, *slash, pb[256];
	size_t len;
	struct web_config *c;

	shown(path, pb, sizeof(pb));
	if (read_file(path, WEB_CONFIG_MAX_FILE, &text, &len) < 0) {
		snprintf(cause, cause_len, "cannot read web config '%s': %s", pb,
			 errno == EFBIG ? "larger than 1 MiB" :
			 errno == EINVAL ? "not a regular file" : strerror(errno));
		return NULL;
	}
	/* Relative certificate paths are taken from the file's folder, as
	 * the toolkit does. */
	dir = strdup(path);
	if (dir == NULL) {
		free(text);
		snprintf(cause, cause_len, "out of memory");
		return NULL;
	}
	slash = strrchr(dir, '/');
	if (slash == NULL) {
		free(dir);
		dir = NULL;
	} else {
		slash[slash == dir ? 1 : 0] = '\0';
	}
	c = web_config_parse(text, len, pb, dir, cause, cause_len);
	free(text);
	free(dir);
	if (c == NULL || !c->tls)
		return c;
	if (read_file(c->cert_file, WEB_CONFIG_MAX_PEM, &c->cert_pem, &len) < 0 ||
	    read_file(c->key_file, WEB_CONFIG_MAX_PEM, &c->key_pem, &len) < 0) {
		char fb[256];

		snprintf(cause, cause_len, "%s: cannot read '%s': %s", pb,
			 shown(c->cert_pem == NULL ? c->cert_file : c->key_file, fb, sizeof(fb)),
			 errno == EFBIG ? "larger than 1 MiB" :
			 errno == EINVAL ? "not a regular file" : strerror(errno));
		web_config_free(c);
		return NULL;
	}
	return c;
}

void
web_config_free(struct web_config *c)
{
	if (c == NULL)
		return;
	for (size_t i = 0; i < c->n_users; i++) {
		free(c->users[i].name);
		free(c->users[i].hash);
	}
	free(c->users);
	free(c->cert_file);
	free(c->key_file);
	if (c->key_pem != NULL)
		explicit_bzero(c->key_pem, strlen(c->key_pem));
	free(c->key_pem);
	free(c->cert_pem);
	explicit_bzero(c->cache, sizeof(c->cache));
	pthread_mutex_destroy(&c->lock);
	free(c);
}

bool
web_config_tls(const struct web_config *c)
{
	return c->tls;
}

const char *
web_config_cert_file(const struct web_config *c)
{
	return c->cert_file;
}

const char *
web_config_key_file(const struct web_config *c)
{
	return c->key_file;
}

const char *
web_config_cert_pem(const struct web_config *c)
{
	return c->cert_pem;
}

const char *
web_config_key_pem(const struct web_config *c)
{
	return c->key_pem;
}

size_t
web_config_users(const struct web_config *c)
{
	return c->n_users;
}

static int64_t
now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* Under lock: whether a bcrypt may run now (the budget refills at the
 * allowed share of the time elapsed). */
static bool
budget_allows(struct web_config *c, int64_t now)
{
	const int64_t cap = (int64_t)WEB_CONFIG_BCRYPT_BURST_MS * 1000;

	if (c->budget_at_us == 0)
		c->budget_us = cap;
	else
		c->budget_us += (now - c->budget_at_us) * WEB_CONFIG_BCRYPT_SHARE_PERCENT / 100;
	if (c->budget_us > cap)
		c->budget_us = cap;
	c->budget_at_us = now;
	return c->budget_us > 0;
}

static time_t
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	/* +1: 0 marks an empty slot. */
	return ts.tv_sec + 1;
}

/* SHA-256 of salt, user, NUL, password: what the cache keeps, so it
 * holds no password. */
static void
pair_digest(const struct web_config *c, const char *user, const char *password,
	    uint8_t digest[SHA256_DIGEST_SIZE])
{
	struct sha256_ctx ctx;

	sha256_init(&ctx);
	sha256_update(&ctx, sizeof(c->salt), c->salt);
	sha256_update(&ctx, strlen(user) + 1, (const uint8_t *)user);
	sha256_update(&ctx, strlen(password), (const uint8_t *)password);
	sha256_digest(&ctx, SHA256_DIGEST_SIZE, digest);
}

static bool
equal_ct(const void *a, const void *b, size_t n)
{
	const volatile uint8_t *x = a, *y = b;
	uint8_t d = 0;

	for (size_t i = 0; i < n; i++)
		d |= x[i] ^ y[i];
	return d == 0;
}

bool
web_config_check(struct web_config *c, const char *user, const char *password)
{
	uint8_t digest[SHA256_DIGEST_SIZE];
	const struct web_user *u = NULL;
	struct crypt_data *cd;
	const char *got;
	bool ok;
	time_t now;
	int64_t started;

	if (c->n_users == 0)
		return true;
	if (user == NULL || password == NULL)
		return false;
	pair_digest(c, user, password, digest);
	now = now_s();
	pthread_mutex_lock(&c->lock);
	for (int i = 0; i < WEB_CONFIG_CACHE_SLOTS; i++)
		if (c->cache[i].until > now &&
		    equal_ct(c->cache[i].digest, digest, sizeof(digest))) {
			c->hits++;
			pthread_mutex_unlock(&c->lock);
			return true;
		}
	if (!budget_allows(c, now_us())) {
		c->throttled++;
		pthread_mutex_unlock(&c->lock);
		return false;
	}
	pthread_mutex_unlock(&c->lock);
	for (size_t i = 0; i < c->n_users; i++)
		if (strcmp(c->users[i].name, user) == 0)
			u = &c->users[i];
	/* An unknown user costs a bcrypt as well (against the first user's
	 * hash, the answer ignored): timing tells no names. */
	cd = calloc(1, sizeof(*cd));
	if (cd == NULL)
		return false;
	started = now_us();
	got = crypt_r(password, u != NULL ? u->hash : c->users[0].hash, cd);
	pthread_mutex_lock(&c->lock);
	c->budget_us -= now_us() - started;
	pthread_mutex_unlock(&c->lock);
	ok = got != NULL && got[0] == '$' && u != NULL && strlen(got) == strlen(u->hash) &&
	     equal_ct(got, u->hash, strlen(u->hash));
	explicit_bzero(cd, sizeof(*cd));
	free(cd);
	if (!ok)
		return false;
	pthread_mutex_lock(&c->lock);
	{
		int pick = 0;

		for (int i = 1; i < WEB_CONFIG_CACHE_SLOTS; i++)
			if (c->cache[i].until < c->cache[pick].until)
				pick = i;
		memcpy(c->cache[pick].digest, digest, sizeof(digest));
		c->cache[pick].until = now + WEB_CONFIG_CACHE_TTL_S;
	}
	pthread_mutex_unlock(&c->lock);
	return true;
}

static int
b64_value(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

int
web_config_parse_basic(const char *header, char **user, char **password)
{
	const char *s = header, *end;
	size_t n, pad = 0, out_len = 0;
	unsigned char *out;
	uint32_t acc = 0;
	int bits = 0;
	char *colon;

	*user = NULL;
	*password = NULL;
	if (header == NULL)
		return -1;
	while (*s == ' ' || *s == '\t')
		s++;
	if (strncasecmp(s, "Basic", 5) != 0 || (s[5] != ' ' && s[5] != '\t'))
		return -1;
	s += 5;
	while (*s == ' ' || *s == '\t')
		s++;
	end = s + strlen(s);
	while (end > s && (end[-1] == ' ' || end[-1] == '\t'))
		end--;
	n = (size_t)(end - s);
	if (n == 0 || n % 4 != 0 || n > 4096)
		return -1;
	while (pad < 2 && end[-1 - (ptrdiff_t)pad] == '=')
		pad++;
	out = malloc(n / 4 * 3 + 1);
	if (out == NULL)
		return -1;
	for (size_t i = 0; i < n - pad; i++) {
		int v = b64_value((unsigned char)s[i]);

		if (v < 0) {
			free(out);
			return -1;
		}
		acc = acc << 6 | (uint32_t)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			out[out_len++] = (unsigned char)(acc >> bits);
		}
	}
	/* Leftover bits must be zero (canonical base64). */
	if ((acc & ((1u << bits) - 1)) != 0) {
		free(out);
		return -1;
	}
	out[out_len] = '\0';
	colon = memchr(out, ':', out_len);
	if (colon == NULL || memchr(out, '\0', out_len) != NULL) {
		explicit_bzero(out, out_len);
		free(out);
		return -1;
	}
	*colon = '\0';
	*user = strdup((char *)out);
	*password = strdup(colon + 1);
	explicit_bzero(out, out_len);
	free(out);
	if (*user == NULL || *password == NULL) {
		free(*user);
		free(*password);
		*user = *password = NULL;
		return -1;
	}
	return 0;
}

unsigned long
web_config_throttled(struct web_config *c)
{
	unsigned long n;

	pthread_mutex_lock(&c->lock);
	n = c->throttled;
	pthread_mutex_unlock(&c->lock);
	return n;
}

unsigned long
web_config_cache_hits(struct web_config *c)
{
	unsigned long n;

	pthread_mutex_lock(&c->lock);
	n = c->hits;
	pthread_mutex_unlock(&c->lock);
	return n;
}

/*
 * filter_lex.c - splits a filter expression into words and recognises ss's
 * keywords.
 *
 * Responsible for: doing what the shell and ss's own tokenizer do together
 * to `ss ... EXPRESSION`: quotes are removed, a backslash makes the next
 * character literal (even a blank), blanks separate words, and a word is a
 * keyword only when all of it is one ("(sport" is a plain word).  Keywords
 * are case-sensitive, as in ss.  Lines starting with '#' are comments, as in
 * ss -F files.
 * Pure; any thread.  Must not: print, exit, look anything up.
 */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "filter_internal.h"

static const struct {
	const char *word;
	enum filter_tok_kind kind;
} keywords[] = {
	{"!", FILTER_TOK_NOT},      {"not", FILTER_TOK_NOT},
	{"&", FILTER_TOK_AND},      {"&&", FILTER_TOK_AND},      {"and", FILTER_TOK_AND},
	{"|", FILTER_TOK_OR},       {"||", FILTER_TOK_OR},       {"or", FILTER_TOK_OR},
	{"(", FILTER_TOK_LPAREN},   {")", FILTER_TOK_RPAREN},
	{"dst", FILTER_TOK_DST},    {"src", FILTER_TOK_SRC},
	{"dport", FILTER_TOK_DPORT}, {"sport", FILTER_TOK_SPORT},
	{"dev", FILTER_TOK_DEV},    {"fwmark", FILTER_TOK_FWMARK},
	{"cgroup", FILTER_TOK_CGROUP},
	{">=", FILTER_TOK_GE},      {"ge", FILTER_TOK_GE},       {"geq", FILTER_TOK_GE},
	{"<=", FILTER_TOK_LE},      {"le", FILTER_TOK_LE},       {"leq", FILTER_TOK_LE},
	{"!=", FILTER_TOK_NEQ},     {"ne", FILTER_TOK_NEQ},      {"neq", FILTER_TOK_NEQ},
	{"=", FILTER_TOK_EQ},       {"==", FILTER_TOK_EQ},       {"eq", FILTER_TOK_EQ},
	{">", FILTER_TOK_GT},       {"gt", FILTER_TOK_GT},
	{"<", FILTER_TOK_LT},       {"lt", FILTER_TOK_LT},
	{"autobound", FILTER_TOK_AUTOBOUND},
	{"netns", FILTER_TOK_NETNS},
};

static enum filter_tok_kind
classify(const char *word)
{
	for (size_t i = 0; i < sizeof(keywords) / sizeof(keywords[0]); i++)
		if (strcmp(word, keywords[i].word) == 0)
			return keywords[i].kind;
	return FILTER_TOK_WORD;
}

static bool
is_blank(char c)
{
	/* ss splits on blanks and tabs; line breaks separate words in -F
	 * files (and filter_join_args() escapes any inside an argv word). */
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static void set_error(char **error, size_t *error_pos, size_t offset, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static void
set_error(char **error, size_t *error_pos, size_t offset, const char *fmt, ...)
{
	va_list ap;
	char *msg = NULL;
	char *full = NULL;

	va_start(ap, fmt);
	if (vasprintf(&msg, fmt, ap) < 0)
		msg = NULL;
	va_end(ap);
	if (msg != NULL && asprintf(&full, "filter: %s at offset %zu", msg, offset) < 0)
		full = NULL;
	free(msg);
	if (error != NULL)
		*error = full;
	else
		free(full);
	if (error_pos != NULL)
		*error_pos = offset;
}

/* Ends the word being collected at *w: NUL-terminates it and records it,
 * unless it is empty ('' or ""): ss skips an empty argv word. */
static void
end_word(struct filter_tokens *out, char *word, char **w, size_t start)
{
	*(*w)++ = '\0';
	if (*w - 1 == word)
		return;
	out->v[out->n].kind = classify(word);
	out->v[out->n].offset = start;
	out->v[out->n].text = word;
	out->n++;
}

int
filter_lex(const char *expr, struct filter_tokens *out, char **error, size_t *error_pos)
{
	size_t len = strlen(expr);
	char *word = NULL, *w;
	char quote = 0;
	size_t quote_at = 0, start = 0;
	bool in_word = false;

	memset(out, 0, sizeof(*out));
	/* Words are separated by blanks, so there are at most (len + 1) / 2 of
	 * them, plus END.  Their text never grows when unescaped; each also
	 * takes a NUL. */
	out->text_buf = malloc(2 * len + 2);
	out->v = calloc(len / 2 + 2, sizeof(*out->v));
	if (out->text_buf == NULL || out->v == NULL) {
		filter_tokens_free(out);
		set_error(error, error_pos, 0, "out of memory");
		errno = ENOMEM;
		return -1;
	}
	w = out->text_buf;

	for (size_t i = 0; i < len; i++) {
		char c = expr[i];

		if (!in_word) {
			if (is_blank(c))
				continue;
			if (c == '#' && quote == 0 && (i == 0 || expr[i - 1] == '\n')) {
				while (i + 1 < len && expr[i + 1] != '\n')
					i++;
				continue;
			}
			in_word = true;
			word = w;
			start = i;
		}
		if (c == '\\') {
			/* A trailing backslash is dropped, as ss does. */
			if (++i < len)
				*w++ = expr[i];
			continue;
		}
		if (quote == 0 && (c == '\'' || c == '"')) {
			quote = c;
			quote_at = i;
			continue;
		}
		if (quote != 0 && c == quote) {
			quote = 0;
			continue;
		}
		/* Blanks separate words even inside quotes: ss splits its argv
		 * words again, so "'( sport = :22 )'" is five words. */
		if (is_blank(c)) {
			end_word(out, word, &w, start);
			in_word = false;
			continue;
		}
		*w++ = c;
	}
	if (in_word)
		end_word(out, word, &w, start);
	if (quote != 0) {
		set_error(error, error_pos, quote_at, "unterminated %s quote",
			  quote == '\'' ? "single" : "double");
		filter_tokens_free(out);
		return -1;
	}
	out->v[out->n].kind = FILTER_TOK_END;
	out->v[out->n].offset = len;
	out->v[out->n].text = "";
	out->n++;
	return 0;
}

void
filter_tokens_free(struct filter_tokens *toks)
{
	free(toks->v);
	free(toks->text_buf);
	memset(toks, 0, sizeof(*toks));
}

const char *
filter_keyword(size_t i)
{
	return i < sizeof(keywords) / sizeof(keywords[0]) ? keywords[i].word : NULL;
}

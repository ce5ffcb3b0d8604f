/*
 * conf_line.c - one line of tcpdeck.conf split into key and value.
 */
#include "config.h"

#include <string.h>

#include "conf_line.h"

/* Strips blanks at both ends in place; returns the new start. */
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
conf_line_split(char *line, char **key, char **value)
{
	char *hash = strchr(line, '#'), *eq;

	if (hash != NULL)
		*hash = '\0';
	*key = trim(line);
	if (**key == '\0')
		return 0;
	eq = strchr(*key, '=');
	if (eq == NULL)
		return -1;
	*eq = '\0';
	*value = trim(eq + 1);
	*key = trim(*key);
	return 1;
}

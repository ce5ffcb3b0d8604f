/*
 * conf_line.h - one line of tcpdeck.conf split into key and value.
 *
 * The file holds two kinds of lines, the findings' thresholds
 * (model/diag_config.c) and the dashboard's settings (output/settings.c);
 * both read a line the same way, here.  Pure; any thread.  It does not
 * judge keys or values: its callers do, and name the line.
 */
#ifndef TCPDECK_CONF_LINE_H
#define TCPDECK_CONF_LINE_H

/*
 * Splits one line (a NUL-terminated copy, changed in place) into key and
 * value: a `#` starts a comment, blanks (and a CR) around the key and the
 * value are dropped.  Returns 1 for a `key = value` line (either may be
 * empty), 0 for a blank or comment-only line, -1 for a line without `=`
 * (*key is then the line's text, trimmed).
 */
int conf_line_split(char *line, char **key, char **value);

#endif

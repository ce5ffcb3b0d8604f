/*
 * ui_text.c - a scrollable block of text lines: the findings, the TCP
 * states page and the test summary are text written once and paged.
 * Main thread only.
 */
#include "config.h"

#include <curses.h>
#include <string.h>

#include "ui_internal.h"

int
ui_text_lines(const char *text)
{
	int lines = 0;

	for (const char *p = text; *p != '\0'; lines++) {
		const char *end = strchr(p, '\n');

		if (end == NULL)
			return lines + 1;
		p = end + 1;
	}
	return lines;
}

int
ui_text_draw(const char *text, int scroll, int top, int height, int cols)
{
	int line = 0;

	for (const char *p = text; *p != '\0'; line++) {
		const char *end = strchr(p, '\n');
		size_t len = end != NULL ? (size_t)(end - p) : strlen(p);

		if (line >= scroll && line - scroll < height)
			ui_putn(top + line - scroll, 0, p, len, cols);
		p += len;
		if (*p == '\n')
			p++;
	}
	return line;
}

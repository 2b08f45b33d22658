// SPDX-License-Identifier: GPL-2.0
/*
 * hbctl: the TAP output of its unit tests.
 */
#include <stdarg.h>
#include <stdio.h>

#include "tap.h"

static int tests, failures;

void ok(int cond, const char *fmt, ...)
{
	va_list ap;

	tests++;
	if (!cond)
		failures++;
	printf("%sok %d - ", cond ? "" : "not ", tests);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
}

int tap_done(void)
{
	printf("1..%d\n", tests);
	printf("# %d passed, %d failed\n", tests - failures, failures);
	return failures ? 1 : 0;
}

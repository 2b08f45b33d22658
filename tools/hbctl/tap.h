/* SPDX-License-Identifier: GPL-2.0 */
/*
 * hbctl: the TAP output of its unit tests (test_parse, test_nl,
 * test_hooks).
 */
#ifndef HBCTL_TAP_H
#define HBCTL_TAP_H

/* One test: "ok N - ..." when @cond holds, else "not ok N - ...". */
void ok(int cond, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/*
 * Print the plan and a "# N passed, N failed" line after the last test.
 * Return: the exit status, 0 when every test passed, else 1.
 */
int tap_done(void);

#endif /* HBCTL_TAP_H */

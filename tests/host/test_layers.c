// SPDX-License-Identifier: GPL-2.0
void test_layers(const char *tmpdir);
void test_layers(const char *tmpdir) { (void)tmpdir; }

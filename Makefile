# bundlefs: top-level build.  `make` builds the module for the newest
# installed Debian kernel headers (override with KVER= or KDIR=) and the
# user-space `bundlefs` command.

KVER ?= $(shell ls -d /usr/src/linux-headers-*-amd64 2>/dev/null | sed 's,.*/linux-headers-,,' | sort -V | tail -n1)
KDIR ?= /lib/modules/$(KVER)/build

# Where `make install` puts things; DESTDIR stages them (packages).
PREFIX ?= /usr/local
SBINDIR ?= /sbin
MANDIR ?= $(PREFIX)/share/man
MODDIR ?= /lib/modules/$(KVER)/updates

.PHONY: all module loader clean check demo deps host-test vm-test kunit fuzz bench bench-quick install uninstall deb

all: module loader

deps:
	@scripts/install-deps

module:
	@test -d "$(KDIR)" || { echo "bundlefs: no kernel headers in '$(KDIR)' (run scripts/install-deps)" >&2; exit 1; }
	$(MAKE) -C $(KDIR) M=$(CURDIR) W=1 modules

loader:
	$(MAKE) -C loader

host-test:
	$(MAKE) -C loader test

vm-test: all
	tests/run-vm-tests

# Everything, ending in one line `N passed, N failed`.
check:
	@scripts/check

demo:
	@scripts/demo

# KUnit suites in a VM on a cached KUnit kernel.
kunit:
	@scripts/kunit

# The benchmark against tmpfs, overlayfs and FUSE peers in one VM boot per
# group; writes bench/report.md (Documentation/benchmark.rst).
bench:
	@bench/run

# A subset in under 10 minutes, into build/bench/quick/report.md.
bench-quick:
	@bench/run --quick

# libFuzzer targets, FUZZ_SECONDS each (default 60).
fuzz:
	@scripts/fuzz

# The module (then depmod), the command, mount.bundlefs (a link to it:
# mount(8) runs it for `mount -t bundlefs`) and the man pages.
install: all
	install -D -m 0644 kmod/bundlefs.ko $(DESTDIR)$(MODDIR)/bundlefs.ko
	install -D -m 0755 loader/bundlefs $(DESTDIR)$(PREFIX)/bin/bundlefs
	install -d $(DESTDIR)$(SBINDIR)
	ln -sf $(PREFIX)/bin/bundlefs $(DESTDIR)$(SBINDIR)/mount.bundlefs
	install -D -m 0644 man/bundlefs.8 $(DESTDIR)$(MANDIR)/man8/bundlefs.8
	install -D -m 0644 man/mount.bundlefs.8 $(DESTDIR)$(MANDIR)/man8/mount.bundlefs.8
	install -D -m 0644 man/bundlefs.5 $(DESTDIR)$(MANDIR)/man5/bundlefs.5
	depmod -a $(if $(DESTDIR),-b $(DESTDIR)) $(KVER)

# The Debian packages bundlefs and bundlefs-dkms, into build/deb.
deb:
	@scripts/make-deb

uninstall:
	rm -f $(DESTDIR)$(MODDIR)/bundlefs.ko $(DESTDIR)$(PREFIX)/bin/bundlefs \
		$(DESTDIR)$(SBINDIR)/mount.bundlefs \
		$(DESTDIR)$(MANDIR)/man8/bundlefs.8 \
		$(DESTDIR)$(MANDIR)/man8/mount.bundlefs.8 \
		$(DESTDIR)$(MANDIR)/man5/bundlefs.5
	depmod -a $(if $(DESTDIR),-b $(DESTDIR)) $(KVER)

clean:
	-$(MAKE) -C $(KDIR) M=$(CURDIR) clean
	$(MAKE) -C loader clean
	rm -rf build

# SPDX-License-Identifier: GPL-2.0
#
# mmbridge top-level Makefile.
#
#   make               module for KVER (default: the running kernel, else the
#                      newest kernel with headers installed), library, CLI
#   make demo          boot a Debian kernel in QEMU and run `mmbridge demo`
#   make test          build for every kernel in KERNELS, boot each, run all
#                      tests; prints TAP and a summary, exits non-zero on failure
#   make test-debug  the same on a debug kernel (KASAN, lockdep, DEBUG_VM,
#                      kmemleak, ...) built from linux-source-6.12 and
#                      cached under build/debug-kernel/
#   make bench         run the benchmarks in the guest; build/bench.json
#   make guest         static test programs and CLI for the QEMU guest
#   make check         checkpatch --strict, sparse, clang-format, kernel-doc,
#                      documentation (scripts/check.sh)
#   make install       modules (KVER), udev rule, library, header, pkg-config
#                      file, CLI, man pages, and the SDK for drivers (install-sdk:
#                      kernel header and Module.symvers under PREFIX/src/mmbridge-VERSION);
#                      honours DESTDIR and PREFIX
#   make uninstall     removes what install put there
#   make dkms          registers the sources with DKMS and installs for KVER
#   make clean

SHELL := /bin/bash
TOP := $(CURDIR)
BUILD := $(TOP)/build

KVER ?= $(shell if [ -d /lib/modules/$$(uname -r)/build ]; then uname -r; \
	  else ls -d /lib/modules/*/build 2>/dev/null | sort -V | tail -n 1 | \
	  cut -d/ -f4; fi)
# The kernel tree to build against: the debug kernel's lives under build/.
kdir_of = $(if $(filter %-mmb-debug,$(1)),$(BUILD)/debug-kernel/linux-source-6.12,/lib/modules/$(1)/build)
KERNELS ?= 6.1 6.12 6.12-rt 6.12-iommu
DEMO_KERNEL ?= 6.12
export KERNELS DEMO_KERNEL

CC ?= cc
USER_CFLAGS := -O2 -g -Wall -Wextra -Wno-unused-parameter -Wno-missing-field-initializers -Werror -std=gnu11 \
	       -D_GNU_SOURCE -I$(TOP)/include/uapi -I$(TOP)/lib/include
VERSION := $(shell sed -n 's/^PACKAGE_VERSION="\(.*\)"/\1/p' $(TOP)/dkms.conf)
LIB_SOVER := 3
LIB_REAL := libmmbridge.so.$(VERSION)

# make install
PREFIX ?= /usr/local
BINDIR ?= $(PREFIX)/bin
LIBDIR ?= $(PREFIX)/lib
INCLUDEDIR ?= $(PREFIX)/include
MANDIR ?= $(PREFIX)/share/man
UDEVDIR ?= /etc/udev/rules.d
MODDIR ?= /lib/modules/$(KVER)/updates
# What a driver of its own builds against (Documentation/writing-a-driver.rst):
# include/linux/mmbridge.h, include/uapi/linux/mmbridge.h, <release>/Module.symvers
SDKDIR ?= $(PREFIX)/src/mmbridge-$(VERSION)

KSRC := Kbuild dkms.conf $(wildcard kernel/*.c kernel/*.h) backends/Kbuild $(wildcard backends/*.c) \
	include/linux/mmbridge.h include/uapi/linux/mmbridge.h
LIB_SRC := lib/libmmbridge.c
LIB_HDR := lib/include/mmbridge.h include/uapi/linux/mmbridge.h
CLI_SRC := tools/mmbridge.c tools/bench.c tools/bench_out.c tools/bench_irq.c \
	   tools/bench_stream.c tools/bench_fio.c tools/region.c tools/object.c \
	   lib/mmb_test.c
# The test interface (lib/mmb_test.h): the CLI's demo and benchmarks and the
# tests use it; it is not part of the library.
TEST_IF := lib/mmb_test.c lib/mmb_test.h kernel/mmb_test_uapi.h
CLI_HDR := tools/bench.h tools/region.h tools/object.h lib/mmb_test.h kernel/mmb_test_uapi.h
TEST_SRC := $(wildcard tests/*.c)
TEST_HDR := $(wildcard tests/*.h)

.PHONY: all module sample regtest lib cli guest test test-debug demo bench check install install-sdk uninstall \
	dkms dkms-source clean

all: module lib cli

# The module is built out of tree in build/mod/<release>/, one copy of the
# sources per kernel, so that several kernels can be built side by side.
module: $(BUILD)/mod/$(KVER)/mmbridge.ko

$(BUILD)/mod/%/mmbridge.ko: $(KSRC)
	@if [ ! -d $(call kdir_of,$*) ]; then \
		echo "mmbridge: no kernel headers for $*; install linux-headers-$*" >&2; \
		exit 1; fi
	@mkdir -p $(BUILD)/mod/$*
	@cp -a Kbuild dkms.conf kernel backends include $(BUILD)/mod/$*/
	$(MAKE) -C $(call kdir_of,$*) M=$(BUILD)/mod/$* MMB_WERROR=$(MMB_WERROR) modules

sample: $(BUILD)/sample/$(KVER)/mmb_sample.ko

# The sample driver (samples/mmb_sample), built as a driver outside this
# tree is: against what `make install-sdk` installed (in build/sdk/<release>/).
$(BUILD)/sample/%/mmb_sample.ko: $(wildcard samples/mmb_sample/*.[ch]) samples/mmb_sample/Kbuild \
		include/linux/mmbridge.h $(BUILD)/mod/%/mmbridge.ko
	@rm -rf $(BUILD)/sdk/$* $(@D) && mkdir -p $(@D)
	@$(MAKE) -s install-sdk KVER=$* DESTDIR=$(BUILD)/sdk/$* PREFIX=/usr
	@cp -a samples/mmb_sample/* $(@D)/
	$(MAKE) -C $(call kdir_of,$*) M=$(@D) MMB_SDK=$(BUILD)/sdk/$*/usr/src/mmbridge-$(VERSION) \
		MMB_WERROR=$(MMB_WERROR) modules

# The tests' own drivers (tests/kmod), built against the SDK the sample's
# build installed.
regtest: $(BUILD)/regtest/$(KVER)/mmb_regtest.ko

$(BUILD)/regtest/%/mmb_regtest.ko: $(wildcard tests/kmod/*.[ch]) tests/kmod/Kbuild \
		$(BUILD)/sample/%/mmb_sample.ko
	@rm -rf $(@D) && mkdir -p $(@D)
	@cp -a tests/kmod/* $(@D)/
	$(MAKE) -C $(call kdir_of,$*) M=$(@D) MMB_SDK=$(BUILD)/sdk/$*/usr/src/mmbridge-$(VERSION) \
		MMB_WERROR=$(MMB_WERROR) modules

lib: $(BUILD)/lib/libmmbridge.a $(BUILD)/lib/$(LIB_REAL)

$(BUILD)/lib/libmmbridge.o: $(LIB_SRC) $(LIB_HDR)
	@mkdir -p $(@D)
	$(CC) $(USER_CFLAGS) -fPIC -c -o $@ $<

$(BUILD)/lib/libmmbridge.a: $(BUILD)/lib/libmmbridge.o
	ar rcs $@ $^

# Exactly the symbols lib/libmmbridge.map lists, versioned.
$(BUILD)/lib/$(LIB_REAL): $(BUILD)/lib/libmmbridge.o lib/libmmbridge.map
	$(CC) -shared -Wl,-soname,libmmbridge.so.$(LIB_SOVER) \
		-Wl,--version-script,lib/libmmbridge.map -o $@ $(BUILD)/lib/libmmbridge.o
	ln -sf $(LIB_REAL) $(BUILD)/lib/libmmbridge.so.$(LIB_SOVER)
	ln -sf libmmbridge.so.$(LIB_SOVER) $(BUILD)/lib/libmmbridge.so

cli: $(BUILD)/bin/mmbridge

$(BUILD)/bin/mmbridge: $(CLI_SRC) $(CLI_HDR) $(BUILD)/lib/libmmbridge.a $(LIB_HDR)
	@mkdir -p $(@D)
	$(CC) $(USER_CFLAGS) -o $@ $(CLI_SRC) $(BUILD)/lib/libmmbridge.a -lpthread

# Guest programs are static: the initramfs carries no C library.
guest: $(BUILD)/guest/mmbridge $(BUILD)/guest/mmb-tests $(BUILD)/bin/mmb-hostcheck \
	$(BUILD)/bin/mmb-ivshmem-server

$(BUILD)/guest/mmbridge: $(CLI_SRC) $(CLI_HDR) $(BUILD)/lib/libmmbridge.a $(LIB_HDR)
	@mkdir -p $(@D)
	$(CC) $(USER_CFLAGS) -static -o $@ $(CLI_SRC) $(BUILD)/lib/libmmbridge.a -lpthread

$(BUILD)/guest/mmb-tests: $(TEST_SRC) $(TEST_HDR) $(TEST_IF) $(BUILD)/lib/libmmbridge.a $(LIB_HDR)
	@mkdir -p $(@D)
	$(CC) $(USER_CFLAGS) -static -o $@ $(filter-out tests/hostcheck.c tests/ivshmem_server.c,$(TEST_SRC)) lib/mmb_test.c \
		$(BUILD)/lib/libmmbridge.a -luring -lpthread

# Runs on the host after a guest run: checks what the guest left in files.
$(BUILD)/bin/mmb-hostcheck: tests/hostcheck.c tests/pattern.h
	@mkdir -p $(@D)
	$(CC) $(USER_CFLAGS) -o $@ $<

# Runs on the host during a test run: the test guest's ivshmem-doorbell.
$(BUILD)/bin/mmb-ivshmem-server: tests/ivshmem_server.c
	@mkdir -p $(@D)
	$(CC) $(USER_CFLAGS) -o $@ $<

install-sdk: module
	install -D -m 0644 include/linux/mmbridge.h $(DESTDIR)$(SDKDIR)/include/linux/mmbridge.h
	install -D -m 0644 include/uapi/linux/mmbridge.h \
		$(DESTDIR)$(SDKDIR)/include/uapi/linux/mmbridge.h
	install -D -m 0644 $(BUILD)/mod/$(KVER)/Module.symvers $(DESTDIR)$(SDKDIR)/$(KVER)/Module.symvers

install: module lib cli install-sdk
	install -D -m 0644 $(BUILD)/mod/$(KVER)/mmbridge.ko $(DESTDIR)$(MODDIR)/mmbridge.ko
	install -D -m 0644 -t $(DESTDIR)$(MODDIR) $(BUILD)/mod/$(KVER)/backends/mmb_soft.ko \
		$(BUILD)/mod/$(KVER)/backends/mmb_edu.ko $(BUILD)/mod/$(KVER)/backends/mmb_ivshmem.ko \
		$(BUILD)/mod/$(KVER)/backends/mmb_pci.ko
	install -D -m 0644 udev/60-mmbridge.rules $(DESTDIR)$(UDEVDIR)/60-mmbridge.rules
	install -D -m 0644 $(BUILD)/lib/libmmbridge.a $(DESTDIR)$(LIBDIR)/libmmbridge.a
	install -D -m 0755 $(BUILD)/lib/$(LIB_REAL) $(DESTDIR)$(LIBDIR)/$(LIB_REAL)
	ln -sf $(LIB_REAL) $(DESTDIR)$(LIBDIR)/libmmbridge.so.$(LIB_SOVER)
	ln -sf libmmbridge.so.$(LIB_SOVER) $(DESTDIR)$(LIBDIR)/libmmbridge.so
	mkdir -p $(DESTDIR)$(LIBDIR)/pkgconfig
	sed -e 's|@PREFIX@|$(PREFIX)|; s|@LIBDIR@|$(LIBDIR)|; s|@INCLUDEDIR@|$(INCLUDEDIR)|' \
	    -e 's|@VERSION@|$(VERSION)|' lib/mmbridge.pc.in >$(DESTDIR)$(LIBDIR)/pkgconfig/mmbridge.pc
	install -D -m 0644 lib/include/mmbridge.h $(DESTDIR)$(INCLUDEDIR)/mmbridge.h
	install -D -m 0644 include/uapi/linux/mmbridge.h $(DESTDIR)$(INCLUDEDIR)/linux/mmbridge.h
	install -D -m 0755 $(BUILD)/bin/mmbridge $(DESTDIR)$(BINDIR)/mmbridge
	install -D -m 0644 man/mmbridge.1 $(DESTDIR)$(MANDIR)/man1/mmbridge.1
	install -D -m 0644 man/libmmbridge.3 $(DESTDIR)$(MANDIR)/man3/libmmbridge.3
	@if [ -z "$(DESTDIR)" ]; then \
		depmod -a $(KVER); ldconfig; \
		udevadm control --reload 2>/dev/null || true; \
	fi

uninstall:
	rm -f $(DESTDIR)$(MODDIR)/mmbridge.ko $(DESTDIR)$(MODDIR)/mmb_soft.ko \
	      $(DESTDIR)$(MODDIR)/mmb_edu.ko $(DESTDIR)$(MODDIR)/mmb_ivshmem.ko \
	      $(DESTDIR)$(MODDIR)/mmb_pci.ko \
	      $(DESTDIR)$(UDEVDIR)/60-mmbridge.rules \
	      $(DESTDIR)$(LIBDIR)/libmmbridge.a $(DESTDIR)$(LIBDIR)/$(LIB_REAL) \
	      $(DESTDIR)$(LIBDIR)/libmmbridge.so.$(LIB_SOVER) $(DESTDIR)$(LIBDIR)/libmmbridge.so \
	      $(DESTDIR)$(LIBDIR)/pkgconfig/mmbridge.pc $(DESTDIR)$(INCLUDEDIR)/mmbridge.h \
	      $(DESTDIR)$(INCLUDEDIR)/linux/mmbridge.h $(DESTDIR)$(BINDIR)/mmbridge \
	      $(DESTDIR)$(MANDIR)/man1/mmbridge.1 $(DESTDIR)$(MANDIR)/man3/libmmbridge.3
	rm -rf $(DESTDIR)$(SDKDIR)/include $(DESTDIR)$(SDKDIR)/$(KVER)
	-rmdir $(DESTDIR)$(SDKDIR) 2>/dev/null
	@if [ -z "$(DESTDIR)" ]; then depmod -a $(KVER); ldconfig; fi

# DKMS: the module's sources under /usr/src/mmbridge-<version>, built and
# installed for KVER now and for every kernel installed later.
DKMS_SRC ?= /usr/src/mmbridge-$(VERSION)
dkms-source:
	rm -rf $(DESTDIR)$(DKMS_SRC)
	mkdir -p $(DESTDIR)$(DKMS_SRC)
	cp -a Kbuild dkms.conf kernel backends include $(DESTDIR)$(DKMS_SRC)/

dkms: dkms-source
	dkms add -m mmbridge -v $(VERSION)
	dkms build -m mmbridge -v $(VERSION) -k $(KVER)
	dkms install -m mmbridge -v $(VERSION) -k $(KVER)

check:
	@scripts/check.sh

test:
	@vm/test.sh

test-debug:
	@KERNELS=debug VM_TIMEOUT=$${VM_TIMEOUT:-3000} vm/test.sh

demo:
	@vm/demo.sh

bench:
	@vm/bench.sh

clean:
	rm -rf $(BUILD)

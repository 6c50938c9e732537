# The C library: libtriggerdev (shared and static), its header and its pkg-config file.
#
#   make                                   # target/release/libtriggerdev.so and libtriggerdev.a
#   make install PREFIX=$HOME/.local       # or /usr/local (the default); DESTDIR= for staging
#   make uninstall PREFIX=...
#
# Installs $(INCLUDEDIR)/triggerdev.h, $(LIBDIR)/libtriggerdev.so.X.Y.Z with the symlinks
# libtriggerdev.so.$(ABI) (the SONAME) and libtriggerdev.so, $(LIBDIR)/libtriggerdev.a and
# $(LIBDIR)/pkgconfig/triggerdev.pc. Then: cc app.c $(pkg-config --cflags --libs triggerdev).
#
# SONAME policy: libtriggerdev.so.$(ABI), where ABI is the ABI version (TRIGGERDEV_ABI_VERSION,
# trigger_abi_version()): "0.MINOR" before 1.0, since every 0.x minor release may change the
# ABI (libtriggerdev.so.0.2 for 0.2.x), and "MAJOR" from 1.0 (libtriggerdev.so.1). A program
# linked against 0.2 thus never loads a 0.3 library: the loader looks for libtriggerdev.so.0.2.
#
# Needs cargo. CARGO_RUSTC and TARGET choose the toolchain: bindings/python/build_wheel.sh builds
# a library for glibc 2.17+ with CARGO_RUSTC="cargo-zigbuild rustc"
# TARGET=x86_64-unknown-linux-gnu.2.17.

PREFIX ?= /usr/local
LIBDIR ?= $(PREFIX)/lib
INCLUDEDIR ?= $(PREFIX)/include
PKGCONFIGDIR ?= $(LIBDIR)/pkgconfig
CARGO ?= cargo
CARGO_RUSTC ?= $(CARGO) rustc
TARGET ?=
TARGET_DIR ?= $(or $(CARGO_TARGET_DIR),target)

VERSION := $(shell sed -n 's/^version = "\([^"]*\)"/\1/p' Cargo.toml | head -n 1)
MAJOR := $(word 1,$(subst ., ,$(VERSION)))
MINOR := $(word 2,$(subst ., ,$(VERSION)))
ABI := $(if $(filter 0,$(MAJOR)),0.$(MINOR),$(MAJOR))
SONAME := libtriggerdev.so.$(ABI)
REALNAME := libtriggerdev.so.$(VERSION)
# cargo-zigbuild's glibc suffix (.2.17) is not part of the output directory's name.
OUT := $(TARGET_DIR)/$(if $(TARGET),$(firstword $(subst ., ,$(TARGET)))/)release
# What a program linking the static library also needs (rustc --print native-static-libs).
STATIC_LIBS := -lgcc_s -lutil -lrt -lpthread -lm -ldl -lc

.PHONY: all lib install uninstall
all: lib

# One rustc invocation makes both libraries; the SONAME goes to the shared one's linker.
lib:
	$(CARGO_RUSTC) --lib --release --features capi --crate-type cdylib,staticlib \
		$(if $(TARGET),--target $(TARGET)) -- -C link-arg=-Wl,-soname,$(SONAME)

install: lib
	install -d $(DESTDIR)$(INCLUDEDIR) $(DESTDIR)$(LIBDIR) $(DESTDIR)$(PKGCONFIGDIR)
	install -m 644 include/triggerdev.h $(DESTDIR)$(INCLUDEDIR)/triggerdev.h
	install -m 755 $(OUT)/libtriggerdev.so $(DESTDIR)$(LIBDIR)/$(REALNAME)
	ln -sf $(REALNAME) $(DESTDIR)$(LIBDIR)/$(SONAME)
	ln -sf $(SONAME) $(DESTDIR)$(LIBDIR)/libtriggerdev.so
	install -m 644 $(OUT)/libtriggerdev.a $(DESTDIR)$(LIBDIR)/libtriggerdev.a
	printf '%s\n' \
		'prefix=$(PREFIX)' \
		'libdir=$(LIBDIR)' \
		'includedir=$(INCLUDEDIR)' \
		'' \
		'Name: triggerdev' \
		'Description: C API of triggerdev, a client for the Trigger.dev management API' \
		'Version: $(VERSION)' \
		'Libs: -L$${libdir} -ltriggerdev' \
		'Libs.private: $(STATIC_LIBS)' \
		'Cflags: -I$${includedir}' \
		>$(DESTDIR)$(PKGCONFIGDIR)/triggerdev.pc

uninstall:
	rm -f $(DESTDIR)$(INCLUDEDIR)/triggerdev.h $(DESTDIR)$(LIBDIR)/$(REALNAME) \
		$(DESTDIR)$(LIBDIR)/$(SONAME) $(DESTDIR)$(LIBDIR)/libtriggerdev.so \
		$(DESTDIR)$(LIBDIR)/libtriggerdev.a $(DESTDIR)$(PKGCONFIGDIR)/triggerdev.pc

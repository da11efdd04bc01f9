# Nexus: the two commands a newcomer needs are `make run` and `make check`.
# The autotools build lives in build/ (out of tree); this file drives it.
#
#   make            build nexus-fcgi, nexusctl (in build/)
#   make run        build, then run MariaDB + the pool + nginx on 127.0.0.1:4260 (Ctrl-C stops)
#   make check      unit tests, OpenAPI lint, integration tests against a throwaway stack
#   make deps       install the Debian packages listed in debian/control
#   make unit       unit tests only;  make integration  integration tests only
#   make lint       the layer check (tools/check-layers) and the OpenAPI lint;  make bench  the wrk benchmark (needs `make run`)
#   make sanitize   the unit tests under AddressSanitizer + UBSan (in build-sanitize/)
#   make clean      remove build/ (run/ keeps the dev database; remove it by hand)
#   make deb        the Debian package, in dist/ (dpkg-buildpackage, then lintian)
#   make deb-test   install, use, remove and purge that package on this machine (root, CI)
#   make browser-test  headless Chromium against the local OpenID provider and a Nexus test stack (t/browser/; not in check yet)

BUILD   ?= build
RUN_DIR ?= run
JOBS    ?= $(shell nproc 2>/dev/null || echo 2)
CONFIGURE_FLAGS ?=

.PHONY: all build deps run check unit integration lint bench sanitize clean distclean deb deb-test browser-test

all: build

deps:
	@tools/deps

# Install what is missing first (quick when nothing is).
.PHONY: .deps-checked
.deps-checked:
	@tools/deps --check || tools/deps

configure: configure.ac Makefile.am
	autoreconf -fi

$(BUILD)/Makefile: configure
	mkdir -p $(BUILD)
	cd $(BUILD) && ../configure -q $(CONFIGURE_FLAGS)

build: .deps-checked $(BUILD)/Makefile
	$(MAKE) -C $(BUILD) -j$(JOBS)

run: build
	NEXUS_BUILD=$(abspath $(BUILD)) tools/devstack run $(RUN_DIR)

unit: build
	$(MAKE) -C $(BUILD) -j$(JOBS) check

lint: .deps-checked
	tools/check-layers
	tools/lint-openapi

integration: build
	NEXUS_BUILD=$(abspath $(BUILD)) t/run-integration

check: unit lint integration

bench:
	bench/run

# Unit and integration tests against a build with AddressSanitizer and
# UBSan (in build-sanitize/; CI runs this before `make check`). Any UB stops
# the process, which fails the tests. Leak checks are off: the MySQL client
# library keeps per-process allocations until exit.
SANITIZE_BUILD ?= build-sanitize
SANITIZE_ENV = ASAN_OPTIONS=detect_leaks=0 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
sanitize: .deps-checked configure
	mkdir -p $(SANITIZE_BUILD)
	test -f $(SANITIZE_BUILD)/Makefile || (cd $(SANITIZE_BUILD) && ../configure -q --enable-sanitizers)
	$(MAKE) -C $(SANITIZE_BUILD) -j$(JOBS) all t/unit/unittests
	$(SANITIZE_ENV) $(SANITIZE_BUILD)/t/unit/unittests
	$(SANITIZE_ENV) NEXUS_BUILD=$(abspath $(SANITIZE_BUILD)) t/run-integration

# The Debian package (README.md, "Install on Debian"). dpkg-buildpackage
# builds out of tree in debian/build (never build/), runs the unit tests
# unless DEB_BUILD_OPTIONS has nocheck, and writes next to the source
# directory; the files are then moved to dist/. DEB_BUILD_OPTIONS is passed
# on, with parallel=$(JOBS) added when it names no parallel= of its own.
DIST ?= dist
DEB_VERSION = $(shell dpkg-parsechangelog -SVersion)
DEB_ARCH    = $(shell dpkg-architecture -qDEB_HOST_ARCH)
DEB_FILE    = $(DIST)/nexus_$(DEB_VERSION)_$(DEB_ARCH).deb
deb: export DEB_BUILD_OPTIONS := $(strip $(DEB_BUILD_OPTIONS) $(if $(findstring parallel=,$(DEB_BUILD_OPTIONS)),,parallel=$(JOBS)))
deb: .deps-checked
	dpkg-buildpackage -us -uc -b
	mkdir -p $(DIST)
	cd .. && mv $$(awk '{print $$1}' $(CURDIR)/debian/files) nexus_$(DEB_VERSION)_$(DEB_ARCH).changes $(abspath $(DIST))/
	lintian --fail-on error,warning $(DEB_FILE)
	@echo "deb: $(DEB_FILE)"

# Installs that package on this machine, uses it through nginx, removes and
# purges it (root, no running systemd: CI). See tools/deb-test.
deb-test:
	tools/deb-test $(DEB_FILE)

# The browser tests: node's test runner over t/browser/, driving Debian's
# Chromium (puppeteer-core) through the local OpenID Connect provider
# (tools/idp), which each test file starts and stops itself (nexus-sign-in
# starts a whole Nexus test stack, idp included, from $(BUILD)). `tools/idp
# install` runs npm ci into t/node_modules when t/package-lock.json changed.
# Screenshots and the idp's logs: $NEXUS_TEST_OUT/browser, else t/browser/out/.
browser-test: build
	@tools/idp install
	rm -rf t/browser/out
	NEXUS_BUILD=$(abspath $(BUILD)) node --test --test-timeout=180000 t/browser/

clean:
	rm -rf $(BUILD) $(SANITIZE_BUILD)

distclean: clean
	rm -rf configure Makefile.in aclocal.m4 autom4te.cache build-aux config.h.in

# Nexus: the two commands a newcomer needs are `make run` and `make check`.
# The autotools build lives in build/ (out of tree); this file drives it.
#
#   make            build nexus-fcgi, nexusctl (in build/)
#   make run        build, then run MariaDB + the pool + nginx on 127.0.0.1:4260 (Ctrl-C stops)
#   make check      unit tests, OpenAPI lint, integration tests against a throwaway stack
#   make deps       install the Debian packages listed in debian/control
#   make unit       unit tests only;  make integration  integration tests only
#   make lint       the OpenAPI lint;  make bench  the wrk benchmark (needs `make run`)
#   make sanitize   the unit tests under AddressSanitizer + UBSan (in build-sanitize/)
#   make clean      remove build/ (run/ keeps the dev database; remove it by hand)

BUILD   ?= build
RUN_DIR ?= run
JOBS    ?= $(shell nproc 2>/dev/null || echo 2)
CONFIGURE_FLAGS ?=

.PHONY: all build deps run check unit integration lint bench sanitize clean distclean

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

clean:
	rm -rf $(BUILD) $(SANITIZE_BUILD)

distclean: clean
	rm -rf configure Makefile.in aclocal.m4 autom4te.cache build-aux config.h.in

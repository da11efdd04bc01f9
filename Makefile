# Nexus: the two commands a newcomer needs are `make run` and `make check`.
# The autotools build lives in build/ (out of tree); this file drives it.
#
#   make              build nexus-fcgi, nexusctl (in build/)
#   make run          build, then run MariaDB + the pool + nginx on 127.0.0.1:4260 (Ctrl-C stops)
#   make check        unit tests, lint, integration tests against a throwaway stack, browser tests
#   make deps         install the Debian packages listed in debian/control
#   make unit         unit tests only;  make integration  integration tests only
#   make lint         the layer check (tools/check-layers) and the OpenAPI lint;  make bench  the wrk benchmark (needs `make run`)
#   make bench-compare  every hot scenario side by side with the peer (bench/compare; PEER_URL, see bench/README.md)
#   make format-check list the files of src/ and t/unit/ that clang-format-14 would change (fails if any);  make format  changes them
#   make tidy         clang-tidy-14 (.clang-tidy) on src/ and t/unit/, on build/'s compile database (bear); fails on any finding
#   make sanitize     the unit and integration tests under AddressSanitizer + UBSan (in build-sanitize/)
#   make tsan         the unit and integration tests under ThreadSanitizer (in build-tsan/); fails on any report
#   make chaos        t/chaos/chaos.t: concurrent writes while workers, the master and MariaDB are killed (~2 min)
#   make fuzz         the libFuzzer targets of t/fuzz/ (clang, in build-fuzz/), each for FUZZ_SECONDS (60); fails on a crash
#   make clean        remove build/ and the build-*/ directories above (run/ keeps the dev database; remove it by hand)
#   make deb          the Debian package, in dist/ (dpkg-buildpackage, then lintian)
#   make deb-test     install, use, remove and purge that package on this machine (root, CI)
#   make browser-test headless Chromium against the local OpenID provider and a Nexus test stack (t/browser/)
#
# CONFIGURE_FLAGS is passed to every ./configure here (build/, build-sanitize/, build-tsan/, build-fuzz/);
# CI sets it to --enable-werror. A build directory is configured once: remove it to change them.

BUILD   ?= build
RUN_DIR ?= run
JOBS    ?= $(shell nproc 2>/dev/null || echo 2)
CONFIGURE_FLAGS ?=

.PHONY: cluster-test all build deps run check unit integration lint bench bench-compare format format-check tidy sanitize tsan fuzz chaos clean distclean deb deb-test browser-test

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

# Three MariaDB Galera nodes, two pools and nginx on loopback under load,
# losing a node and a host (t/cluster/cluster.t, README "Scaling out").
cluster-test: build
	NEXUS_BUILD=$(abspath $(BUILD)) prove -It/lib t/cluster/cluster.t

check: unit lint integration browser-test

# Nothing acknowledged is lost (README.md, "Chaos test"): t/chaos/chaos.t on
# a stack of its own (t/run-integration), CHAOS_SECONDS (60) of concurrent
# clients while it kills workers, the master and MariaDB and holds locks past
# the request deadline; prints the acknowledged / lost / duplicated / 5xx
# counts and the longest outage. Not part of `make integration` (t/*.t).
CHAOS_SECONDS ?= 60
chaos: build
	CHAOS_SECONDS=$(CHAOS_SECONDS) NEXUS_BUILD=$(abspath $(BUILD)) PROVE_FLAGS=-v t/run-integration t/chaos/chaos.t

bench:
	bench/run

bench-compare:
	bench/compare

# clang-format-14 (the pinned version: another one formats differently) with
# .clang-format, over every .cpp and .h of src/ and t/unit/.
CLANG_FORMAT ?= clang-format-14
FORMAT_FILES = $(shell find src t/unit -name '*.cpp' -o -name '*.h' | LC_ALL=C sort)
format-check: .deps-checked
	@out=$$($(CLANG_FORMAT) --dry-run -Werror $(FORMAT_FILES) 2>&1); rc=$$?; \
	off=$$(printf '%s\n' "$$out" | sed -n 's/^\([^:]*\):[0-9]*:[0-9]*: error: code should be clang-formatted.*/\1/p' | uniq); \
	if [ -n "$$off" ]; then \
	  echo "format-check: $$(echo "$$off" | wc -l) of $(words $(FORMAT_FILES)) files are not clang-formatted (make format fixes them):"; \
	  echo "$$off" | sed 's/^/  /'; exit 1; \
	elif [ $$rc -ne 0 ]; then echo "$$out"; echo "format-check: $(CLANG_FORMAT) failed" >&2; exit 1; \
	fi; \
	echo "format-check: $(words $(FORMAT_FILES)) files of src/ and t/unit/ are clang-formatted"

format: .deps-checked
	$(CLANG_FORMAT) -i $(FORMAT_FILES)

# clang-tidy-14 with .clang-tidy on src/ and t/unit/ (headers of src/),
# JOBS files at a time (tools/tidy), on the compile database that bear
# records while it builds $(BUILD). The first run rebuilds $(BUILD) from
# clean so that every file is recorded; later runs add what recompiles.
tidy: .deps-checked $(BUILD)/Makefile
	test -s $(BUILD)/compile_commands.json || $(MAKE) -C $(BUILD) clean
	bear --append --output $(BUILD)/compile_commands.json -- $(MAKE) -C $(BUILD) -j$(JOBS) all t/unit/unittests
	tools/tidy $(BUILD) $(JOBS)

# Unit and integration tests against a build with AddressSanitizer and
# UBSan (in build-sanitize/; CI runs this before `make check`). Any UB stops
# the process, which fails the tests. Leak checks are off: the MySQL client
# library keeps per-process allocations until exit.
SANITIZE_BUILD ?= build-sanitize
SANITIZE_ENV = ASAN_OPTIONS=detect_leaks=0 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
sanitize: .deps-checked configure
	mkdir -p $(SANITIZE_BUILD)
	test -f $(SANITIZE_BUILD)/Makefile || (cd $(SANITIZE_BUILD) && ../configure -q --enable-sanitizers $(CONFIGURE_FLAGS))
	$(MAKE) -C $(SANITIZE_BUILD) -j$(JOBS) all t/unit/unittests
	$(SANITIZE_ENV) $(SANITIZE_BUILD)/t/unit/unittests
	$(SANITIZE_ENV) NEXUS_BUILD=$(abspath $(SANITIZE_BUILD)) t/run-integration

# The unit tests and the integration tests (all of t/, TSAN_TESTS picks
# some) against a ThreadSanitizer build (in build-tsan/): the pool's
# threads (accepting threads and their watchdog, recycling, GroupCommit,
# KeyringCache, the sealer) under the suite's load, kills and reloads.
# Every process of the run (unit tests, nexus-fcgi, nexusctl) writes its
# reports to $(TSAN_LOGS) (the stack's own log goes with the stack); any
# report fails the target, once the tests have run (tools/tsan-reports prints
# each distinct one once). t/tsan.supp suppresses races inside third-party
# libraries only.
TSAN_BUILD ?= build-tsan
TSAN_TESTS ?=
TSAN_LOGS   = $(abspath $(TSAN_BUILD))/tsan-reports
TSAN_ENV    = TSAN_OPTIONS="suppressions=$(abspath t/tsan.supp) log_path=$(TSAN_LOGS)/tsan exitcode=0 second_deadlock_stack=1"
tsan: .deps-checked configure
	mkdir -p $(TSAN_BUILD)
	test -f $(TSAN_BUILD)/Makefile || (cd $(TSAN_BUILD) && ../configure -q --enable-tsan $(CONFIGURE_FLAGS))
	$(MAKE) -C $(TSAN_BUILD) -j$(JOBS) all t/unit/unittests
	rm -rf $(TSAN_LOGS) && mkdir -p $(TSAN_LOGS)
	$(TSAN_ENV) $(TSAN_BUILD)/t/unit/unittests; rc=$$?; tools/tsan-reports $(TSAN_LOGS) && exit $$rc
	$(TSAN_ENV) NEXUS_BUILD=$(abspath $(TSAN_BUILD)) t/run-integration $(TSAN_TESTS); rc=$$?; tools/tsan-reports $(TSAN_LOGS) && exit $$rc
	@echo "tsan: no ThreadSanitizer report"

# The libFuzzer targets of t/fuzz/ (README.md, "Fuzzing"), built with
# clang, -fsanitize=fuzzer,address,undefined in build-fuzz/ (configured
# --enable-fuzz; `make fuzz-targets` there compiles only the parsers they
# link, never main()), then each run for FUZZ_SECONDS from its seeds in
# t/fuzz/corpus/<target>/ (tools/fuzz: JOBS targets at a time; what they
# find goes to $(FUZZ_BUILD)/fuzz/<target>/). Any crash, leak, UB or
# timeout fails it.
FUZZ_BUILD   ?= build-fuzz
FUZZ_SECONDS ?= 60
FUZZ_CXXFLAGS ?= -g -O1
fuzz: .deps-checked configure
	mkdir -p $(FUZZ_BUILD)
	test -f $(FUZZ_BUILD)/Makefile || (cd $(FUZZ_BUILD) && ../configure -q --enable-fuzz CC=clang-14 CXX=clang++-14 CXXFLAGS='$(FUZZ_CXXFLAGS)' $(CONFIGURE_FLAGS))
	$(MAKE) -C $(FUZZ_BUILD) -j$(JOBS) fuzz-targets
	tools/fuzz $(FUZZ_BUILD) $(FUZZ_SECONDS) $(JOBS)

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
	rm -rf $(BUILD) $(SANITIZE_BUILD) $(TSAN_BUILD) $(FUZZ_BUILD)

distclean: clean
	rm -rf configure Makefile.in aclocal.m4 autom4te.cache build-aux config.h.in

# Nexus: the two commands a newcomer needs are `make run` and `make check`.
# The autotools build lives in build/ (out of tree); this file drives it.
#
#   make            build nexus-fcgi, nexusctl (in build/)
#   make run        build, then run MariaDB + the pool + nginx on 127.0.0.1:4260 (Ctrl-C stops)
#   make check      unit tests, OpenAPI lint, integration tests against a throwaway stack
#   make deps       install the Debian packages listed in debian/control
#   make unit       unit tests only;  make integration  integration tests only
#   make lint       the OpenAPI lint;  make bench  the wrk benchmark (needs `make run`)
#   make clean      remove build/ (run/ keeps the dev database; remove it by hand)

BUILD   ?= build
RUN_DIR ?= run
JOBS    ?= $(shell nproc 2>/dev/null || echo 2)
CONFIGURE_FLAGS ?=

.PHONY: all build deps run check unit integration lint bench clean distclean

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

clean:
	rm -rf $(BUILD)

distclean: clean
	rm -rf configure Makefile.in aclocal.m4 autom4te.cache build-aux config.h.in

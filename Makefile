# emailqueue: `make` builds everything into build/, `make test` installs what is
# missing, builds, starts a private PostgreSQL and runs every test.

BUILD      ?= build
BUILD_TYPE ?= RelWithDebInfo
WERROR     ?= ON
JOBS       ?= $(shell nproc 2>/dev/null || echo 2)
CTEST_ARGS ?=
PREFIX     ?= /usr/local
DESTDIR    ?=

# Debian 12 packages, by what needs them.
BUILD_PACKAGES = g++ cmake make pkg-config libpq-dev libcli11-dev libfmt-dev \
                 libcurl4-openssl-dev libyaml-cpp-dev catch2 libssl-dev
TEST_PACKAGES  = postgresql postfix python3-aiosmtpd python3-cryptography openssl chromium \
                 ca-certificates tzdata util-linux clang libclang-rt-14-dev valgrind \
                 groff-base man-db logrotate systemd pgbouncer
BENCH_PACKAGES = time bc
DEB_PACKAGES   = dpkg-dev file

ENSURE = sh test/support/ensure-packages.sh

.PHONY: all build configure deps deps-test deps-bench test check reliability fuzz asan valgrind \
        demo bench bench-enqueue bench-process bench-pooler bench-scale bench-html install deb deb-check \
        format clean distclean

all: build

deps:
	@$(ENSURE) $(BUILD_PACKAGES)

deps-test:
	@$(ENSURE) $(BUILD_PACKAGES) $(TEST_PACKAGES) $(DEB_PACKAGES)

deps-bench:
	@$(ENSURE) $(BUILD_PACKAGES) $(TEST_PACKAGES) $(DEB_PACKAGES) $(BENCH_PACKAGES)

# Re-running cmake on a configured tree is quick and picks up changed options.
configure: deps
	@cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=$(BUILD_TYPE) -DEQ_WERROR=$(WERROR) \
	      -DCMAKE_INSTALL_PREFIX=$(PREFIX) $(CMAKE_ARGS) >/dev/null

build: configure
	cmake --build $(BUILD) -j $(JOBS)

# ctest starts the private PostgreSQL as a fixture and stops it afterwards; the
# explicit stop below also covers an interrupted ctest.
test: deps-test
	@$(MAKE) --no-print-directory build
	@cd $(BUILD) && ctest --output-on-failure -j $(JOBS) $(CTEST_ARGS); rc=$$?; \
	  bash $(CURDIR)/test/support/pg-cluster.sh stop test-pg >/dev/null 2>&1; exit $$rc

check: test

# The reliability suites alone (test/reliability/, also part of `make test`), then their
# figures into the table of docs/reliability.md.
reliability: deps-test
	@$(MAKE) --no-print-directory build
	@rm -rf $(BUILD)/reliability
	@cd $(BUILD) && ctest --output-on-failure -j $(JOBS) -L 'reliability|security'; rc=$$?; \
	  bash $(CURDIR)/test/support/pg-cluster.sh stop test-pg >/dev/null 2>&1; \
	  [ $$rc -eq 0 ] && /usr/bin/python3 $(CURDIR)/test/support/reliability-report.py \
	    $(CURDIR)/$(BUILD) $(CURDIR)/docs/reliability.md

# The whole suite under AddressSanitizer and UndefinedBehaviorSanitizer.
asan: deps-test
	@$(MAKE) --no-print-directory test BUILD=build-asan BUILD_TYPE=Debug \
	  CMAKE_ARGS="-DEQ_SANITIZE=ON $(CMAKE_ARGS)"

# The tour: a private PostgreSQL and smtp-sink, a demo company, campaign and 50 leads,
# queue-enqueue, then queue-process four times under an hourly limit of 12.
demo: deps-test
	@$(MAKE) --no-print-directory build
	@bash etc/demo/demo.sh $(BUILD)

# Benchmarks, never part of 'make test': each starts a private PostgreSQL of its own
# and prints a Markdown report (also under $(BUILD)/bench/) for docs/benchmarks.md.
BENCH_ENQUEUE_ARGS ?=
BENCH_PROCESS_ARGS ?=
BENCH_POOLER_ARGS ?=

bench: bench-enqueue bench-process bench-pooler bench-html

# queue-enqueue against the bare INSERT ... SELECT on 1,000,000 leads; arguments:
# BENCH_ENQUEUE_ARGS="LEADS SAMPLE ROUNDS" (default "1000000 20000 5").
bench-enqueue: deps-bench
	@$(MAKE) --no-print-directory build
	cmake --build $(BUILD) -j $(JOBS) --target bench_enqueue_per_row
	bash bench/enqueue.sh $(BUILD) $(BENCH_ENQUEUE_ARGS)

# queue-process: throughput against smtp-source, 1,000 slow servers, 10,000,000 rows of
# history, peak memory, and the cost of building one message; arguments: BENCH_PROCESS_ARGS="ROWS COMPANIES HISTORY"
# (default "20000 1000 10000000").
bench-process: deps-bench
	@$(MAKE) --no-print-directory build
	cmake --build $(BUILD) -j $(JOBS) --target bench_build_message
	bash bench/process.sh $(BUILD) $(BENCH_PROCESS_ARGS)

# queue-process through PgBouncer in transaction mode against a direct connection: rate
# and PostgreSQL CPU per message; arguments: BENCH_POOLER_ARGS="ROWS" (default 5000).
bench-pooler: deps-bench
	@$(MAKE) --no-print-directory build
	bash bench/pooler.sh $(BUILD) $(BENCH_POOLER_ARGS)

# One cron tick at scale: companies x due rows through several queue-process invocations
# started together (rate, PostgreSQL CPU per message, peak RSS, connections, delivery
# audit, statements), the idle cost, fair shares and the rate with many due companies; not
# part of `make bench` (at the default sizes about an hour and a half a version, most of
# it the 500,000 messages of the many-companies run). Arguments:
# BENCH_SCALE_ARGS="COMPANIES ROWS INVOCATIONS IDLE SMALL LARGE DELAY MANY" (default
# "10000 5 4 100000 1000 100000 1 100000"; a quick run: "1000 5 4 10000 100 10000 1 0").
# BENCH_BASE=REV also builds that git revision under
# $(BUILD)/bench-base and runs it in the same run for comparison.
BENCH_SCALE_ARGS ?=
BENCH_BASE ?=
bench-scale: deps-bench
	@$(MAKE) --no-print-directory build
	@if [ -n "$(BENCH_BASE)" ]; then \
	    rm -rf $(BUILD)/bench-base/src && mkdir -p $(BUILD)/bench-base/src && \
	    git archive "$(BENCH_BASE)" | tar -x -C $(BUILD)/bench-base/src && \
	    cmake -S $(BUILD)/bench-base/src -B $(BUILD)/bench-base/build \
	          -DCMAKE_BUILD_TYPE=$(BUILD_TYPE) -DEQ_WERROR=OFF $(CMAKE_ARGS) >/dev/null && \
	    cmake --build $(BUILD)/bench-base/build -j $(JOBS) --target queue-process queue-admin; \
	fi
	BENCH_BASE_BUILD=$(if $(BENCH_BASE),$(BUILD)/bench-base/build) \
	    BENCH_BASE_NAME=$(if $(BENCH_BASE),$$(git rev-parse --short "$(BENCH_BASE)")) \
	    bash bench/scale.sh $(BUILD) $(BENCH_SCALE_ARGS)

# html_to_text on hostile bodies of 1 and 4 MB (no database): a Markdown table of
# milliseconds per shape; arguments: BENCH_HTML_ARGS="MEGABYTES..." (default "1 4").
BENCH_HTML_ARGS ?=
bench-html:
	@$(MAKE) --no-print-directory build
	cmake --build $(BUILD) -j $(JOBS) --target bench_html_to_text
	$(BUILD)/bin/bench_html_to_text $(BENCH_HTML_ARGS)

# The unit tests under valgrind's memcheck (the integration tests run the programs as
# child processes, which ASan covers: make asan).
valgrind: deps-test
	@$(MAKE) --no-print-directory configure BUILD=$(BUILD)-valgrind BUILD_TYPE=Debug
	cmake --build $(BUILD)-valgrind -j $(JOBS) --target unit_tests
	valgrind --tool=memcheck --error-exitcode=1 --leak-check=full --errors-for-leak-kinds=definite \
	  --track-origins=yes --quiet $(BUILD)-valgrind/bin/unit_tests

# The libFuzzer targets of test/fuzz/ (clang), FUZZ_SECONDS each; `make test` runs each
# for a few seconds (ctest label fuzz).
FUZZ_SECONDS ?= 60
fuzz: deps-test
	bash test/fuzz/fuzz.sh $(CURDIR)/$(BUILD)/fuzz $(FUZZ_SECONDS)

# Installs under PREFIX (default /usr/local), staged under DESTDIR when set; the example
# configuration goes to /etc/emailqueue unless one is there already.
install: build
	DESTDIR=$(DESTDIR) cmake --install $(BUILD) --prefix $(PREFIX)

# A Debian 12 package (build/emailqueue_VERSION_ARCH.deb), installed under /usr.
deb: build
	@$(ENSURE) $(DEB_PACKAGES)
	cd $(BUILD) && rm -f emailqueue_*.deb && \
	  cpack -G DEB -D CPACK_INSTALL_PREFIX=/usr -D CPACK_STRIP_FILES=ON >/dev/null
	@ls $(BUILD)/emailqueue_*.deb

# Builds the package and checks it: dependencies, contents, apt --simulate, programs run.
deb-check: deb
	bash test/support/deb-check.sh $$(ls -t $(BUILD)/emailqueue_*.deb | head -n 1)

format:
	find apps lib test bench -name '*.cpp' -o -name '*.hpp' | xargs clang-format -i

clean:
	rm -rf $(BUILD)

distclean:
	rm -rf build build-*

# Makefile - builds libvigil, the vigil command, tests, fuzzers and benchmarks.
#
#   make                 library and command in build/
#   make check           unit and end-to-end tests (no corpus needed)
#   make check SAN=asan  the same under AddressSanitizer + UBSan (build-asan/)
#   make conformance     checks against ../shared/corpus and the peer tools
#   make bench           benchmarks against the peer tools
#   make fuzz            libFuzzer harnesses (clang)
#   make fuzz-smoke      builds them and runs each for FUZZ_SECONDS (default 10)
#   make run             install dependencies, build, sweep with the bundled rules
#   make lint            cppcheck, clang-tidy and clang-format checks

CC ?= cc
SAN ?=
WERROR ?=
PREFIX ?= /usr/local
CORPUS ?= $(abspath ../shared/corpus)
PKGS := yara libhs libpcre2-8 libcrypto libarchive jansson yaml-0.1 zlib libxml-2.0 libidn2

BUILD := build$(if $(SAN),-$(SAN))
WARN := -Wall -Wextra -Wshadow -Wformat=2 -Wstrict-prototypes -Wmissing-prototypes -Wvla
OPT := -O2 -g
ifeq ($(SAN),asan)
OPT := -O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
endif
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS := $(shell pkg-config --libs $(PKGS) 2>/dev/null)
ALL_CFLAGS := -std=c11 -D_GNU_SOURCE $(OPT) $(WARN) $(if $(WERROR),-Werror) \
	-Iinclude -Isrc $(PKG_CFLAGS) -pthread -MMD -MP $(CFLAGS)
SAN_LDFLAGS :=
ifeq ($(SAN),asan)
SAN_LDFLAGS := -fsanitize=address,undefined
endif
ALL_LDFLAGS := $(SAN_LDFLAGS) $(LDFLAGS)
LDLIBS := $(PKG_LIBS) -pthread -lm

LIB_SRC := $(sort $(wildcard src/*/*.c))
LIB_OBJ := $(LIB_SRC:%.c=$(BUILD)/obj/%.o)
CLI_SRC := $(sort $(wildcard cli/*.c))
CLI_OBJ := $(CLI_SRC:%.c=$(BUILD)/obj/%.o) $(BUILD)/obj/gen/report_assets.o
# the HTML report's script and style, embedded in the command (cli/report_html.c)
REPORT_ASSETS := data/report/report.js data/report/report.css
TEST_SRC := $(sort $(wildcard tests/unit/test_*.c))
TEST_BIN := $(TEST_SRC:tests/unit/%.c=$(BUILD)/tests/%)
TOOL_SRC := $(sort $(wildcard tests/tools/*.c))
TOOL_BIN := $(TOOL_SRC:tests/tools/%.c=$(BUILD)/tests/tools/%)
BENCH_SRC := $(sort $(wildcard bench/*.c))
BENCH_BIN := $(BENCH_SRC:bench/%.c=$(BUILD)/bench/%)
FUZZ_SRC := $(sort $(wildcard fuzz/fuzz_*.c))
FUZZ_BIN := $(FUZZ_SRC:fuzz/%.c=build-fuzz/%)

LIB := $(BUILD)/libvigil.a
BIN := $(BUILD)/vigil

.PHONY: all check conformance bench fuzz fuzz-smoke run lint format install clean deps
all: $(BIN)

$(BUILD)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -c $< -o $@

$(BUILD)/gen/report_assets.c: $(REPORT_ASSETS)
	@mkdir -p $(dir $@)
	cd data/report && { xxd -i report.js && xxd -i report.css; } > $(abspath $@).tmp
	mv $@.tmp $@

$(BUILD)/obj/gen/report_assets.o: $(BUILD)/gen/report_assets.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -c $< -o $@

$(LIB): $(LIB_OBJ)
	@mkdir -p $(dir $@)
	rm -f $@
	ar rcs $@ $^

$(BIN): $(CLI_OBJ) $(LIB)
	$(CC) $(ALL_LDFLAGS) -o $@ $(CLI_OBJ) $(LIB) $(LDLIBS)

$(BUILD)/tests/%: tests/unit/%.c tests/unit/test.h $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -Itests/unit -o $@ $< $(LIB) $(LDLIBS)

$(BUILD)/tests/tools/%: tests/tools/%.c $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $< $(LIB) $(LDLIBS)

$(BUILD)/bench/%: bench/%.c $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $< $(LIB) $(LDLIBS)

check: $(BIN) $(TEST_BIN) $(TOOL_BIN)
	@bash tests/run.sh $(BUILD)

conformance: $(BIN) $(TOOL_BIN)
	@bash tests/conformance/run.sh $(BUILD) "$(CORPUS)"

bench: $(BIN) $(BENCH_BIN) $(TOOL_BIN)
	@bash bench/run.sh $(BUILD) "$(CORPUS)"

# The library is compiled once with coverage and sanitizers; each harness
# links against it. `make fuzz-smoke` runs every harness briefly (CI).
FUZZ_CFLAGS := -std=c11 -D_GNU_SOURCE -O1 -g -fsanitize=fuzzer-no-link,address,undefined \
	-Iinclude -Isrc $(PKG_CFLAGS) -pthread
FUZZ_OBJ := $(LIB_SRC:%.c=build-fuzz/obj/%.o)
FUZZ_SECONDS ?= 10
fuzz: $(FUZZ_BIN)
build-fuzz/obj/%.o: %.c
	@mkdir -p $(dir $@)
	clang $(FUZZ_CFLAGS) -MMD -MP -c $< -o $@
build-fuzz/libvigil-fuzz.a: $(FUZZ_OBJ)
	@rm -f $@
	ar rcs $@ $^
build-fuzz/%: fuzz/%.c build-fuzz/libvigil-fuzz.a
	@mkdir -p $(dir $@)
	clang $(FUZZ_CFLAGS) -fsanitize=fuzzer -o $@ $< build-fuzz/libvigil-fuzz.a $(LDLIBS)
fuzz-smoke: $(FUZZ_BIN)
	@bash fuzz/smoke.sh $(FUZZ_SECONDS) $(FUZZ_BIN)
-include $(FUZZ_OBJ:.o=.d)

deps:
	@bash scripts/deps.sh

run: deps
	@$(MAKE) --no-print-directory all
	./$(BIN) scan $(if $(RULES),--rules $(RULES)) $(or $(SCAN_PATHS),/usr/bin)

lint:
	@bash scripts/lint.sh

format:
	clang-format -i $(LIB_SRC) $(CLI_SRC) $(wildcard src/*/*.h include/vigil/*.h cli/*.h)

install: $(BIN)
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/lib $(DESTDIR)$(PREFIX)/include/vigil
	install -m 755 $(BIN) $(DESTDIR)$(PREFIX)/bin/vigil
	install -m 644 $(LIB) $(DESTDIR)$(PREFIX)/lib/libvigil.a
	install -m 644 include/vigil/*.h $(DESTDIR)$(PREFIX)/include/vigil/
	install -d $(DESTDIR)$(PREFIX)/share/vigil
	cp -R rules data $(DESTDIR)$(PREFIX)/share/vigil/

clean:
	rm -rf build build-* 

-include $(LIB_OBJ:.o=.d) $(CLI_OBJ:.o=.d) $(TEST_BIN:=.d) $(TOOL_BIN:=.d)

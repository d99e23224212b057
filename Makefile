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
#                        (RULES=DIR, SCAN_PATHS="DIR...", PLACEHOLDERS=DIR of NAME.txt)
#   make lint            cppcheck, clang-tidy and clang-format checks
#   make lint-layers     includes only go down the stack of src/ folders
#                        (docs/architecture.md); part of make check
#   make install         command, libvigil.so/.a, headers, vigil.pc, pack, man
#                        pages, completions under DESTDIR/PREFIX (uninstall too)
#   make man             the man pages from docs/man/*.scd (scdoc)
#   make deb             the Debian packages in build/deb/ (dpkg-buildpackage)
#   make check-package   install/pkg-config/export checks on the .deb (lintian)
#   make check-fleet     the Ansible playbook against SSH targets in namespaces

CC ?= cc
SAN ?=
WERROR ?=
PREFIX ?= /usr/local
LIBDIR ?= $(PREFIX)/lib
CORPUS ?= $(abspath ../shared/corpus)
PKGS := yara libhs libpcre2-8 libcrypto libarchive jansson yaml-0.1 zlib libxml-2.0 libidn2 \
	libscca liblnk hivex tsk libvshadow libbfio

BUILD := build$(if $(SAN),-$(SAN))
WARN := -Wall -Wextra -Wshadow -Wformat=2 -Wstrict-prototypes -Wmissing-prototypes -Wvla
OPT := -O2 -g
ifeq ($(SAN),asan)
OPT := -O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
endif
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS := $(shell pkg-config --libs $(PKGS) 2>/dev/null)
# -fPIC: the same objects make libvigil.a and libvigil.so.
ALL_CFLAGS := -std=c11 -D_GNU_SOURCE $(OPT) $(WARN) $(if $(WERROR),-Werror) \
	-fPIC -Iinclude -Isrc $(PKG_CFLAGS) -pthread -MMD -MP $(CPPFLAGS) $(CFLAGS)
SAN_LDFLAGS :=
ifeq ($(SAN),asan)
SAN_LDFLAGS := -fsanitize=address,undefined
endif
ALL_LDFLAGS := $(SAN_LDFLAGS) $(LDFLAGS)
# Every libyal library (libewf, libbfio, libvmdk, libvhdi under libtsk; libscca,
# liblnk) exports its own copy of libcdata, and the first one loaded serves them
# all. libscca's copy frees libewf's file pool wrongly (E01 images crashed on
# close), so libewf and libbfio are linked first, whatever the linker's
# --as-needed: then all use theirs (tests/e2e/images.sh and exec_evidence.sh).
YAL_FIRST := -Wl,--push-state,--no-as-needed $(shell pkg-config --libs libewf libbfio 2>/dev/null) \
	-Wl,--pop-state
LDLIBS := $(YAL_FIRST) $(PKG_LIBS) -pthread -lm

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
# The shared library: SONAME libvigil.so.$(SOVERSION); bump it whenever the
# public API changes incompatibly. Only the functions of include/vigil/ are
# exported (a version script made by scripts/public_symbols.sh).
VERSION := $(shell sed -n 's/^\#define VIGIL_VERSION "\(.*\)"/\1/p' include/vigil/vigil.h)
SOVERSION := 0
SONAME := libvigil.so.$(SOVERSION)
SHLIB := $(BUILD)/libvigil.so.$(VERSION)
MAN_SRC := $(sort $(wildcard docs/man/*.scd))
MAN_OUT := $(MAN_SRC:docs/man/%.scd=$(BUILD)/man/%)

.PHONY: all check lint-layers conformance bench fuzz fuzz-smoke run lint format install uninstall clean deps \
	shared man deb check-package check-fleet
all: $(BIN) $(SHLIB)
shared: $(SHLIB)

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

$(BUILD)/vigil.map: $(wildcard include/vigil/*.h) scripts/public_symbols.sh
	@mkdir -p $(dir $@)
	{ echo 'VIGIL_$(SOVERSION) {'; echo '  global:'; \
	  bash scripts/public_symbols.sh $(CC) | sed 's/.*/    &;/'; \
	  echo '  local: *;'; echo '};'; } > $@

$(SHLIB): $(LIB_OBJ) $(BUILD)/vigil.map
	$(CC) -shared $(ALL_LDFLAGS) -Wl,-soname,$(SONAME) -Wl,--version-script=$(BUILD)/vigil.map \
		-Wl,-z,defs -o $@ $(LIB_OBJ) $(LDLIBS)

$(BUILD)/vigil.pc: vigil.pc.in Makefile
	@mkdir -p $(dir $@)
	sed -e 's|@PREFIX@|$(PREFIX)|' -e 's|@LIBDIR@|$(patsubst $(PREFIX)/%,$${prefix}/%,$(LIBDIR))|' \
		-e 's|@VERSION@|$(VERSION)|' \
		-e 's|@REQUIRES@|$(PKGS)|' $< > $@

# A line "%include FILE" in a page's source is replaced by docs/man/FILE
# (the rule options shared by scan, rules, logs and connections).
$(BUILD)/man/%: docs/man/%.scd $(wildcard docs/man/*.inc)
	@mkdir -p $(dir $@)
	awk '/^%include /{ while ((getline l < ("docs/man/" $$2)) > 0) print l; next } { print }' $< | scdoc > $@
man: $(MAN_OUT)

$(BUILD)/tests/%: tests/unit/%.c tests/unit/test.h $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -Itests/unit -o $@ $< $(LIB) $(LDLIBS)

$(BUILD)/tests/tools/%: tests/tools/%.c $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $< $(LIB) $(LDLIBS)

$(BUILD)/bench/%: bench/%.c $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $< $(LIB) $(LDLIBS)

check: lint-layers $(BIN) $(TEST_BIN) $(TOOL_BIN)
	@bash tests/run.sh $(BUILD)

lint-layers:
	@bash scripts/check_layers.sh

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
	./$(BIN) scan $(if $(RULES),--rules $(RULES)) $(if $(PLACEHOLDERS),--placeholders $(PLACEHOLDERS)) $(or $(SCAN_PATHS),/usr/bin)

# clang-tidy gets the compiler's language, defines and include paths
lint:
	@LINT_CFLAGS='-std=c11 -D_GNU_SOURCE -Iinclude -Isrc $(PKG_CFLAGS)' bash scripts/lint.sh

format:
	clang-format -i $(LIB_SRC) $(CLI_SRC) $(wildcard src/*/*.h include/vigil/*.h cli/*.h)

# Man pages are installed when scdoc is there to make them (scripts/deps.sh
# installs it); `make deb` requires them.
INSTALL_MAN := $(if $(shell command -v scdoc 2>/dev/null),$(MAN_OUT))
install: $(BIN) $(SHLIB) $(BUILD)/vigil.pc $(INSTALL_MAN)
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(LIBDIR)/pkgconfig $(DESTDIR)$(PREFIX)/include/vigil
	install -m 755 $(BIN) $(DESTDIR)$(PREFIX)/bin/vigil
	install -m 644 $(LIB) $(DESTDIR)$(LIBDIR)/libvigil.a
	install -m 644 $(SHLIB) $(DESTDIR)$(LIBDIR)/
	ln -sf libvigil.so.$(VERSION) $(DESTDIR)$(LIBDIR)/$(SONAME)
	ln -sf $(SONAME) $(DESTDIR)$(LIBDIR)/libvigil.so
	install -m 644 $(BUILD)/vigil.pc $(DESTDIR)$(LIBDIR)/pkgconfig/vigil.pc
	install -m 644 include/vigil/*.h $(DESTDIR)$(PREFIX)/include/vigil/
	install -d $(DESTDIR)$(PREFIX)/share/vigil
	cp -R rules data $(DESTDIR)$(PREFIX)/share/vigil/
	install -D -m 644 deploy/completion/vigil.bash $(DESTDIR)$(PREFIX)/share/bash-completion/completions/vigil
	install -D -m 644 deploy/completion/_vigil $(DESTDIR)$(PREFIX)/share/zsh/vendor-completions/_vigil
	$(if $(INSTALL_MAN),install -d $(DESTDIR)$(PREFIX)/share/man/man1 && \
		install -m 644 $(INSTALL_MAN) $(DESTDIR)$(PREFIX)/share/man/man1/)

uninstall:
	rm -f $(DESTDIR)$(PREFIX)/bin/vigil $(DESTDIR)$(LIBDIR)/libvigil.a \
		$(DESTDIR)$(LIBDIR)/libvigil.so $(DESTDIR)$(LIBDIR)/$(SONAME) \
		$(DESTDIR)$(LIBDIR)/libvigil.so.$(VERSION) $(DESTDIR)$(LIBDIR)/pkgconfig/vigil.pc \
		$(DESTDIR)$(PREFIX)/share/bash-completion/completions/vigil \
		$(DESTDIR)$(PREFIX)/share/zsh/vendor-completions/_vigil \
		$(addprefix $(DESTDIR)$(PREFIX)/share/man/man1/,$(notdir $(MAN_OUT)))
	rm -rf $(DESTDIR)$(PREFIX)/include/vigil $(DESTDIR)$(PREFIX)/share/vigil

deb:
	@bash scripts/make_deb.sh $(BUILD)/deb

check-package: deb
	@bash tests/package/run.sh $(BUILD)

# The Ansible fleet sweep against SSH targets in namespaces (root).
# Builds the packages first unless `make deb` already did.
check-fleet: $(BIN)
	@ls $(BUILD)/deb/vigil_*.deb > /dev/null 2>&1 || $(MAKE) --no-print-directory deb
	@bash tests/fleet/run.sh $(BUILD)

clean:
	rm -rf build build-* 

-include $(LIB_OBJ:.o=.d) $(CLI_OBJ:.o=.d) $(TEST_BIN:=.d) $(TOOL_BIN:=.d)

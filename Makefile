# faaslet: a serverless runtime for WebAssembly functions.
#
#   make            build build/faaslet
#   make test       every test (and the layering check): unit, SDK, WASI, functions end to end, Faasm-style
#                   functions (faasmtest), Python,
#                   wasm spec suite (installs missing packages, builds Python)
#   make asan       the same tests under AddressSanitizer + UBSan (build-asan/)
#   make spec       the official wasm spec suite only
#   make securitytest  the attacks that once got through, each outcome asserted
#   make servetest  faaslet serve end to end (curl and the client, free loopback ports)
#   make clustertest  three faaslet serve hosts on one redis-server (free loopback ports)
#   make demo       the main job on the embedded default
#   make python     CPython for wasm32-wasi and its runtime root
#   make bench      interpreter vs native on compute kernels (then their -msimd128 builds)
#   make bench-python  CPython in wasm under faaslet vs native python3.11
#   make bench-start   how fast calls start: fresh, snapshot, warm Faaslets
#   make bench-serve   faaslet serve under wrk: requests/s, p50/p99, a 100,000-call load test
#   make bench-cluster a 3-host cluster against one host; Redis commands per call; state bandwidth
#   make fuzz-diff  both tiers on generated modules, results compared (SECONDS=60)
#   make fuzz-found the modules fuzz-diff once found different (fuzz/found/), again (in make test)
#   make fuzz       libFuzzer on load, instantiation and execution (SECONDS=60;
#                   FUZZ=entry: inputs run as functions through the runtime)
#
# Sources are found by folder: every .c under src/ but src/cli goes into
# libfaaslet.a, src/cli into the binary, tests/unit into the unit-test runner.

CC       := clang-19
BUILD    ?= build
SANITIZE ?= 0
SECONDS  ?= 60
FUZZ     ?= module

CFLAGS   := -std=gnu11 -g -Wall -Wextra -Werror -Wno-unused-parameter \
            -Isrc -D_GNU_SOURCE -fno-strict-aliasing -pthread
LDLIBS   := -lcjson -lxxhash -lcrypto -lmicrohttpd -lcurl -lhiredis -lm -lpthread

ifeq ($(SANITIZE),1)
  # Bounds-checked memory: guard-page faults and ASan's handler do not mix.
  CFLAGS  += -O1 -fsanitize=address,undefined -fno-sanitize-recover=all \
             -fno-omit-frame-pointer -DFL_MEMORY_GUARDED=0
  LDFLAGS += -fsanitize=address,undefined
else
  CFLAGS  += -O2
endif

LIB_SRC    := $(sort $(wildcard src/budget/*.c src/engine/*.c src/interp/*.c src/aot/*.c src/tiers/*.c src/sched/*.c src/redis/*.c src/cluster/*.c src/state/*.c src/store/*.c \
                                src/wasi/*.c src/host/*.c src/faaslet/*.c src/server/*.c))
CLI_SRC    := $(sort $(wildcard src/cli/*.c))
# The code generator links LLVM and is a program of its own (faaslet runs
# it when machine code must be made; loading LLVM costs a process ~70 ms).
CODEGEN_SRC := $(sort $(wildcard src/codegen/*.c))
CODEGEN_OBJ := $(CODEGEN_SRC:%.c=$(BUILD)/obj/%.o)
CODEGEN     := $(BUILD)/faaslet-codegen
LLVM_CFLAGS := -I/usr/lib/llvm-19/include
LLVM_LIBS   := -L/usr/lib/llvm-19/lib -lLLVM-19
TEST_SRC   := $(sort $(wildcard tests/unit/*.c))
# The unit tests' wasm modules, from their text: tests/unit/wat/NAME.wat
# becomes $(BUILD)/wat/NAME.wasm.h holding `static const uint8_t NAME_wasm[]`.
WAT_SRC    := $(sort $(wildcard tests/unit/wat/*.wat))
WAT_H      := $(WAT_SRC:tests/unit/wat/%.wat=$(BUILD)/wat/%.wasm.h)

LIB_OBJ    := $(LIB_SRC:%.c=$(BUILD)/obj/%.o)
CLI_OBJ    := $(CLI_SRC:%.c=$(BUILD)/obj/%.o)
TEST_OBJ   := $(TEST_SRC:%.c=$(BUILD)/obj/%.o)

FAASLET    := $(BUILD)/faaslet
LIB        := $(BUILD)/libfaaslet.a

# The guest SDK's library (sdk/src/*.c, for wasm32-wasi), which faaslet cc
# links into every function; it finds it at sdk/lib/ beside the binary.
# sdk/src/init.c (the constructors) is an object of its own, always linked.
# No -msimd128 here (faaslet cc's default): nothing in it gains, and a user's
# -mno-simd128 then gives a module without SIMD.
SDK_SRC    := $(sort $(filter-out sdk/src/init.c,$(wildcard sdk/src/*.c)))
SDK_OBJ    := $(SDK_SRC:sdk/src/%.c=$(BUILD)/sdk/obj/%.o)
SDK_LIB    := $(BUILD)/sdk/lib/libfaaslet_sdk.a
SDK_INIT   := $(BUILD)/sdk/lib/faaslet_init.o
SDK_CFLAGS := --target=wasm32-wasi -O2 -Wall -Wextra -Werror -nostdlibinc \
              -isystem sdk/include -isystem sdk/include/posix -idirafter /usr/include/wasm32-wasi

.PHONY: all deps test layering unit spec sdktest wasitest functest faasmtest securitytest pytest asan demo bench fuzz clean

all: deps $(FAASLET) $(CODEGEN)

deps:
	@sh scripts/install-deps.sh

$(BUILD)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -MMD -MP -c $< -o $@

# A test includes the arrays it uses ("NAME.wasm.h"); its .d file then
# names them, so editing a .wat rebuilds the tests that include it.
$(TEST_OBJ): CFLAGS += -I$(BUILD)/wat
$(TEST_OBJ): | $(WAT_H)

$(BUILD)/wat/%.wasm.h: tests/unit/wat/%.wat
	@mkdir -p $(dir $@)
	wat2wasm --enable-all $< -o $(BUILD)/wat/$*.wasm
	@{ echo "/* Generated from $< by wat2wasm (Makefile): do not edit. */"; \
	   echo "static const uint8_t $*_wasm[] = {"; \
	   od -An -v -tx1 $(BUILD)/wat/$*.wasm | sed -e 's/ \([0-9a-f][0-9a-f]\)/ 0x\1,/g'; \
	   echo "};"; } > $@.tmp
	@mv $@.tmp $@

# The interpreter's computed-goto dispatch: clang 19 keeps a single shared
# indirect jump for a block with many predecessors unless these limits are
# raised; one jump per handler predicts far better (about 1.3x faster).
# Handlers start 64-byte aligned (blocks entered only by jumps): 10-15%.
$(BUILD)/obj/src/interp/exec.o: CFLAGS += -mllvm -tail-dup-pred-size=1000 \
                                          -mllvm -tail-dup-succ-size=1000 \
                                          -mllvm -align-all-nofallthru-blocks=6

$(LIB): $(LIB_OBJ)
	@rm -f $@
	ar rcs $@ $^

# (the SDK library is not linked in: it is built with the binary, for
# faaslet cc)
$(FAASLET): $(CLI_OBJ) $(LIB) $(SDK_LIB) $(SDK_INIT)
	$(CC) $(LDFLAGS) -o $@ $(CLI_OBJ) $(LIB) $(LDLIBS)

$(CODEGEN_OBJ): CFLAGS += $(LLVM_CFLAGS)
$(CODEGEN): $(CODEGEN_OBJ) $(LIB)
	$(CC) $(LDFLAGS) -o $@ $(CODEGEN_OBJ) $(LIB) $(LLVM_LIBS) $(LDLIBS)

$(BUILD)/sdk/obj/%.o: sdk/src/%.c $(wildcard sdk/include/posix/*.h)
	@mkdir -p $(dir $@)
	clang-19 $(SDK_CFLAGS) -c $< -o $@

$(SDK_INIT): $(BUILD)/sdk/obj/init.o
	@mkdir -p $(dir $@)
	cp $< $@

$(SDK_LIB): $(SDK_OBJ)
	@mkdir -p $(dir $@)
	@rm -f $@
	llvm-ar-19 rcs $@ $^

# The unit tests also cover the CLI's file reader (test_files.c).
$(BUILD)/unit-tests: $(TEST_OBJ) $(LIB) $(BUILD)/obj/src/cli/files.o
	$(CC) $(LDFLAGS) -o $@ $(TEST_OBJ) $(BUILD)/obj/src/cli/files.o $(LIB) $(LDLIBS) -lcriterion

unit: deps $(BUILD)/unit-tests $(CODEGEN)
	@echo "unit: linear memory $(if $(filter 1,$(SANITIZE)),bounds-checked (FL_MEMORY_GUARDED=0): the guard-page tests are not built,guarded: the guard-page tests included)"
	$(BUILD)/unit-tests --jobs 2

spec: deps $(FAASLET) $(CODEGEN)
	@sh scripts/spec.sh $(FAASLET) $(BUILD)/spec

sdktest: deps $(FAASLET)
	@sh tests/sdk/check.sh $(FAASLET)

# WASI preview1 programs under faaslet and node:wasi, sandbox escapes included
wasitest: deps $(FAASLET) $(CODEGEN)
	@FAASLET_TIER=interp sh tests/wasi/run.sh $(FAASLET) $(BUILD)/wasitest
	@echo "wasitest: again on machine code"
	@rm -rf $(BUILD)/wasitest-aot/home
	@FAASLET_TIER=aot FAASLET_HOME=$(abspath $(BUILD))/wasitest-aot/home \
	    sh tests/wasi/run.sh $(FAASLET) $(BUILD)/wasitest-aot

# faaslet run end to end: func/ and tests/func/ through the executor
# faaslet serve end to end: every endpoint and error, on free loopback ports
.PHONY: servetest clustertest
servetest: deps $(FAASLET) python
	@sh tests/serve/run.sh $(FAASLET) $(BUILD)/servetest

clustertest: deps $(FAASLET) python
	@sh tests/cluster/run.sh $(FAASLET) $(BUILD)/clustertest

functest: deps $(FAASLET) python
	@FAASLET_TIER=interp sh tests/func/run.sh $(FAASLET) $(BUILD)/functest
	@echo "functest: again on machine code"
	@FAASLET_TIER=aot sh tests/func/run.sh $(FAASLET) $(BUILD)/functest-aot

# Functions written as Faasm's demos are (tests/faasm/*.c, *.cpp), built
# with faaslet cc's defaults only, and the cases of tests/faasm/*.cases
faasmtest: deps $(FAASLET) python
	@sh tests/faasm/run.sh $(FAASLET) $(BUILD)/faasmtest

# Python under faaslet: python -c/-m/script and the examples, CPython's own
# regression tests (the Python issue's 20 files) inside py_func, each on both tiers (after
# regrtest.sh's own verdicts on a stand-in runner), and
# `faaslet python add-package` (fetches python3-* packages from Debian)
pytest: deps $(FAASLET) python
	@FAASLET_TIER=interp RUNNER=faaslet FAASLET=$(FAASLET) sh python/check.sh $(BUILD)/python
	@sh tests/python/regrtest_verdicts.sh
	@FAASLET_TIER=interp RUNNER=faaslet FAASLET=$(FAASLET) sh python/regrtest.sh $(BUILD)/python
	@echo "pytest: again on machine code"
	@mkdir -p $(BUILD)/pytest-aot && ln -sfn $(abspath $(BUILD)/python/native) $(BUILD)/pytest-aot/native
	@FAASLET_HOME=$(BUILD)/pytest-aot FAASLET_TIER=aot RUNNER=faaslet FAASLET=$(FAASLET) \
	    sh python/check.sh $(BUILD)/python
	@FAASLET_HOME=$(BUILD)/pytest-aot FAASLET_TIER=aot RUNNER=faaslet FAASLET=$(FAASLET) \
	    sh python/regrtest.sh $(BUILD)/python
	@sh tests/python/add_package.sh $(FAASLET) $(BUILD)/python

# The security and limit cases (../shared/security-cases and tests/security/
# cases/): each attack built, run and its outcome asserted, with a table
securitytest: deps $(FAASLET) $(CODEGEN)
	@FAASLET_TIER=interp SECURITY_SLOW=$(if $(filter 1,$(SANITIZE)),4,1) sh tests/security/run.sh $(FAASLET) $(BUILD)/securitytest
	@echo "securitytest: again on machine code"
	@rm -rf $(BUILD)/securitytest-aot/home
	@FAASLET_TIER=aot FAASLET_HOME=$(abspath $(BUILD))/securitytest-aot/home \
	    SECURITY_SLOW=$(if $(filter 1,$(SANITIZE)),4,1) sh tests/security/run.sh $(FAASLET) $(BUILD)/securitytest-aot

test: layering unit sdktest wasitest functest faasmtest securitytest pytest spec fuzz-found servetest clustertest

# The engine knows execution tiers only through engine/tier.h: nothing under
# src/engine may include a tier's header (src/interp, later src/codegen).
.PHONY: layering
layering:
	@if grep -rnE '#include "(interp|codegen|tiers)/' src/engine; then \
	    echo "layering: src/engine includes a tier (above)" >&2; exit 1; fi
	@echo "layering: src/engine includes no tier"

asan:
	$(MAKE) BUILD=build-asan SANITIZE=1 test

demo: deps $(FAASLET) python
	@sh scripts/demo.sh $(FAASLET)

# CPython 3.11 for wasm32-wasi from Debian's source (python/build.sh):
# $(BUILD)/python/py_func.wasm and the runtime root $(BUILD)/python/root.
.PHONY: python
# CPython, then its machine code (python/native/, a minute the first time)
python: deps $(FAASLET) $(CODEGEN)
	@sh python/build.sh $(BUILD)/python
	$(FAASLET) codegen --py --python $(BUILD)/python

bench: deps $(FAASLET)
	@sh bench/run.sh $(BUILD)

# CPython in wasm (py_func under faaslet run) vs the native python3.11 on
# How fast a call starts (bench/start.c): a C no-op and Python's hello.py
# per call and per second, fresh, restored from a snapshot and warm, each
# beside the executor's own figures; whole processes against python3.11;
# memory per idle warm Faaslet.
.PHONY: bench-start
bench-start: deps $(FAASLET) $(SDK_LIB) $(SDK_INIT) python
	@mkdir -p $(BUILD)/bench
	$(CC) $(CFLAGS) bench/start.c $(LIB) $(LDLIBS) -o $(BUILD)/bench/start
	$(FAASLET) cc -O2 -o $(BUILD)/bench/noop.wasm bench/noop.c
	$(BUILD)/bench/start $(BUILD)/bench/noop.wasm $(BUILD)/python func/python/hello.py $(FAASLET)

# faaslet serve under wrk: /ping, a no-op C function, python hello; a
# 100,000-call load test (bench/serve.sh)
.PHONY: bench-serve
bench-serve: deps $(FAASLET) python
	@sh bench/serve.sh $(FAASLET) $(BUILD)/bench-serve

# a 3-host cluster on one redis-server against one embedded host
.PHONY: bench-cluster
bench-cluster: deps $(FAASLET)
	@sh bench/cluster.sh $(FAASLET) $(BUILD)/bench-cluster

# CPU-bound Python programs (python/bench/): each ratio and the geometric mean
.PHONY: bench-python
bench-python: deps $(FAASLET) python
	@sh python/bench/run.sh $(FAASLET) $(BUILD)/python

fuzz: deps
	@sh fuzz/run.sh $(SECONDS) $(FUZZ)

# the interpreter against machine code on generated modules (fuzz/diff.sh)
$(BUILD)/fuzz-diff: fuzz/diff.c $(LIB)
	$(CC) $(CFLAGS) $< $(LIB) $(LDFLAGS) $(LDLIBS) -o $@

# the modules fuzz-diff once found different (fuzz/found/), compared again
.PHONY: fuzz-found
fuzz-found: deps $(BUILD)/fuzz-diff $(CODEGEN)
	@FUZZ_DIFF=$(BUILD)/fuzz-diff FUZZ_DIFF_OUT=$(BUILD)/fuzz-found \
	    FAASLET_CODEGEN=$(abspath $(CODEGEN)) sh fuzz/diff.sh 0

.PHONY: fuzz-diff
fuzz-diff: deps $(FAASLET) $(CODEGEN)
	@sh fuzz/diff.sh $(SECONDS)

clean:
	rm -rf build build-asan build-fuzz build-fuzz-diff

-include $(LIB_OBJ:.o=.d) $(CLI_OBJ:.o=.d) $(TEST_OBJ:.o=.d) $(CODEGEN_OBJ:.o=.d)

# Wisp: the two commands a user needs are `make run` and `make test`.
# Both install any missing Debian packages first (as root), then configure and build.

BUILD      ?= build
ASAN_BUILD ?= build-asan
FUZZ_BUILD ?= build-fuzz
FUZZ_SECONDS ?= 10
ARGS       ?=

# Build: compiler, CMake, libre, librem, PulseAudio client, sd-bus headers. Tests: GoogleTest,
# the real peers, and dbus (a private session bus for the D-Bus tests).
BUILD_PACKAGES := g++ cmake ninja-build pkg-config libre-dev librem-dev libssl-dev zlib1g-dev \
                  libpulse-dev libasound2-dev libsystemd-dev
# xdg-utils: xdg-open and xdg-mime for the URL handler test. clang and libclang-rt-14-dev:
# libFuzzer and the sanitizers' runtime for `make fuzz`.
TEST_PACKAGES  := libgtest-dev sip-tester baresip-core kamailio kamailio-tls-modules openssl \
                  pulseaudio pulseaudio-utils dbus xdg-utils clang libclang-rt-14-dev iproute2 nftables

.PHONY: all deps test-deps build run test unit-asan fuzz clean install

all: build

deps:
	@scripts/ensure-packages $(BUILD_PACKAGES)

test-deps:
	@scripts/ensure-packages $(BUILD_PACKAGES) $(TEST_PACKAGES)

$(BUILD)/build.ninja:
	cmake -S . -B $(BUILD) -G Ninja -DCMAKE_BUILD_TYPE=MinSizeRel

build: deps $(BUILD)/build.ninja
	cmake --build $(BUILD)

run: build
	$(BUILD)/wisp $(ARGS)

test: test-deps $(BUILD)/build.ninja
	cmake --build $(BUILD)
	ctest --test-dir $(BUILD) --output-on-failure -j2 --timeout 180
	$(MAKE) --no-print-directory unit-asan
	$(MAKE) --no-print-directory fuzz

# The unit tests again under AddressSanitizer and UndefinedBehaviorSanitizer.
unit-asan:
	cmake -S . -B $(ASAN_BUILD) -G Ninja -DCMAKE_BUILD_TYPE=Debug -DWISP_SANITIZE=ON
	cmake --build $(ASAN_BUILD) --target wisp_unit_tests
	ctest --test-dir $(ASAN_BUILD) -L unit --output-on-failure -j2

# libFuzzer targets (fuzz/), each run for FUZZ_SECONDS from the seeds in fuzz/corpus/; what
# they learn stays in $(FUZZ_BUILD)/corpus, a crash leaves its input in $(FUZZ_BUILD)/.
FUZZ_TARGETS := command_parser dial_target json handle_request dial_plan
fuzz:
	cmake -S fuzz -B $(FUZZ_BUILD) -G Ninja -DCMAKE_CXX_COMPILER=clang++
	cmake --build $(FUZZ_BUILD)
	@set -e; for t in $(FUZZ_TARGETS); do \
	  mkdir -p $(FUZZ_BUILD)/corpus/$$t; \
	  echo "fuzz_$$t: $(FUZZ_SECONDS) s"; \
	  $(FUZZ_BUILD)/fuzz_$$t -max_total_time=$(FUZZ_SECONDS) -timeout=10 -rss_limit_mb=2048 \
	    -print_final_stats=0 -artifact_prefix=$(FUZZ_BUILD)/ \
	    $(FUZZ_BUILD)/corpus/$$t fuzz/corpus/$$t 2>$(FUZZ_BUILD)/fuzz_$$t.log \
	    || { tail -n 60 $(FUZZ_BUILD)/fuzz_$$t.log; exit 1; }; \
	  tail -n 1 $(FUZZ_BUILD)/fuzz_$$t.log; \
	done

install: build
	cmake --install $(BUILD)

clean:
	rm -rf $(BUILD) $(ASAN_BUILD) $(FUZZ_BUILD)

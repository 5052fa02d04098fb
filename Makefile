# Wisp: the two commands a user needs are `make run` and `make test`.
# Both install any missing Debian packages first (as root), then configure and build.

BUILD      ?= build
ASAN_BUILD ?= build-asan
ARGS       ?=

# Build: compiler, CMake, libre, librem, PulseAudio client. Tests: GoogleTest and the real peers.
BUILD_PACKAGES := g++ cmake ninja-build pkg-config libre-dev librem-dev libssl-dev zlib1g-dev \
                  libpulse-dev libasound2-dev
TEST_PACKAGES  := libgtest-dev sip-tester baresip-core kamailio kamailio-tls-modules openssl \
                  pulseaudio pulseaudio-utils iproute2 nftables

.PHONY: all deps test-deps build run test unit-asan clean install

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

# The unit tests again under AddressSanitizer and UndefinedBehaviorSanitizer.
unit-asan:
	cmake -S . -B $(ASAN_BUILD) -G Ninja -DCMAKE_BUILD_TYPE=Debug -DWISP_SANITIZE=ON
	cmake --build $(ASAN_BUILD) --target wisp_unit_tests
	ctest --test-dir $(ASAN_BUILD) -L unit --output-on-failure -j2

install: build
	cmake --install $(BUILD)

clean:
	rm -rf $(BUILD) $(ASAN_BUILD)

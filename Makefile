# SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause
#
# The README's two commands:
#   make run    install what is missing, build, run joulestat's main job
#   make check  install what the tests need, build, run every test suite
# Everything else is meson + ninja (build/, build-asan/, build-fuzz/).

BUILD_DEPS := meson ninja-build pkg-config gcc clang llvm libbpf-dev bpftool libyaml-dev \
	libelf-dev zlib1g-dev \
	libncurses-dev
TEST_DEPS := libcmocka-dev libclang-rt-14-dev jq procps \
	chromium \
	libxml2-utils \
	bsdutils
# joulestat serve: its HTTP server (GnuTLS inside), bcrypt for its users,
# the real servers its tests run, and openssl for their certificate.
BUILD_DEPS += libmicrohttpd-dev
BUILD_DEPS += libcrypt-dev
TEST_DEPS += curl
TEST_DEPS += openssl
TEST_DEPS += prometheus
TEST_DEPS += python3-prometheus-client
TEST_DEPS += pcp
TEST_DEPS += python3-requests
# the man page test renders libjoulestat(3); the example builds with make
TEST_DEPS += man-db
TEST_DEPS += groff-base
TEST_DEPS += make
# The profile report is rendered in headless Chromium by tests/cli/test-profile.sh.
TEST_DEPS += chromium
# joulestat top in a real terminal: tests/cli/test-top-tmux.sh (send-keys, capture-pane).
TEST_DEPS += tmux
# serve's live page, driven in headless Chromium through WebDriver by
# tests/integration/test-serve-page.sh (Debian's python3, not the PATH's).
TEST_DEPS += chromium-driver
TEST_DEPS += python3-selenium
# Packages and the service (tests/package/): the .deb build, lintian and a
# debootstrap root; the RPM build and rpmlint; systemd-analyze and setpriv for
# the unit; bash completion.
TEST_DEPS += debhelper dpkg-dev lintian debootstrap
TEST_DEPS += rpm rpmlint
TEST_DEPS += systemd util-linux bash-completion
# tests/integration/test-vm-qemu.sh boots a guest with TCG from busybox and
# Debian's kernel; the kernel package (linux-image-amd64's dependency) is
# fetched by the test with apt-get download and unpacked into the build
# directory, never installed (it would go to the host's /boot).
TEST_DEPS += qemu-system-x86
TEST_DEPS += busybox-static

.PHONY: all deps test-deps build run check clean

all: build

deps:
	@tools/apt-ensure.sh $(BUILD_DEPS)

test-deps: deps
	@tools/apt-ensure.sh $(TEST_DEPS)

build: deps
	@[ -f build/build.ninja ] || meson setup build
	ninja -C build

# joulestat top: the ncurses view on a terminal; without one (CI, a pipe) three
# plain-text frames, so that make run still shows what it measures and ends.
run: build
	@if [ -t 0 ] && [ -t 1 ]; then ./build/src/cli/joulestat top; \
	else ./build/src/cli/joulestat top --batch -n 3 -i 1; fi

check: test-deps
	tools/check.sh

clean:
	rm -rf build build-asan build-fuzz

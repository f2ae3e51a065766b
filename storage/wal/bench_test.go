package wal

import (
	"bytes"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/warrenzk/warren/storage"
)

// BenchmarkGroupCommit measures durable txns/s for 1, 16 and 256 writers of
// 100-byte txns, through the group commit a node runs: writers hand their
// txn to one committer, which appends everything waiting and syncs once.
// Run it on a disk: fsync on tmpfs costs nothing.
func BenchmarkGroupCommit(b *testing.B) {
	for _, writers := range []int{1, 16, 256} {
		b.Run(fmt.Sprintf("writers=%d", writers), func(b *testing.B) { benchGroupCommit(b, writers) })
	}
}

// commitRequest is one writer's txn waiting for the committer.
type commitRequest struct {
	data []byte
	done chan error
}

func benchGroupCommit(b *testing.B, writers int) {
	dir := b.TempDir()
	var fs unix.Statfs_t
	if err := unix.Statfs(dir, &fs); err == nil && fs.Type == unix.TMPFS_MAGIC {
		b.Skipf("%s is on tmpfs, where fsync is free; set TMPDIR to a directory on a disk", dir)
	}
	be, err := Open(storage.Config{DataDir: dir, Logger: quiet})
	if err != nil {
		b.Fatal(err)
	}
	defer be.Close()
	l := be.Log()

	queue := make(chan *commitRequest, writers)
	var syncs int64
	var committer sync.WaitGroup
	committer.Go(func() {
		var zxid int64
		var batch []*commitRequest
		var entries []storage.Entry
		for r := range queue {
			batch, entries = append(batch[:0], r), entries[:0]
		more:
			for {
				select {
				case r, ok := <-queue:
					if !ok {
						break more
					}
					batch = append(batch, r)
				default:
					break more
				}
			}
			for _, r := range batch {
				zxid++
				entries = append(entries, storage.Entry{Zxid: zxid, Data: r.data})
			}
			err := l.Append(entries...)
			if err == nil {
				err = l.Sync()
			}
			syncs++
			for _, r := range batch {
				r.done <- err
			}
		}
	})

	var issued atomic.Int64
	var wg sync.WaitGroup
	b.ResetTimer()
	start := time.Now()
	for range writers {
		wg.Go(func() {
			r := &commitRequest{data: bytes.Repeat([]byte("t"), 100), done: make(chan error, 1)}
			for issued.Add(1) <= int64(b.N) {
				queue <- r
				if err := <-r.done; err != nil {
					b.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	b.StopTimer()
	close(queue)
	committer.Wait()
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "txns/s")
	b.ReportMetric(float64(b.N)/float64(max(syncs, 1)), "txns/fsync")
}

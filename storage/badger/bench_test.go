package badger

import (
	"fmt"
	"os"
	"sync"
	"testing"

	"github.com/warrenzk/warren/storage"
)

// BenchmarkGroupCommit measures durable txns/s through a small group-commit
// loop like the node's: writers hand 100-byte txns to one committer, which
// appends everything waiting and syncs once. It runs on a real disk under
// /tmp (ForceSync on), so the figures are fsync-bound and say how well one
// fsync is shared.
//
//	go test -run '^$' -bench GroupCommit -benchtime 3s ./storage/badger
func BenchmarkGroupCommit(b *testing.B) {
	for _, writers := range []int{1, 16, 256} {
		b.Run(fmt.Sprintf("writers=%d", writers), func(b *testing.B) { benchGroupCommit(b, writers) })
	}
}

func benchGroupCommit(b *testing.B, writers int) {
	dir, err := os.MkdirTemp("/tmp", "warren-badger-bench-") // a disk, not a tmpfs
	if err != nil {
		b.Fatal(err)
	}
	defer os.RemoveAll(dir)
	be, err := Open(storage.Config{DataDir: dir})
	if err != nil {
		b.Fatal(err)
	}
	defer be.Close()
	l := be.Log()

	// Each request is a writer's reply channel; the txn is the same 100 bytes.
	data := make([]byte, 100)
	requests := make(chan chan error, writers)
	var syncs int
	committed := make(chan struct{})
	go func() {
		defer close(committed)
		var zxid int64
		var batch []chan error
		var entries []storage.Entry
		for first := range requests {
			batch = append(batch[:0], first)
		drain:
			for {
				select {
				case r, ok := <-requests:
					if !ok {
						break drain
					}
					batch = append(batch, r)
				default:
					break drain
				}
			}
			entries = entries[:0]
			for range batch {
				zxid++
				entries = append(entries, storage.Entry{Zxid: zxid, Data: data})
			}
			err := l.Append(entries...)
			if err == nil {
				err = l.Sync()
			}
			syncs++
			for _, r := range batch {
				r <- err
			}
		}
	}()

	b.ResetTimer()
	var wg sync.WaitGroup
	for w := range writers {
		n := b.N / writers
		if w < b.N%writers {
			n++
		}
		wg.Go(func() {
			reply := make(chan error, 1)
			for range n {
				requests <- reply
				if err := <-reply; err != nil {
					b.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	b.StopTimer()
	close(requests)
	<-committed
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "txns/s")
	b.ReportMetric(float64(b.N)/float64(max(syncs, 1)), "txns/fsync")
}

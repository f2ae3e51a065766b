package server

import (
	"fmt"
	"io"
	"log/slog"
	"os"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/warrenzk/warren/auth"
	"github.com/warrenzk/warren/core/proto"
	"github.com/warrenzk/warren/core/snapshot"
	"github.com/warrenzk/warren/core/tree"
	"github.com/warrenzk/warren/storage"
	"github.com/warrenzk/warren/storage/memory"
)

// benchBackends are the stores the recovery benchmark runs on; disk
// backends add themselves in their own files' init so that this file needs
// no change when one is added.
var benchBackends = map[string]func(b *testing.B) storage.Backend{
	"memory": func(*testing.B) storage.Backend { return memory.NewBackend() },
}

// fillStore writes a snapshot of nodes znodes of 100 bytes under 10 parents,
// as issue 6 measures, and logs tail more creates after it.
func fillStore(b *testing.B, store storage.Backend, nodes, tail int) {
	b.Helper()
	tr := tree.New(tree.Options{})
	zxid := int64(0)
	data := make([]byte, 100)
	apply := func(path string) {
		zxid++
		tr.Apply(&proto.TxnHeader{Zxid: zxid, Time: zxid, Type: proto.OpCreate},
			&proto.CreateTxn{Path: path, Data: data, ACL: proto.OpenACLUnsafe, ParentCversion: -1})
	}
	for p := range 10 {
		apply(fmt.Sprintf("/p%d", p))
	}
	for i := range nodes {
		apply(fmt.Sprintf("/p%d/n%08d", i%10, i))
	}
	v, err := tr.BeginSnapshot()
	if err != nil {
		b.Fatal(err)
	}
	sink, err := store.Snapshots().Create(v.Zxid())
	if err != nil {
		b.Fatal(err)
	}
	if err := snapshot.Write(sink, nil, v); err != nil {
		b.Fatal(err)
	}
	v.Close()
	if err := sink.Commit(); err != nil {
		b.Fatal(err)
	}
	var entries []storage.Entry
	for i := range tail {
		zxid++
		var e proto.Encoder
		hdr := proto.TxnHeader{Zxid: zxid, Time: zxid, Type: proto.OpCreate}
		hdr.Encode(&e)
		txn := proto.CreateTxn{Path: fmt.Sprintf("/p0/tail%08d", i), Data: data, ACL: proto.OpenACLUnsafe, ParentCversion: -1}
		txn.Encode(&e)
		entries = append(entries, storage.Entry{Zxid: zxid, Data: e.Bytes()})
	}
	if err := store.Log().Append(entries...); err != nil {
		b.Fatal(err)
	}
	if err := store.Log().Sync(); err != nil {
		b.Fatal(err)
	}
}

// BenchmarkRecover reports how long a node takes to load 1,000,000 znodes
// of 100 bytes from its snapshot and replay 10,000 logged txns after it,
// and the memory it holds once serving (issue 6's recovery figures):
// MiB-heap is the live Go heap after a GC, MiB-tree-store the memory of
// the tree's store (mapped outside the heap past its first MiB),
// MiB-rss the process's resident set once the runtime has
// returned what it can to the OS, and MiB-peak-rss the highest resident
// set during recovery (VmHWM, reset before each run). The process also
// holds the benchmark's own data (for the memory backend, the store's copy
// of the snapshot), so the RSS figures are an upper bound for the server;
// bin/warren gives the real figure (docs/benchmarks.md).
//
//	go test -run '^$' -bench Recover -benchtime 1x ./core/server
func BenchmarkRecover(b *testing.B) {
	for name, open := range benchBackends {
		b.Run(name, func(b *testing.B) {
			store := open(b)
			fillStore(b, store, 1_000_000, 10_000)
			cfg := Config{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}
			var heap, treeStore, rss, peak float64
			for b.Loop() {
				b.StopTimer()
				// The last run's tree is unmapped by a runtime cleanup,
				// which runs on its own goroutine after a collection.
				recovered = nil
				runtime.GC()
				time.Sleep(100 * time.Millisecond)
				debug.FreeOSMemory()
				resetPeakRSS()
				b.StartTimer()
				start := time.Now()
				s, err := New(cfg, store, &auth.Checker{})
				if err != nil {
					b.Fatal(err)
				}
				b.ReportMetric(float64(time.Since(start).Milliseconds()), "ms/recovery")
				b.StopTimer()
				debug.FreeOSMemory()
				var ms runtime.MemStats
				runtime.ReadMemStats(&ms)
				heap = float64(ms.HeapAlloc) / (1 << 20)
				treeStore = float64(s.tree.StoreBytes()) / (1 << 20)
				rss, peak = procStatusMiB("VmRSS"), procStatusMiB("VmHWM")
				recovered = s // kept for -memprofile's in-use view
				b.StartTimer()
			}
			b.ReportMetric(heap, "MiB-heap")
			b.ReportMetric(treeStore, "MiB-tree-store")
			b.ReportMetric(rss, "MiB-rss")
			b.ReportMetric(peak, "MiB-peak-rss")
		})
	}
}

// recovered is the last node BenchmarkRecover started, kept alive so that
// a -memprofile taken at the end shows what a recovered node holds.
var recovered *Server

// resetPeakRSS resets the process's VmHWM to its current VmRSS (Linux's
// clear_refs "5"); elsewhere it does nothing and MiB-peak-rss reads 0.
func resetPeakRSS() { _ = os.WriteFile("/proc/self/clear_refs", []byte("5"), 0) }

// procStatusMiB reads a "kB" field of /proc/self/status in MiB; 0 where
// there is no such file.
func procStatusMiB(field string) float64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for line := range strings.Lines(string(b)) {
		if rest, ok := strings.CutPrefix(line, field+":"); ok {
			kb, _ := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 64)
			return kb / 1024
		}
	}
	return 0
}

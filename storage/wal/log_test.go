package wal

import (
	"bytes"
	"errors"
	"math"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"

	"github.com/warrenzk/warren/storage"
)

// TestPreallocation: a segment grows in PreAllocSize steps, with its blocks
// reserved, and the unwritten rest reads as zeros.
func TestPreallocation(t *testing.T) {
	cfg := testConfig(t)
	cfg.Options = nil // default 64 MiB segments: no roll here
	b := openCfg(t, cfg)
	l := b.Log()
	const step = 4 << 10
	mustAppendSync(t, l, 1)
	path := segmentFiles(t, cfg)[0]
	if got := fileSize(t, path); got != step {
		t.Fatalf("segment is %d bytes after one entry, want %d", got, step)
	}
	var st syscall.Stat_t
	if err := syscall.Stat(path, &st); err != nil {
		t.Fatal(err)
	}
	if st.Blocks*512 < step {
		t.Errorf("%d bytes of blocks reserved, want %d: no fallocate?", st.Blocks*512, step)
	}
	sizes := map[int64]bool{}
	for z := int64(2); z <= 1000; z += 50 {
		mustAppendSync(t, l, zxids(z, z+49)...)
		size := fileSize(t, path)
		if size%step != 0 {
			t.Fatalf("segment size %d is not a multiple of %d", size, step)
		}
		if _, end := recordOffsets(t, path); size < end || size-end > step {
			t.Fatalf("segment size %d for %d bytes of records", size, end)
		}
		sizes[size] = true
	}
	if len(sizes) < 3 {
		t.Errorf("segment sizes %v: the file did not grow step by step", sizes)
	}
}

// TestPreallocationOff: a negative PreAllocSize (prealloc_size: 0 in the
// node's config) makes the segment grow by exactly what is written.
func TestPreallocationOff(t *testing.T) {
	cfg := testConfig(t)
	cfg.PreAllocSize = -1
	l := openCfg(t, cfg).Log()
	path := ""
	for z := int64(1); z <= 200; z += 20 {
		mustAppendSync(t, l, zxids(z, z+19)...)
		if path == "" {
			path = segmentFiles(t, cfg)[0]
		}
		if _, end := recordOffsets(t, path); fileSize(t, path) != end {
			t.Fatalf("segment is %d bytes for %d bytes of records", fileSize(t, path), end)
		}
	}
}

// TestZerosAhead: with preallocation on, the log writes zeros over the
// preallocated space ahead of its records about once per half MiB of
// records, not once per Sync, and what it wrote reads back whole.
func TestZerosAhead(t *testing.T) {
	fs := newFaultFS()
	cfg := testConfig(t)
	cfg.Options = nil // default 64 MiB segments: no roll here
	cfg.PreAllocSize = 8 << 20
	l := openFS(t, cfg, fs).Log()
	const syncs, size = 400, 10 << 10
	for z := int64(1); z <= syncs; z++ {
		if err := l.Append(storage.Entry{Zxid: z, Data: make([]byte, size)}); err != nil {
			t.Fatal(err)
		}
		if err := l.Sync(); err != nil {
			t.Fatal(err)
		}
	}
	zeroRuns := fs.count("write") - syncs
	if most := syncs*size/(zeroAhead/2) + 2; zeroRuns < 1 || zeroRuns > most {
		t.Errorf("%d writes of zeros for %d KiB of records, want 1 to %d", zeroRuns, syncs*size>>10, most)
	}
	it, err := l.ReadFrom(1)
	if err != nil {
		t.Fatal(err)
	}
	defer it.Close()
	n := 0
	for e, ok := it.Next(); ok; e, ok = it.Next() {
		n++
		if e.Zxid != int64(n) || len(e.Data) != size {
			t.Fatalf("entry %d: zxid %d with %d bytes, want %d bytes", n, e.Zxid, len(e.Data), size)
		}
	}
	if err := it.Err(); err != nil || n != syncs {
		t.Fatalf("read back %d entries (%v), want %d", n, err, syncs)
	}
}

// TestSegmentRoll: past segment_size the log starts a segment named after
// its first zxid; completed segments lose their preallocated tail.
func TestSegmentRoll(t *testing.T) {
	cfg := testConfig(t)
	b := openCfg(t, cfg)
	l := b.Log()
	for z := int64(1); z <= 1000; z += 100 {
		mustAppendSync(t, l, zxids(z, z+99)...)
	}
	files := segmentFiles(t, cfg)
	if len(files) < 4 {
		t.Fatalf("%d segments for ~40 KiB at 8 KiB each", len(files))
	}
	next := int64(1)
	for i, path := range files {
		if want := segmentName(next); filepath.Base(path) != want {
			t.Fatalf("segment %d is %s, want %s", i, filepath.Base(path), want)
		}
		offs, end := recordOffsets(t, path)
		if i < len(files)-1 {
			if size := fileSize(t, path); size != end {
				t.Errorf("completed %s is %d bytes, its records end at %d", path, size, end)
			}
			if end-offs[len(offs)-1] > 8<<10 || offs[len(offs)-1] >= 8<<10 {
				t.Errorf("%s: last record at %d, past the 8 KiB threshold", path, offs[len(offs)-1])
			}
		}
		next += int64(len(offs))
	}
	sameZxids(t, "across segments", readZxids(t, l), zxids(1, 1000))
	it, err := l.ReadFrom(777)
	if err != nil {
		t.Fatal(err)
	}
	got, err := drain(t, it)
	if err != nil {
		t.Fatal(err)
	}
	sameZxids(t, "from the middle", got, zxids(777, 1000))
}

// TestOneWritePerSync pins the cost of group commit: Append makes no
// system call, and Sync one write and one fdatasync (plus, about once per
// half MiB of records, a write of zeros ahead: TestZerosAhead).
func TestOneWritePerSync(t *testing.T) {
	fs := newFaultFS()
	cfg := testConfig(t)
	cfg.Options = nil
	l := openFS(t, cfg, fs).Log()
	mustAppendSync(t, l, 1) // creates the segment
	writes, syncs := fs.count("write"), fs.count("datasync")
	for z := int64(2); z <= 101; z++ {
		if err := l.Append(ent(z)); err != nil {
			t.Fatal(err)
		}
	}
	if fs.count("write") != writes {
		t.Fatal("Append wrote")
	}
	if err := l.Sync(); err != nil {
		t.Fatal(err)
	}
	if w, s := fs.count("write")-writes, fs.count("datasync")-syncs; w != 1 || s != 1 {
		t.Errorf("Sync of 100 entries: %d writes and %d fdatasyncs, want 1 and 1", w, s)
	}
	if err := l.Sync(); err != nil {
		t.Fatal(err)
	}
	if fs.count("datasync")-syncs != 1 {
		t.Error("Sync with nothing pending called fdatasync")
	}
}

func TestForceSyncOff(t *testing.T) {
	fs := newFaultFS()
	cfg := testConfig(t)
	cfg.NoSync = true
	logs := capture(&cfg)
	l := openFS(t, cfg, fs).Log()
	mustAppendSync(t, l, zxids(1, 1000)...) // rolls, too
	each(t, l, 1001, 1010)
	if n := fs.count("datasync"); n != 0 {
		t.Errorf("%d fdatasyncs with ForceSync off", n)
	}
	mustContain(t, "log", logs.String(), "force sync is off")
	sameZxids(t, "ForceSync off", readZxids(t, l), zxids(1, 1010))
}

func TestOptions(t *testing.T) {
	good := map[string]any{
		"int":            4096,
		"int64":          int64(4096),
		"float":          float64(4096),
		"string":         "4096",
		"string KiB":     "4KiB",
		"string MiB":     "64 MiB",
		"string GiB max": "1GiB",
	}
	for name, v := range good {
		cfg := testConfig(t)
		cfg.Options = map[string]any{"segment_size": v}
		b, err := Open(cfg)
		if err != nil {
			t.Errorf("segment_size %s (%v): %v", name, v, err)
			continue
		}
		b.Close()
	}
	bad := map[string]map[string]any{
		"segment_sise":  {"segment_sise": 1},
		"segment_size":  {"segment_size": "big"},
		"0":             {"segment_size": 0},
		"2GiB":          {"segment_size": "2GiB"},
		"1.5":           {"segment_size": 1.5},
		"a list":        {"segment_size": []int{1}},
		"unknown first": {"a": 1, "segment_size": 4096},
	}
	for name, opts := range bad {
		cfg := testConfig(t)
		cfg.Options = opts
		b, err := storage.Default.Open("wal", cfg)
		if err == nil {
			b.Close()
			t.Errorf("options %v accepted", opts)
			continue
		}
		if strings.HasPrefix(name, "segment_sise") || name == "unknown first" {
			mustContain(t, "error", err.Error(), "unknown option")
		}
	}
	if _, err := Open(storage.Config{}); err == nil {
		t.Error("no DataDir accepted")
	}
}

// TestPurge: PurgeBefore drops whole segments below the zxid, never the
// last one, and the log's end survives a restart even when everything
// before it is purged.
func TestPurge(t *testing.T) {
	cfg := testConfig(t)
	b := openCfg(t, cfg)
	l := b.Log()
	mustAppendSync(t, l, zxids(1, 1000)...)
	files := segmentFiles(t, cfg)
	offs, _ := recordOffsets(t, files[0])
	second := int64(len(offs)) + 1 // first zxid of the second segment
	if err := l.PurgeBefore(second); err != nil {
		t.Fatal(err)
	}
	if got := segmentFiles(t, cfg); len(got) != len(files)-1 || got[0] != files[1] {
		t.Fatalf("after purging the first segment: %v", got)
	}
	if _, err := l.ReadFrom(second - 1); !errors.Is(err, storage.ErrCompacted) {
		t.Fatalf("ReadFrom a purged zxid: %v, want ErrCompacted", err)
	}
	it, err := l.ReadFrom(second)
	if err != nil {
		t.Fatal(err)
	}
	got, _ := drain(t, it)
	sameZxids(t, "after purge", got, zxids(second, 1000))
	// A zxid inside a segment keeps that segment whole.
	if err := l.PurgeBefore(second + 1); err != nil {
		t.Fatal(err)
	}
	if len(segmentFiles(t, cfg)) != len(files)-1 {
		t.Error("purge dropped a segment holding an entry at or after the zxid")
	}
	if err := l.PurgeBefore(math.MaxInt64); err != nil {
		t.Fatal(err)
	}
	if got := segmentFiles(t, cfg); len(got) != 1 || got[0] != files[len(files)-1] {
		t.Fatalf("purging everything left %v, want the last segment", got)
	}
	b = reopen(t, b, cfg)
	l = b.Log()
	if got := l.LastZxid(); got != 1000 {
		t.Fatalf("LastZxid after purge and reopen = %d", got)
	}
	// Truncating to where the purge stopped empties the log but keeps its
	// end; the next entry starts a segment named after it.
	floor := l.(*Log).floor()
	if err := l.TruncateAfter(floor - 1); !errors.Is(err, storage.ErrCompacted) {
		t.Fatalf("TruncateAfter below the purged entries: %v", err)
	}
	if err := l.TruncateAfter(floor); err != nil {
		t.Fatal(err)
	}
	b = reopen(t, b, cfg)
	l = b.Log()
	if got := l.LastZxid(); got != floor {
		t.Fatalf("LastZxid after truncating everything unpurged = %d, want %d", got, floor)
	}
	mustAppendSync(t, l, 5000)
	if got := segmentFiles(t, cfg); len(got) != 1 || filepath.Base(got[0]) != segmentName(5000) {
		t.Fatalf("segments %v, want only %s", got, segmentName(5000))
	}
	b = reopen(t, b, cfg)
	it, err = b.Log().ReadFrom(floor + 1)
	if err != nil {
		t.Fatal(err)
	}
	got, _ = drain(t, it)
	sameZxids(t, "the new segment", got, []int64{5000})
}

// TestTruncateAcrossSegments cuts inside an older segment: later ones go,
// the cut holds after a restart, and an iterator reading the files stops
// with an error rather than read what replaced them.
func TestTruncateAcrossSegments(t *testing.T) {
	cfg := testConfig(t)
	b := openCfg(t, cfg)
	l := b.Log()
	mustAppendSync(t, l, zxids(1, 1000)...)
	it, err := l.ReadFrom(1)
	if err != nil {
		t.Fatal(err)
	}
	defer it.Close()
	if _, ok := it.Next(); !ok {
		t.Fatal(it.Err())
	}
	if err := l.Append(ent(1001)); err != nil {
		t.Fatal(err)
	}
	if err := l.TruncateAfter(250); err != nil {
		t.Fatal(err)
	}
	if got := l.LastZxid(); got != 250 {
		t.Fatalf("LastZxid = %d", got)
	}
	for _, ok := it.Next(); ok; _, ok = it.Next() {
	}
	if it.Err() == nil {
		t.Error("an iterator over truncated files ended without an error")
	}
	mustAppendSync(t, l, zxids(251, 300)...)
	b = reopen(t, b, cfg)
	sameZxids(t, "after truncate and reopen", readZxids(t, b.Log()), zxids(1, 300))
}

// TestReadersDuringRollAndPurge runs readers while the writer rolls
// segments and purges old ones: each read is a run of consecutive entries,
// or stops with ErrCompacted when its start was purged.
func TestReadersDuringRollAndPurge(t *testing.T) {
	cfg := testConfig(t)
	l := openCfg(t, cfg).Log()
	done := make(chan struct{})
	var wg sync.WaitGroup
	for r := range 4 {
		wg.Go(func() {
			for i := 0; ; i++ {
				select {
				case <-done:
					return
				default:
				}
				start := max(l.LastZxid()-int64(200+r*50), 1)
				it, err := l.ReadFrom(start)
				if errors.Is(err, storage.ErrCompacted) {
					continue
				}
				if err != nil {
					t.Error(err)
					return
				}
				var prev int64
				for e, ok := it.Next(); ok; e, ok = it.Next() {
					if prev != 0 && e.Zxid != prev+1 || !bytes.Equal(e.Data, ent(e.Zxid).Data) {
						t.Errorf("read %d after %d", e.Zxid, prev)
					}
					prev = e.Zxid
				}
				if err := it.Err(); err != nil && !errors.Is(err, storage.ErrCompacted) {
					t.Error(err)
				}
				it.Close()
			}
		})
	}
	for z := int64(1); z <= 3000; z += 30 {
		mustAppendSync(t, l, zxids(z, z+29)...)
		if z%300 == 1 {
			if err := l.PurgeBefore(z - 500); err != nil {
				t.Fatal(err)
			}
		}
	}
	close(done)
	wg.Wait()
}

func TestClosedLog(t *testing.T) {
	cfg := testConfig(t)
	b := openCfg(t, cfg)
	mustAppendSync(t, b.Log(), 1)
	b.Close()
	if _, err := b.Log().ReadFrom(0); !errors.Is(err, storage.ErrClosed) {
		t.Errorf("ReadFrom after Close: %v", err)
	}
	// The files stay readable by tools.
	if _, err := os.Stat(segmentFiles(t, cfg)[0]); err != nil {
		t.Fatal(err)
	}
}

package storagetest

import (
	"bytes"
	"errors"
	"math"
	"math/rand/v2"
	"sync"
	"testing"

	"github.com/warrenzk/warren/storage"
)

func runLog(t *testing.T, open func(t *testing.T) storage.Backend) {
	tests := []struct {
		name string
		fn   func(t *testing.T, l storage.TxnLog)
	}{
		{"Empty", testEmpty},
		{"AppendSyncReadInOrder", testAppendRead},
		{"ReadFromMiddle", testReadFromMiddle},
		{"AppendCopiesData", testAppendCopies},
		{"OutOfOrder", testOutOfOrder},
		{"TruncateAfter", testTruncateAfter},
		{"PurgeBefore", testPurgeBefore},
		{"PurgeThenTruncate", testPurgeThenTruncate},
		{"ConcurrentReaders", testConcurrentReaders},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { tt.fn(t, open(t).Log()) })
	}
}

func testEmpty(t *testing.T, l storage.TxnLog) {
	if z := l.LastZxid(); z != 0 {
		t.Errorf("LastZxid of an empty log = %#x, want 0", z)
	}
	if es := mustRead(t, l, 0); len(es) != 0 {
		t.Errorf("empty log yielded %d entries", len(es))
	}
	if err := l.Append(); err != nil {
		t.Errorf("Append(): %v", err)
	}
	if err := l.Sync(); err != nil {
		t.Errorf("Sync with nothing appended: %v", err)
	}
	if err := l.TruncateAfter(0); err != nil {
		t.Errorf("TruncateAfter(0) of an empty log: %v", err)
	}
	if err := l.PurgeBefore(math.MaxInt64); err != nil {
		t.Errorf("PurgeBefore of an empty log: %v", err)
	}
	if z := l.LastZxid(); z != 0 {
		t.Errorf("LastZxid after no-ops = %#x, want 0", z)
	}
}

func testAppendRead(t *testing.T, l storage.TxnLog) {
	want := makeEntries(0, 250)
	// Batches of assorted sizes, one Sync per batch or per two: group commit.
	for i, n := 0, 1; i < len(want); n = n%7 + 1 {
		j := min(i+n, len(want))
		if err := l.Append(want[i:j]...); err != nil {
			t.Fatalf("Append [%d, %d): %v", i, j, err)
		}
		if got := l.LastZxid(); got != want[j-1].Zxid {
			t.Fatalf("LastZxid after appending [%d, %d) = %#x, want %#x", i, j, got, want[j-1].Zxid)
		}
		if n%2 == 0 {
			if err := l.Sync(); err != nil {
				t.Fatalf("Sync: %v", err)
			}
		}
		i = j
	}
	// Appended entries are readable before Sync.
	sameEntries(t, "before the last Sync", mustRead(t, l, 0), want)
	if err := l.Sync(); err != nil {
		t.Fatalf("Sync: %v", err)
	}
	sameEntries(t, "ReadFrom(0)", mustRead(t, l, 0), want)
	sameEntries(t, "ReadFrom(MinInt64)", mustRead(t, l, math.MinInt64), want)
}

func testReadFromMiddle(t *testing.T, l storage.TxnLog) {
	all := makeEntries(0, 300)
	appendSync(t, l, 0, 300)
	for _, z := range []int64{
		zxid(0), zxid(1), zxid(99), zxid(100), zxid(150), zxid(299), // exact
		zxid(99) + 1, zxid(199) + 7, // between epochs: no such zxid
		zxid(299) + 1, math.MaxInt64, // past the end
	} {
		sameEntries(t, "ReadFrom", mustRead(t, l, z), from(all, z))
	}
	// Stopping early and closing is fine, as is closing twice.
	it, err := l.ReadFrom(zxid(10))
	if err != nil {
		t.Fatal(err)
	}
	if e, ok := it.Next(); !ok || e.Zxid != zxid(10) {
		t.Fatalf("first entry %#x, %v; want %#x", e.Zxid, ok, zxid(10))
	}
	if err := it.Close(); err != nil {
		t.Fatalf("iterator Close: %v", err)
	}
	if err := it.Close(); err != nil {
		t.Fatalf("second iterator Close: %v", err)
	}
}

func testAppendCopies(t *testing.T, l storage.TxnLog) {
	buf := []byte("original")
	if err := l.Append(storage.Entry{Zxid: 1, Data: buf}); err != nil {
		t.Fatal(err)
	}
	copy(buf, "CLOBBER!")
	if err := l.Sync(); err != nil {
		t.Fatal(err)
	}
	es := mustRead(t, l, 0)
	if len(es) != 1 || string(es[0].Data) != "original" {
		t.Fatalf("read %v, want the data as it was when appended", es)
	}
	// Empty and nil data are both fine.
	if err := l.Append(storage.Entry{Zxid: 2}, storage.Entry{Zxid: 3, Data: []byte{}}); err != nil {
		t.Fatal(err)
	}
	if es := mustRead(t, l, 2); len(es) != 2 || len(es[0].Data) != 0 || len(es[1].Data) != 0 {
		t.Fatalf("empty entries read back as %v", es)
	}
}

func testOutOfOrder(t *testing.T, l storage.TxnLog) {
	appendSync(t, l, 0, 10)
	last := zxid(9)
	tests := []struct {
		name  string
		batch []storage.Entry
	}{
		{"equal to last", []storage.Entry{{Zxid: last}}},
		{"below last", []storage.Entry{{Zxid: zxid(3)}}},
		{"zero", []storage.Entry{{Zxid: 0}}},
		{"negative", []storage.Entry{{Zxid: -1}}},
		{"unsorted batch", []storage.Entry{{Zxid: last + 2}, {Zxid: last + 1}}},
		{"duplicate in batch", []storage.Entry{{Zxid: last + 1}, {Zxid: last + 1}}},
		{"good then bad", []storage.Entry{{Zxid: last + 1}, {Zxid: last + 2}, {Zxid: 5}}},
	}
	for _, tt := range tests {
		err := l.Append(tt.batch...)
		if !errors.Is(err, storage.ErrOutOfOrder) {
			t.Errorf("%s: Append = %v, want ErrOutOfOrder", tt.name, err)
		}
		if got := l.LastZxid(); got != last {
			t.Fatalf("%s: rejected batch moved LastZxid to %#x", tt.name, got)
		}
	}
	sameEntries(t, "after rejected appends", mustRead(t, l, 0), makeEntries(0, 10))
	// The log is still usable.
	appendSync(t, l, 10, 12)
	sameEntries(t, "after a good append", mustRead(t, l, 0), makeEntries(0, 12))
}

func testTruncateAfter(t *testing.T, l storage.TxnLog) {
	appendSync(t, l, 0, 200)
	steps := []struct {
		name   string
		after  int64
		keep   int // entries [0, keep) remain
		lastZx int64
	}{
		{"past the end: no-op", math.MaxInt64, 200, zxid(199)},
		{"at the last entry: no-op", zxid(199), 200, zxid(199)},
		{"at an entry", zxid(150), 151, zxid(150)},
		{"between epochs", zxid(99) + 5, 100, zxid(99)},
		{"into the first epoch", zxid(40), 41, zxid(40)},
	}
	for _, s := range steps {
		if err := l.TruncateAfter(s.after); err != nil {
			t.Fatalf("%s: TruncateAfter(%#x): %v", s.name, s.after, err)
		}
		if got := l.LastZxid(); got != s.lastZx {
			t.Fatalf("%s: LastZxid = %#x, want %#x", s.name, got, s.lastZx)
		}
		sameEntries(t, s.name, mustRead(t, l, 0), makeEntries(0, s.keep))
	}
	// Appending after a truncation continues from the new end, including
	// zxids that were truncated away (a new leader's history replaces them).
	if err := l.Append(storage.Entry{Zxid: zxid(41), Data: []byte("new history")}); err != nil {
		t.Fatalf("Append after truncate: %v", err)
	}
	if err := l.Sync(); err != nil {
		t.Fatal(err)
	}
	es := mustRead(t, l, zxid(41))
	if len(es) != 1 || string(es[0].Data) != "new history" {
		t.Fatalf("after re-append read %v", es)
	}
	// Unsynced entries can be truncated too.
	if err := l.Append(makeEntries(42, 50)...); err != nil {
		t.Fatal(err)
	}
	if err := l.TruncateAfter(zxid(44)); err != nil {
		t.Fatal(err)
	}
	if got := l.LastZxid(); got != zxid(44) {
		t.Fatalf("LastZxid after truncating unsynced entries = %#x, want %#x", got, zxid(44))
	}
	if err := l.TruncateAfter(0); err != nil {
		t.Fatalf("TruncateAfter(0): %v", err)
	}
	if got := l.LastZxid(); got != 0 {
		t.Fatalf("LastZxid after TruncateAfter(0) = %#x, want 0", got)
	}
	if es := mustRead(t, l, 0); len(es) != 0 {
		t.Fatalf("%d entries left after TruncateAfter(0)", len(es))
	}
	appendSync(t, l, 0, 3)
	sameEntries(t, "rebuilt after TruncateAfter(0)", mustRead(t, l, 0), makeEntries(0, 3))
}

func testPurgeBefore(t *testing.T, l storage.TxnLog) {
	all := makeEntries(0, 300)
	appendSync(t, l, 0, 300)
	cut := zxid(150)
	if err := l.PurgeBefore(cut); err != nil {
		t.Fatalf("PurgeBefore: %v", err)
	}
	if got := l.LastZxid(); got != zxid(299) {
		t.Fatalf("LastZxid after purge = %#x, want %#x", got, zxid(299))
	}
	// Everything at or after the cut is still there.
	sameEntries(t, "ReadFrom(cut)", mustRead(t, l, cut), from(all, cut))
	// Before the cut: either the whole suffix (nothing needed was dropped) or
	// ErrCompacted, never a log with a hole.
	for _, z := range []int64{0, zxid(0), zxid(50), zxid(149)} {
		es, err := readAll(l, z)
		switch {
		case errors.Is(err, storage.ErrCompacted):
		case err != nil:
			t.Fatalf("ReadFrom(%#x) after purge: %v", z, err)
		default:
			sameEntries(t, "ReadFrom below the cut", es, from(all, z))
		}
	}
	// Purging everything keeps LastZxid, so appends continue in order.
	if err := l.PurgeBefore(math.MaxInt64); err != nil {
		t.Fatal(err)
	}
	if got := l.LastZxid(); got != zxid(299) {
		t.Fatalf("LastZxid after purging everything = %#x, want %#x", got, zxid(299))
	}
	if err := l.Append(storage.Entry{Zxid: zxid(10)}); !errors.Is(err, storage.ErrOutOfOrder) {
		t.Fatalf("Append below the purged end: %v, want ErrOutOfOrder", err)
	}
	appendSync(t, l, 300, 310)
	sameEntries(t, "appended after purge", mustRead(t, l, zxid(300)), makeEntries(300, 310))
}

func testPurgeThenTruncate(t *testing.T, l storage.TxnLog) {
	appendSync(t, l, 0, 300)
	if err := l.PurgeBefore(zxid(200)); err != nil {
		t.Fatal(err)
	}
	// Find the oldest zxid still readable; any truncation at or after the
	// newest purged entry must work, and one below it must refuse.
	oldest := zxid(0)
	for i := 0; i <= 200; i++ {
		if _, err := readAll(l, zxid(i)); err == nil {
			oldest = zxid(i)
			break
		}
	}
	if oldest > zxid(200) {
		t.Fatalf("oldest readable zxid %#x is past the purge point", oldest)
	}
	if oldest > zxid(0) {
		// Entries before oldest are gone: truncating below them is refused.
		if err := l.TruncateAfter(zxid(0)); !errors.Is(err, storage.ErrCompacted) {
			t.Fatalf("TruncateAfter below the purged entries: %v, want ErrCompacted", err)
		}
		if got := l.LastZxid(); got != zxid(299) {
			t.Fatalf("refused truncation changed LastZxid to %#x", got)
		}
	}
	if err := l.TruncateAfter(zxid(250)); err != nil {
		t.Fatalf("TruncateAfter above the purge point: %v", err)
	}
	sameEntries(t, "after purge and truncate", mustRead(t, l, zxid(200)), makeEntries(200, 251))
}

// testConcurrentReaders runs readers against one writer that appends and
// syncs in batches. Every iterator must yield consecutive log entries,
// starting at the first zxid >= its start, and at least up to what LastZxid
// said before ReadFrom was called.
func testConcurrentReaders(t *testing.T, l storage.TxnLog) {
	const n, readers = 3000, 4
	all := makeEntries(0, n)
	index := make(map[int64]int, n)
	for i, e := range all {
		index[e.Zxid] = i
	}
	done := make(chan struct{})
	var wg sync.WaitGroup
	for r := range readers {
		rng := rand.New(rand.NewPCG(uint64(r), 7))
		wg.Go(func() {
			for reads := 0; ; reads++ {
				select {
				case <-done:
					if reads > 0 {
						return
					}
				default:
				}
				before := l.LastZxid()
				start := zxid(rng.IntN(n))
				it, err := l.ReadFrom(start)
				if err != nil {
					t.Errorf("ReadFrom(%#x): %v", start, err)
					return
				}
				next := index[start]
				var last int64
				for {
					e, ok := it.Next()
					if !ok {
						break
					}
					if next >= n || e.Zxid != all[next].Zxid || !bytes.Equal(e.Data, all[next].Data) {
						t.Errorf("reader from %#x: got %#x at position %d", start, e.Zxid, next)
						it.Close()
						return
					}
					last = e.Zxid
					next++
				}
				if err := it.Err(); err != nil {
					t.Errorf("reader from %#x: %v", start, err)
				}
				it.Close()
				if before >= start && last < before {
					t.Errorf("reader from %#x stopped at %#x, before LastZxid %#x seen at ReadFrom", start, last, before)
					return
				}
			}
		})
	}
	for i, size := 0, 1; i < n; size = size%13 + 1 {
		j := min(i+size, n)
		if err := l.Append(all[i:j]...); err != nil {
			t.Fatalf("Append: %v", err)
		}
		if err := l.Sync(); err != nil {
			t.Fatalf("Sync: %v", err)
		}
		i = j
	}
	close(done)
	wg.Wait()
}

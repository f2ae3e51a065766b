package badger

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	badgerdb "github.com/dgraph-io/badger/v4"

	"github.com/warrenzk/warren/storage"
)

// deleteEntry removes an entry behind the log's back, as a damaged block
// that Badger's iterators skip would.
func deleteEntry(t *testing.T, b *Backend, zxid int64) {
	t.Helper()
	if err := b.logDB.Update(func(txn *badgerdb.Txn) error { return txn.Delete(entryKey(zxid)) }); err != nil {
		t.Fatal(err)
	}
}

// readErr reads the log from zxid to the end and returns the error that
// stopped it.
func readErr(t *testing.T, l storage.TxnLog, from int64) error {
	t.Helper()
	it, err := l.ReadFrom(from)
	if err != nil {
		return err
	}
	defer it.Close()
	for _, ok := it.Next(); ok; _, ok = it.Next() {
	}
	return it.Err()
}

// TestGapDetected checks that a reader notices an entry missing from the
// middle, the start or the end of what it reads.
func TestGapDetected(t *testing.T) {
	for _, tt := range []struct {
		name    string
		missing int64
		from    int64
	}{
		{"middle", 3, 1},
		{"first read", 3, 3},
		{"first read, between entries", 3, 2},
		{"end", 5, 1},
	} {
		t.Run(tt.name, func(t *testing.T) {
			b := open(t)
			mustAppendSync(t, b.Log(), 1, 2, 3, 4, 5)
			deleteEntry(t, b, tt.missing)
			if err := readErr(t, b.Log(), tt.from); !errors.Is(err, ErrCorrupt) {
				t.Fatalf("reading from %d without entry %d: %v, want ErrCorrupt", tt.from, tt.missing, err)
			}
		})
	}
}

// TestLostTailRefused checks that an open refuses a log whose newest
// entries are gone although a Sync wrote them.
func TestLostTailRefused(t *testing.T) {
	b := open(t)
	mustAppendSync(t, b.Log(), 1, 2, 3)
	mustAppendSync(t, b.Log(), 4, 5)
	deleteEntry(t, b, 5)
	deleteEntry(t, b, 4)
	cfg := b.cfg
	if err := b.Close(); err != nil {
		t.Fatal(err)
	}
	_, err := Open(cfg)
	if !errors.Is(err, ErrCorrupt) {
		t.Fatalf("Open of a log that lost its tail: %v, want ErrCorrupt", err)
	}
	t.Logf("Open: %v", err)
}

// TestDamagedTableDetected flips a byte in the middle of the log's table
// on disk: Badger's iterator ends that table early without an error, and
// the reader must say the log is damaged rather than yield a shorter one.
func TestDamagedTableDetected(t *testing.T) {
	b := open(t)
	var es []storage.Entry
	for z := int64(1); z <= 3000; z++ {
		es = append(es, storage.Entry{Zxid: z, Data: make([]byte, 100)})
	}
	if err := b.Log().Append(es...); err != nil {
		t.Fatal(err)
	}
	if err := b.Log().Sync(); err != nil {
		t.Fatal(err)
	}
	dir, cfg := b.logDB.Opts().Dir, b.cfg
	if err := b.Close(); err != nil { // flushes the memtable to a table
		t.Fatal(err)
	}
	tables, err := filepath.Glob(filepath.Join(dir, "*.sst"))
	if err != nil || len(tables) != 1 {
		t.Fatalf("tables %v, %v; want one", tables, err)
	}
	f, err := os.OpenFile(tables[0], os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	fi, err := f.Stat()
	if err != nil {
		t.Fatal(err)
	}
	at := fi.Size() / 3 // among the data blocks, well before the index
	buf := make([]byte, 1)
	if _, err := f.ReadAt(buf, at); err != nil {
		t.Fatal(err)
	}
	buf[0] ^= 0xff
	if _, err := f.WriteAt(buf, at); err != nil {
		t.Fatal(err)
	}
	f.Close()

	b = openConfig(t, cfg)
	if err := readErr(t, b.Log(), 0); !errors.Is(err, ErrCorrupt) {
		t.Fatalf("reading a log with a damaged table: %v, want ErrCorrupt", err)
	}
}

package memory_test

import (
	"errors"
	"slices"
	"testing"

	"go.uber.org/goleak"

	"github.com/warrenzk/warren/storage"
	"github.com/warrenzk/warren/storage/memory"
	"github.com/warrenzk/warren/storage/storagetest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func open(t *testing.T) storage.Backend {
	b, err := storage.Default.Open("memory", storage.Config{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() })
	return b
}

func TestConformance(t *testing.T) {
	storagetest.Run(t, open)
}

func TestReopen(t *testing.T) {
	storagetest.RunReopen(t, open, func(t *testing.T, b storage.Backend) storage.Backend {
		// A crash: whatever Durable keeps, nothing else.
		next := b.(*memory.Backend).Durable()
		b.Close()
		t.Cleanup(func() { next.Close() })
		return next
	})
}

func TestRegistered(t *testing.T) {
	if !slices.Contains(storage.Default.Names(), "memory") {
		t.Fatalf("memory not in %v", storage.Default.Names())
	}
	_, err := storage.Default.Open("memory", storage.Config{Options: map[string]any{"sizee": 1}})
	if err == nil {
		t.Fatal("unknown option accepted")
	}
}

// TestDurable pins the memory backend's crash model exactly (the conformance
// suite allows unsynced entries to survive; here they must not).
func TestDurable(t *testing.T) {
	b := memory.NewBackend()
	l := b.Log()
	mustAppend := func(zxids ...int64) {
		t.Helper()
		for _, z := range zxids {
			if err := l.Append(storage.Entry{Zxid: z}); err != nil {
				t.Fatal(err)
			}
		}
	}
	mustAppend(1, 2, 3)
	if err := l.Sync(); err != nil {
		t.Fatal(err)
	}
	mustAppend(4, 5)
	if got := b.Durable().Log().LastZxid(); got != 3 {
		t.Fatalf("durable LastZxid = %d, want 3", got)
	}
	// Truncation is durable at once and lowers the durable mark.
	if err := l.TruncateAfter(2); err != nil {
		t.Fatal(err)
	}
	mustAppend(6)
	if got := b.Durable().Log().LastZxid(); got != 2 {
		t.Fatalf("durable LastZxid after truncate = %d, want 2", got)
	}
	if err := l.Sync(); err != nil {
		t.Fatal(err)
	}
	// Purge shifts the mark; the copy keeps the purge point.
	if err := l.PurgeBefore(6); err != nil {
		t.Fatal(err)
	}
	d := b.Durable().Log()
	if got := d.LastZxid(); got != 6 {
		t.Fatalf("durable LastZxid after purge = %d, want 6", got)
	}
	if _, err := d.ReadFrom(2); !errors.Is(err, storage.ErrCompacted) {
		t.Fatalf("ReadFrom a purged zxid of the copy: %v, want ErrCompacted", err)
	}
	// The copy is independent of the original.
	if err := d.Append(storage.Entry{Zxid: 7}); err != nil {
		t.Fatal(err)
	}
	if got := l.LastZxid(); got != 6 {
		t.Fatalf("appending to the copy changed the original: %d", got)
	}
}

// TestIteratorIsolatedFromTruncate checks that an iterator opened before a
// truncation and re-append keeps seeing the entries it started with.
func TestIteratorIsolatedFromTruncate(t *testing.T) {
	l := memory.NewLog()
	for z := int64(1); z <= 5; z++ {
		if err := l.Append(storage.Entry{Zxid: z, Data: []byte{byte(z)}}); err != nil {
			t.Fatal(err)
		}
	}
	it, err := l.ReadFrom(1)
	if err != nil {
		t.Fatal(err)
	}
	defer it.Close()
	if err := l.TruncateAfter(2); err != nil {
		t.Fatal(err)
	}
	if err := l.Append(storage.Entry{Zxid: 3, Data: []byte{33}}, storage.Entry{Zxid: 4, Data: []byte{44}}); err != nil {
		t.Fatal(err)
	}
	var got []byte
	for e, ok := it.Next(); ok; e, ok = it.Next() {
		got = append(got, e.Data...)
	}
	if want := []byte{1, 2, 3, 4, 5}; !slices.Equal(got, want) {
		t.Fatalf("iterator saw %v, want %v", got, want)
	}
}

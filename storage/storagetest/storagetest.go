// Package storagetest is the conformance suite for storage backends. Every
// backend's tests call Run (and, if its state outlives a Backend value,
// RunReopen), so that all backends keep the contract written in package
// storage's documentation, not one backend's habits.
//
//	func TestConformance(t *testing.T) {
//		storagetest.Run(t, func(t *testing.T) storage.Backend {
//			b, err := wal.Open(storage.Config{DataDir: t.TempDir()})
//			if err != nil {
//				t.Fatal(err)
//			}
//			t.Cleanup(func() { b.Close() })
//			return b
//		})
//	}
package storagetest

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"slices"
	"testing"

	"github.com/warrenzk/warren/storage"
)

// Run runs the conformance suite. open must return a new, empty Backend each
// time it is called, and arrange for its cleanup (the suite closes some
// backends itself; Close must tolerate a second call).
func Run(t *testing.T, open func(t *testing.T) storage.Backend) {
	t.Run("Log", func(t *testing.T) { runLog(t, open) })
	t.Run("Snapshots", func(t *testing.T) { runSnapshots(t, open) })
	t.Run("Closed", func(t *testing.T) { testClosed(t, open(t)) })
}

// zxid returns the zxid of the i-th entry the suite writes: counters within
// epochs of 100 entries, so that zxids jump as they do across epochs.
func zxid(i int) int64 {
	return int64(1+i/100)<<32 | int64(1+i%100)
}

// payload is the Data the suite writes for zxid z: distinct per entry and of
// varying length.
func payload(z int64) []byte {
	return bytes.Repeat([]byte(fmt.Sprintf("txn %#x;", z)), 1+int(z%5))
}

// makeEntries returns entries i in [from, to).
func makeEntries(from, to int) []storage.Entry {
	es := make([]storage.Entry, 0, to-from)
	for i := from; i < to; i++ {
		es = append(es, storage.Entry{Zxid: zxid(i), Data: payload(zxid(i))})
	}
	return es
}

// appendSync appends entries i in [from, to) and syncs.
func appendSync(t *testing.T, l storage.TxnLog, from, to int) {
	t.Helper()
	if err := l.Append(makeEntries(from, to)...); err != nil {
		t.Fatalf("Append [%d, %d): %v", from, to, err)
	}
	if err := l.Sync(); err != nil {
		t.Fatalf("Sync: %v", err)
	}
}

// readAll reads every entry from zxid z, copying the data.
func readAll(l storage.TxnLog, z int64) ([]storage.Entry, error) {
	it, err := l.ReadFrom(z)
	if err != nil {
		return nil, err
	}
	defer it.Close()
	var out []storage.Entry
	for {
		e, ok := it.Next()
		if !ok {
			break
		}
		out = append(out, storage.Entry{Zxid: e.Zxid, Data: bytes.Clone(e.Data)})
	}
	if err := it.Err(); err != nil {
		return out, fmt.Errorf("iterate from %#x: %w", z, err)
	}
	return out, it.Close()
}

// mustRead is readAll that fails the test on error.
func mustRead(t *testing.T, l storage.TxnLog, z int64) []storage.Entry {
	t.Helper()
	es, err := readAll(l, z)
	if err != nil {
		t.Fatalf("ReadFrom(%#x): %v", z, err)
	}
	return es
}

// sameEntries fails the test unless got equals want (zxids and data).
func sameEntries(t *testing.T, what string, got, want []storage.Entry) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d entries (%s), want %d (%s)", what, len(got), span(got), len(want), span(want))
	}
	for i := range got {
		if got[i].Zxid != want[i].Zxid || !bytes.Equal(got[i].Data, want[i].Data) {
			t.Fatalf("%s: entry %d = %#x %q, want %#x %q", what, i, got[i].Zxid, got[i].Data, want[i].Zxid, want[i].Data)
		}
	}
}

func span(es []storage.Entry) string {
	if len(es) == 0 {
		return "none"
	}
	return fmt.Sprintf("%#x..%#x", es[0].Zxid, es[len(es)-1].Zxid)
}

// from returns the entries of es with Zxid >= z.
func from(es []storage.Entry, z int64) []storage.Entry {
	i := slices.IndexFunc(es, func(e storage.Entry) bool { return e.Zxid >= z })
	if i < 0 {
		return nil
	}
	return es[i:]
}

func testClosed(t *testing.T, b storage.Backend) {
	l, s := b.Log(), b.Snapshots()
	appendSync(t, l, 0, 10)
	it, err := l.ReadFrom(0)
	if err != nil {
		t.Fatal(err)
	}
	defer it.Close()
	sink, err := s.Create(1)
	if err != nil {
		t.Fatal(err)
	}
	defer sink.Abort()
	if _, err := sink.Write([]byte("partial")); err != nil {
		t.Fatal(err)
	}

	if err := b.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if err := b.Close(); err != nil {
		t.Errorf("second Close: %v, want nil", err)
	}
	if err := l.Close(); err != nil {
		t.Errorf("log Close after backend Close: %v, want nil", err)
	}
	checks := map[string]error{
		"Append":        l.Append(makeEntries(10, 11)...),
		"Sync":          l.Sync(),
		"TruncateAfter": l.TruncateAfter(zxid(5)),
		"PurgeBefore":   l.PurgeBefore(zxid(5)),
		"Create":        second(s.Create(2)),
		"List":          second(s.List()),
		"Purge":         s.Purge(1),
		"sink.Commit":   sink.Commit(),
	}
	_, err = l.ReadFrom(0)
	checks["ReadFrom"] = err
	_, _, err = s.OpenNewest()
	checks["OpenNewest"] = err
	_, err = s.Open("snapshot.0")
	checks["Open"] = err
	for name, err := range checks {
		if !errors.Is(err, storage.ErrClosed) {
			t.Errorf("%s after Close: %v, want ErrClosed", name, err)
		}
	}
	// An iterator opened before Close either keeps yielding the right
	// entries or stops with ErrClosed.
	want := makeEntries(0, 10)
	for i := 0; ; i++ {
		e, ok := it.Next()
		if !ok {
			if err := it.Err(); err != nil && !errors.Is(err, storage.ErrClosed) {
				t.Errorf("iterator after Close: %v, want nil or ErrClosed", err)
			}
			if it.Err() == nil && i != len(want) {
				t.Errorf("iterator after Close ended cleanly after %d entries, want %d", i, len(want))
			}
			break
		}
		if i >= len(want) || e.Zxid != want[i].Zxid {
			t.Fatalf("iterator after Close yielded %#x at %d", e.Zxid, i)
		}
	}
}

func second[T any](_ T, err error) error { return err }

// ReadNewest reads the newest snapshot whole, failing t on any error.
func ReadNewest(t *testing.T, s storage.Snapshotter) (storage.SnapshotMeta, []byte) {
	t.Helper()
	meta, r, err := s.OpenNewest()
	if err != nil {
		t.Fatalf("OpenNewest: %v", err)
	}
	defer r.Close()
	data, err := io.ReadAll(r)
	if err != nil {
		t.Fatalf("read snapshot %s: %v", meta.ID, err)
	}
	return meta, data
}

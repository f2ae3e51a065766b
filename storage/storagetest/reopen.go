package storagetest

import (
	"errors"
	"testing"

	"github.com/warrenzk/warren/storage"
)

// RunReopen checks what survives a restart, for backends whose state
// outlives a Backend value. open returns a new, empty Backend; reopen ends
// b's life (closing it, or simulating a crash) and returns a Backend over
// the same state. The suite asserts only what a crash must preserve:
// entries synced and truncations made before the restart, and committed
// snapshots; unsynced entries may or may not survive, but whatever does is a
// prefix of what was appended.
func RunReopen(t *testing.T, open func(t *testing.T) storage.Backend, reopen func(t *testing.T, b storage.Backend) storage.Backend) {
	t.Run("SyncedEntriesSurvive", func(t *testing.T) {
		b := open(t)
		appendSync(t, b.Log(), 0, 150)
		if err := b.Log().Append(makeEntries(150, 160)...); err != nil { // never synced
			t.Fatal(err)
		}
		b = reopen(t, b)
		l := b.Log()
		got := mustRead(t, l, 0)
		if len(got) < 150 || len(got) > 160 {
			t.Fatalf("after reopen: %d entries (%s), want 150 to 160", len(got), span(got))
		}
		sameEntries(t, "after reopen", got, makeEntries(0, len(got)))
		if last := l.LastZxid(); last != got[len(got)-1].Zxid {
			t.Fatalf("LastZxid after reopen = %#x, last entry %#x", last, got[len(got)-1].Zxid)
		}
		// The reopened log takes appends after its end.
		next := len(got)
		appendSync(t, l, next, next+5)
		sameEntries(t, "appended after reopen", mustRead(t, l, zxid(next)), makeEntries(next, next+5))
	})

	t.Run("TruncationSurvives", func(t *testing.T) {
		b := open(t)
		appendSync(t, b.Log(), 0, 100)
		if err := b.Log().TruncateAfter(zxid(60)); err != nil {
			t.Fatal(err)
		}
		b = reopen(t, b)
		sameEntries(t, "after truncate and reopen", mustRead(t, b.Log(), 0), makeEntries(0, 61))
		if last := b.Log().LastZxid(); last != zxid(60) {
			t.Fatalf("LastZxid = %#x, want %#x", last, zxid(60))
		}
	})

	t.Run("PurgeKeepsOrder", func(t *testing.T) {
		b := open(t)
		appendSync(t, b.Log(), 0, 200)
		if err := b.Log().PurgeBefore(zxid(199) + 1); err != nil {
			t.Fatal(err)
		}
		b = reopen(t, b)
		// Whatever the purge dropped, the log's end and order are kept.
		if last := b.Log().LastZxid(); last != zxid(199) {
			t.Fatalf("LastZxid after purge and reopen = %#x, want %#x", last, zxid(199))
		}
		if err := b.Log().Append(storage.Entry{Zxid: zxid(5)}); !errors.Is(err, storage.ErrOutOfOrder) {
			t.Fatalf("Append below the end after reopen: %v, want ErrOutOfOrder", err)
		}
	})

	t.Run("SnapshotsSurvive", func(t *testing.T) {
		b := open(t)
		s := b.Snapshots()
		WriteSnapshot(t, s, 10, snapshotData(10, 1000))
		WriteSnapshot(t, s, 20, snapshotData(20, 2000))
		sink, err := s.Create(30)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := sink.Write([]byte("never committed")); err != nil {
			t.Fatal(err)
		}
		b = reopen(t, b)
		sink.Abort()
		list, err := b.Snapshots().List()
		if err != nil {
			t.Fatal(err)
		}
		if len(list) != 2 || list[0].Zxid != 20 || list[1].Zxid != 10 {
			t.Fatalf("snapshots after reopen: %+v, want zxids 20, 10", list)
		}
		meta, data := ReadNewest(t, b.Snapshots())
		if meta.Zxid != 20 || string(data) != string(snapshotData(20, 2000)) {
			t.Fatalf("newest after reopen = %+v", meta)
		}
	})
}

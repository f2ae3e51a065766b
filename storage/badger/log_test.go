package badger

import (
	"bytes"
	"encoding/binary"
	"errors"
	"math"
	"slices"
	"strings"
	"testing"

	badgerdb "github.com/dgraph-io/badger/v4"

	"github.com/warrenzk/warren/storage"
	"github.com/warrenzk/warren/storage/storagetest"
)

// TestPurgeKeepsLastZxidAcrossReopen checks that purging every entry
// leaves LastZxid and the ErrCompacted boundary where they were, after a
// reopen too.
func TestPurgeKeepsLastZxidAcrossReopen(t *testing.T) {
	b := open(t)
	mustAppendSync(t, b.Log(), 10, 20, 30, 40)
	if err := b.Log().PurgeBefore(math.MaxInt64); err != nil {
		t.Fatal(err)
	}
	b = reopen(t, b)
	l := b.Log()
	if got := l.LastZxid(); got != 40 {
		t.Fatalf("LastZxid after purge and reopen = %d, want 40", got)
	}
	if _, err := l.ReadFrom(40); !errors.Is(err, storage.ErrCompacted) {
		t.Fatalf("ReadFrom(40) after purging it: %v, want ErrCompacted", err)
	}
	if zs := zxidsOf(t, l, 41); len(zs) != 0 {
		t.Fatalf("ReadFrom(41) = %v, want nothing", zs)
	}
	if err := l.Append(storage.Entry{Zxid: 40}); !errors.Is(err, storage.ErrOutOfOrder) {
		t.Fatalf("Append(40): %v, want ErrOutOfOrder", err)
	}
	mustAppendSync(t, l, 50)
	if got := zxidsOf(t, l, 41); !slices.Equal(got, []int64{50}) {
		t.Fatalf("after appending 50: %v", got)
	}
}

// TestPurgeFloorExact checks that ErrCompacted starts exactly above the
// newest purged entry, before and after a reopen.
func TestPurgeFloorExact(t *testing.T) {
	b := open(t)
	mustAppendSync(t, b.Log(), 10, 20, 30, 40)
	if err := b.Log().PurgeBefore(30); err != nil {
		t.Fatal(err)
	}
	for round := range 2 {
		l := b.Log()
		for _, z := range []int64{0, 10, 20} {
			if _, err := l.ReadFrom(z); !errors.Is(err, storage.ErrCompacted) {
				t.Errorf("round %d: ReadFrom(%d): %v, want ErrCompacted", round, z, err)
			}
		}
		if got := zxidsOf(t, l, 21); !slices.Equal(got, []int64{30, 40}) {
			t.Errorf("round %d: ReadFrom(21) = %v, want [30 40]", round, got)
		}
		if err := l.TruncateAfter(19); !errors.Is(err, storage.ErrCompacted) {
			t.Errorf("round %d: TruncateAfter(19): %v, want ErrCompacted", round, err)
		}
		b = reopen(t, b)
	}
}

// TestInterruptedPurgeFinishedAtOpen stores a purge floor without deleting
// the entries below it, as a crash between the two would, and checks that
// the next open deletes them.
func TestInterruptedPurgeFinishedAtOpen(t *testing.T) {
	b := open(t)
	mustAppendSync(t, b.Log(), 1, 2, 3, 4)
	floor := binary.BigEndian.AppendUint64(nil, 2)
	if err := b.logDB.Update(func(txn *badgerdb.Txn) error { return txn.Set(floorKey, floor) }); err != nil {
		t.Fatal(err)
	}
	b = reopen(t, b)
	if zs, err := b.log.zxidsIn(1, math.MaxInt64, false, 10); err != nil || !slices.Equal(zs, []int64{3, 4}) {
		t.Fatalf("entries in the DB after open = %v, %v; want [3 4]", zs, err)
	}
	if _, err := b.Log().ReadFrom(2); !errors.Is(err, storage.ErrCompacted) {
		t.Fatalf("ReadFrom(2): %v, want ErrCompacted", err)
	}
}

// bigEntries returns entries for zxids [from, to) with n-byte data, small
// enough to stay in the LSM tree.
func bigEntries(from, to int64, n int) []storage.Entry {
	var es []storage.Entry
	for z := from; z < to; z++ {
		es = append(es, storage.Entry{Zxid: z, Data: bytes.Repeat([]byte{byte(z)}, n)})
	}
	return es
}

// openSmall opens a backend whose log DB accepts only ~1.2 MiB per
// transaction, so that a Sync of a few MiB takes several.
func openSmall(t *testing.T) *Backend {
	t.Helper()
	return openConfig(t, storage.Config{DataDir: t.TempDir(), Options: map[string]any{"mem_table_size": "8MiB"}})
}

// failCommit makes the n-th commit of w from now fail, once: before it
// takes effect or, if applied, after.
func failCommit(w *writer, n int, applied bool) {
	count := 0
	w.commitTxn = func(txn *badgerdb.Txn) error {
		if count++; count != n {
			return txn.Commit()
		}
		if applied {
			if err := txn.Commit(); err != nil {
				return err
			}
		}
		return errors.New("injected commit failure")
	}
}

// TestFailedSyncRollsBack fails one of the transactions a Sync needs,
// after the first committed, and checks that the log is left as the
// previous Sync left it: in memory, on disk, and after a reopen. The last
// transaction failing after it took effect (its fsync failed) leaves m/last
// to undo too.
func TestFailedSyncRollsBack(t *testing.T) {
	for _, tt := range []struct {
		name    string
		fail    int
		applied bool
	}{
		{"second commit", 2, false},
		{"last commit, applied", -1, true},
	} {
		t.Run(tt.name, func(t *testing.T) { testFailedSyncRollsBack(t, tt.fail, tt.applied) })
	}
}

func testFailedSyncRollsBack(t *testing.T, fail int, applied bool) {
	b := openSmall(t)
	l := b.log
	mustAppendSync(t, l, 1, 2)
	if err := l.Append(bigEntries(3, 60, 100_000)...); err != nil {
		t.Fatal(err)
	}
	it, err := l.ReadFrom(1) // sees the buffered entries; must not outlive the rollback silently
	if err != nil {
		t.Fatal(err)
	}
	defer it.Close()
	if fail < 0 { // the last: count the commits a Sync of these takes
		fail = syncCommits(t, bigEntries(3, 60, 100_000))
	}
	failCommit(&l.w, fail, applied)
	if err := l.Sync(); err == nil {
		t.Fatal("Sync succeeded despite the injected failure")
	}
	l.w.commitTxn = nil
	if got := l.LastZxid(); got != 2 {
		t.Fatalf("LastZxid after a failed Sync = %d, want 2", got)
	}
	if got := zxidsOf(t, l, 0); !slices.Equal(got, []int64{1, 2}) {
		t.Fatalf("log after a failed Sync = %v, want [1 2]", got)
	}
	if _, ok := it.Next(); ok || it.Err() == nil {
		t.Fatalf("iterator opened before the rollback went on (err %v)", it.Err())
	}
	it.Close()
	b = reopen(t, b)
	if got := zxidsOf(t, b.Log(), 0); !slices.Equal(got, []int64{1, 2}) {
		t.Fatalf("log reopened after a failed Sync = %v, want [1 2]", got)
	}
	// The log takes the same zxids again once the cause is gone.
	l = b.log
	if err := l.Append(storage.Entry{Zxid: 3, Data: []byte("again")}); err != nil {
		t.Fatal(err)
	}
	if err := l.Sync(); err != nil {
		t.Fatal(err)
	}
	b = reopen(t, b)
	if got := zxidsOf(t, b.Log(), 0); !slices.Equal(got, []int64{1, 2, 3}) {
		t.Fatalf("log after reopen = %v, want [1 2 3]", got)
	}
}

// TestFailedRollbackBreaksLog fails a Sync and the deletion that should
// undo it: the log refuses everything until reopened, and the reopened log
// holds a prefix of what was appended.
func TestFailedRollbackBreaksLog(t *testing.T) {
	b := openSmall(t)
	l := b.log
	mustAppendSync(t, l, 1)
	if err := l.Append(bigEntries(2, 60, 100_000)...); err != nil {
		t.Fatal(err)
	}
	fail := errors.New("disk gone")
	committed := 0
	l.w.commitTxn = func(txn *badgerdb.Txn) error {
		if committed++; committed > 1 {
			return fail
		}
		return txn.Commit()
	}
	if err := l.Sync(); !errors.Is(err, fail) {
		t.Fatalf("Sync: %v, want the injected failure", err)
	}
	l.w.commitTxn = nil
	if err := l.Append(storage.Entry{Zxid: 100}); err == nil {
		t.Fatal("Append on a broken log succeeded")
	}
	if _, err := l.ReadFrom(0); err == nil {
		t.Fatal("ReadFrom on a broken log succeeded")
	}
	b = reopen(t, b)
	got := zxidsOf(t, b.Log(), 0)
	if len(got) < 2 || !slices.Equal(got, bigZxids(1, int64(len(got)+1))) {
		t.Fatalf("log after reopen = %v, want 1 and a prefix of 2..59", got)
	}
	if last := b.Log().LastZxid(); last != got[len(got)-1] {
		t.Fatalf("LastZxid = %d, last entry %d", last, got[len(got)-1])
	}
}

// syncCommits returns how many commits a Sync of es takes in a fresh
// openSmall backend.
func syncCommits(t *testing.T, es []storage.Entry) int {
	t.Helper()
	b := openSmall(t)
	commits := 0
	b.log.w.commitTxn = func(txn *badgerdb.Txn) error { commits++; return txn.Commit() }
	if err := b.log.Append(es...); err != nil {
		t.Fatal(err)
	}
	if err := b.log.Sync(); err != nil {
		t.Fatal(err)
	}
	return commits
}

func bigZxids(from, to int64) []int64 {
	var zs []int64
	for z := from; z < to; z++ {
		zs = append(zs, z)
	}
	return zs
}

// TestSyncSplitsLargeBatches checks that a batch too big for one Badger
// transaction is written whole, in several.
func TestSyncSplitsLargeBatches(t *testing.T) {
	want := bigEntries(1, 60, 100_000)
	if commits := syncCommits(t, want); commits < 2 {
		t.Errorf("%d commits for 6 MB; the test no longer exercises splitting", commits)
	}
	roundTrip(t, openSmall(t), want)
}

// TestLargeEntry round-trips entries over valueThreshold, which Badger
// keeps in its value log rather than in the LSM tree.
func TestLargeEntry(t *testing.T) {
	roundTrip(t, open(t), bigEntries(1, 4, valueThreshold+1000))
}

// roundTrip appends and syncs want in one batch, reopens b, and checks
// that the log reads back exactly want.
func roundTrip(t *testing.T, b *Backend, want []storage.Entry) {
	t.Helper()
	if err := b.Log().Append(want...); err != nil {
		t.Fatal(err)
	}
	if err := b.Log().Sync(); err != nil {
		t.Fatal(err)
	}
	b = reopen(t, b)
	it, err := b.Log().ReadFrom(0)
	if err != nil {
		t.Fatal(err)
	}
	defer it.Close()
	for i := 0; ; i++ {
		e, ok := it.Next()
		if !ok {
			if i != len(want) || it.Err() != nil {
				t.Fatalf("read %d entries (err %v), want %d", i, it.Err(), len(want))
			}
			return
		}
		if i >= len(want) || e.Zxid != want[i].Zxid || !bytes.Equal(e.Data, want[i].Data) {
			t.Fatalf("entry %d = %#x (%d bytes), want %d entries from %#x", i, e.Zxid, len(e.Data), len(want), want[0].Zxid)
		}
	}
}

// TestTruncateStopsIterators checks that an iterator does not walk from
// the old history into the new one.
func TestTruncateStopsIterators(t *testing.T) {
	b := open(t)
	l := b.Log()
	mustAppendSync(t, l, 1, 2, 3, 4)
	it, err := l.ReadFrom(1)
	if err != nil {
		t.Fatal(err)
	}
	defer it.Close()
	if e, ok := it.Next(); !ok || e.Zxid != 1 {
		t.Fatalf("first entry %d, %v", e.Zxid, ok)
	}
	if err := l.TruncateAfter(2); err != nil {
		t.Fatal(err)
	}
	mustAppendSync(t, l, 3)
	if e, ok := it.Next(); ok {
		t.Fatalf("iterator yielded %d after a truncation", e.Zxid)
	}
	if it.Err() == nil {
		t.Fatal("iterator stopped without an error after a truncation")
	}
}

// TestForceSyncOff checks that with ForceSync false Badger does not sync
// each write, the operator is warned, and the log still works and survives
// a clean Close.
func TestForceSyncOff(t *testing.T) {
	var logs storagetest.LogBuffer
	b := openConfig(t, storage.Config{DataDir: t.TempDir(), NoSync: true, Logger: logs.Logger()})
	if b.logDB.Opts().SyncWrites || b.snapDB.Opts().SyncWrites {
		t.Fatal("SyncWrites on with ForceSync false")
	}
	if !strings.Contains(logs.String(), "force sync is off") {
		t.Errorf("no warning at open with ForceSync false:\n%s", logs.String())
	}
	mustAppendSync(t, b.Log(), 1, 2, 3)
	if err := b.Log().TruncateAfter(2); err != nil {
		t.Fatal(err)
	}
	b = reopen(t, b)
	if got := zxidsOf(t, b.Log(), 0); !slices.Equal(got, []int64{1, 2}) {
		t.Fatalf("after reopen: %v, want [1 2]", got)
	}
	if b.logDB.Opts().SyncWrites {
		t.Fatal("SyncWrites on after reopen with ForceSync false")
	}
	if !open(t).logDB.Opts().SyncWrites {
		t.Fatal("SyncWrites off with ForceSync true")
	}
}

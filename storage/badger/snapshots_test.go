package badger

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	badgerdb "github.com/dgraph-io/badger/v4"

	"github.com/warrenzk/warren/storage"
	"github.com/warrenzk/warren/storage/storagetest"
)

// stream returns n bytes that differ with seed.
func stream(seed byte, n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(i*7) + seed
	}
	return b
}

// dbKeys returns how many keys db holds with prefix.
func dbKeys(t *testing.T, db *badgerdb.DB, prefix byte) int {
	t.Helper()
	n := 0
	err := db.View(func(txn *badgerdb.Txn) error {
		it := txn.NewIterator(badgerdb.IteratorOptions{Prefix: []byte{prefix}})
		defer it.Close()
		for it.Rewind(); it.Valid(); it.Next() {
			n++
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// TestSnapshotChunks round-trips snapshots around the chunk size, across a
// reopen.
func TestSnapshotChunks(t *testing.T) {
	b := open(t)
	sizes := []int{chunkSize - 1, chunkSize, chunkSize + 1, 2*chunkSize + 12345}
	for i, n := range sizes {
		storagetest.WriteSnapshot(t, b.Snapshots(), int64(i+1), stream(byte(i), n))
	}
	b = reopen(t, b)
	list, err := b.Snapshots().List()
	if err != nil {
		t.Fatal(err)
	}
	if err := b.Snapshots().Purge(1); err != nil {
		t.Fatal(err)
	}
	for i, m := range list {
		if want := int64(sizes[len(sizes)-1-i]); m.Size != want {
			t.Errorf("List[%d].Size = %d, want %d", i, m.Size, want)
		}
	}
	meta, data := storagetest.ReadNewest(t, b.Snapshots())
	last := len(sizes) - 1
	if meta.Zxid != int64(last+1) || !bytes.Equal(data, stream(byte(last), sizes[last])) {
		t.Fatalf("newest = %+v with %d bytes, want zxid %d with %d", meta, len(data), last+1, sizes[last])
	}
	if n := dbKeys(t, b.snapDB, chunkPrefix); n != 3 {
		t.Errorf("%d chunks left after Purge(1), want the newest snapshot's 3", n)
	}
}

// TestSnapshotCrashLeftovers leaves behind what crashes leave (a snapshot
// being written, one being purged) and checks that the next open removes
// them and keeps the committed ones.
func TestSnapshotCrashLeftovers(t *testing.T) {
	var logs storagetest.LogBuffer
	cfg := storage.Config{DataDir: t.TempDir(), Logger: logs.Logger()}
	b := openConfig(t, cfg)
	s := b.Snapshots()
	storagetest.WriteSnapshot(t, s, 10, stream(1, 3*chunkSize))
	storagetest.WriteSnapshot(t, s, 20, stream(2, 100))

	// A crash during a write: chunks and an uncommitted meta record.
	sink, err := s.Create(30)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := sink.Write(stream(3, 2*chunkSize+5)); err != nil {
		t.Fatal(err)
	}
	// A crash during a purge: snapshot 10 marked uncommitted, chunks kept.
	m := b.snaps.mustCommitted(t)[1]
	m.committed = false
	if err := b.snapDB.Update(func(txn *badgerdb.Txn) error { return txn.Set(metaKey(m.id), m.encode()) }); err != nil {
		t.Fatal(err)
	}

	b = reopen(t, b) // the sink is never finished: Close drops it
	sink.Abort()
	list, err := b.Snapshots().List()
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 1 || list[0].Zxid != 20 {
		t.Fatalf("after reopen: %+v, want only zxid 20", list)
	}
	if n := dbKeys(t, b.snapDB, chunkPrefix); n != 1 {
		t.Errorf("%d chunks after reopen, want snapshot 20's 1", n)
	}
	if n := dbKeys(t, b.snapDB, metaPrefix); n != 1 {
		t.Errorf("%d meta records after reopen, want 1", n)
	}
	if got := strings.Count(logs.String(), "removed an unfinished snapshot"); got != 2 {
		t.Errorf("logged %d removals, want 2:\n%s", got, logs.String())
	}
}

// mustCommitted returns the committed meta records, newest first.
func (s *Snapshots) mustCommitted(t *testing.T) []snapMeta {
	t.Helper()
	ms, err := s.committed()
	if err != nil {
		t.Fatal(err)
	}
	return ms
}

// corruptChunk flips a byte of chunk index of snapshot m, through the DB.
func corruptChunk(t *testing.T, db *badgerdb.DB, m snapMeta, index uint32) {
	t.Helper()
	err := db.Update(func(txn *badgerdb.Txn) error {
		item, err := txn.Get(chunkKey(m.id, index))
		if err != nil {
			return err
		}
		v, err := item.ValueCopy(nil)
		if err != nil {
			return err
		}
		v[len(v)/2] ^= 0xff
		return txn.Set(chunkKey(m.id, index), v)
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestDamagedSnapshotSkipped corrupts, then deletes, chunks of the newest
// snapshots and checks that OpenNewest falls back to the next newest,
// saying so in the log.
func TestDamagedSnapshotSkipped(t *testing.T) {
	var logs storagetest.LogBuffer
	b := openConfig(t, storage.Config{DataDir: t.TempDir(), Logger: logs.Logger()})
	s := b.Snapshots()
	storagetest.WriteSnapshot(t, s, 10, stream(1, 1000))
	storagetest.WriteSnapshot(t, s, 20, stream(2, 2*chunkSize+10))
	storagetest.WriteSnapshot(t, s, 30, stream(3, chunkSize+10))
	ms := b.snaps.mustCommitted(t) // 30, 20, 10

	corruptChunk(t, b.snapDB, ms[0], 1)
	if err := b.snapDB.Update(func(txn *badgerdb.Txn) error { return txn.Delete(chunkKey(ms[1].id, 0)) }); err != nil {
		t.Fatal(err)
	}
	meta, data := storagetest.ReadNewest(t, s)
	if meta.Zxid != 10 || !bytes.Equal(data, stream(1, 1000)) {
		t.Fatalf("OpenNewest = %+v, want zxid 10 intact", meta)
	}
	out := logs.String()
	if !strings.Contains(out, "CRC-32C") || !strings.Contains(out, "chunk 0 is missing") {
		t.Errorf("log does not say why each snapshot was skipped:\n%s", out)
	}
	if got := strings.Count(out, "skipping a damaged snapshot"); got != 2 {
		t.Errorf("logged %d skips, want 2:\n%s", got, out)
	}
	// Damaged snapshots stay listed (an operator may want to look at them)
	// but hold no reader: a purge removes them.
	if list, _ := s.List(); len(list) != 3 {
		t.Errorf("List has %d snapshots, want 3", len(list))
	}
	if len(b.snaps.readers) != 0 {
		t.Errorf("readers left registered: %v", b.snaps.readers)
	}

	corruptChunk(t, b.snapDB, ms[2], 0)
	if _, _, err := s.OpenNewest(); !errors.Is(err, storage.ErrNoSnapshot) {
		t.Fatalf("OpenNewest with every snapshot damaged: %v, want ErrNoSnapshot", err)
	}
}

// TestDamageAfterOpen corrupts a chunk after OpenNewest verified it: the
// reader must fail at the end rather than pass the damage on.
func TestDamageAfterOpen(t *testing.T) {
	b := open(t)
	storagetest.WriteSnapshot(t, b.Snapshots(), 1, stream(1, 2*chunkSize))
	_, r, err := b.Snapshots().OpenNewest()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	corruptChunk(t, b.snapDB, b.snaps.mustCommitted(t)[0], 1)
	if _, err := io.ReadAll(r); err == nil || !strings.Contains(err.Error(), "changed after it was verified") {
		t.Fatalf("reading a snapshot damaged after OpenNewest: %v, want a CRC error", err)
	}
}

// TestSnapshotsStayInLSM pins where chunks live: in the LSM tree, whose
// compactions free purged snapshots. In the value log they would need
// value-log GC, which acts only on statistics gathered by compactions that
// a snapshot DB hardly ever runs, so purged snapshots would never free
// their space.
func TestSnapshotsStayInLSM(t *testing.T) {
	b := open(t)
	storagetest.WriteSnapshot(t, b.Snapshots(), 1, stream(1, 3*chunkSize))
	files, err := filepath.Glob(filepath.Join(b.snapDB.Opts().Dir, "*.vlog"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no value-log files in %s: %v", b.snapDB.Opts().Dir, err)
	}
	var used int64
	for _, f := range files {
		fi, err := os.Stat(f)
		if err != nil {
			t.Fatal(err)
		}
		st, ok := fi.Sys().(*syscall.Stat_t)
		if !ok {
			t.Skip("no block counts on this platform")
		}
		used += st.Blocks * 512 // the files are sparse: count what is written
	}
	if used >= chunkSize {
		t.Fatalf("value log holds %d bytes after a %d-byte snapshot; chunks must stay in the LSM tree", used, 3*chunkSize)
	}
}

// TestPurgeKeepsGoodSnapshots checks that a damaged snapshot does not count
// towards those Purge keeps: with the newest damaged, Purge(1) keeps the
// next newest good one, which OpenNewest then returns.
func TestPurgeKeepsGoodSnapshots(t *testing.T) {
	var logs storagetest.LogBuffer
	b := openConfig(t, storage.Config{DataDir: t.TempDir(), Logger: logs.Logger()})
	s := b.Snapshots()
	for _, z := range []int64{10, 20, 30} {
		storagetest.WriteSnapshot(t, s, z, stream(byte(z), chunkSize+int(z)))
	}
	corruptChunk(t, b.snapDB, b.snaps.mustCommitted(t)[0], 1)
	if err := s.Purge(1); err != nil {
		t.Fatal(err)
	}
	list, err := s.List()
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 2 || list[0].Zxid != 30 || list[1].Zxid != 20 {
		t.Fatalf("after Purge(1) with the newest damaged: %+v, want zxids 30 (damaged), 20", list)
	}
	if meta, data := storagetest.ReadNewest(t, s); meta.Zxid != 20 || !bytes.Equal(data, stream(20, chunkSize+20)) {
		t.Fatalf("OpenNewest = %+v, want zxid 20 intact", meta)
	}
	if !strings.Contains(logs.String(), "does not count towards those a purge keeps") {
		t.Errorf("the purge did not log the damaged snapshot:\n%s", logs.String())
	}
	// Fewer good snapshots than asked for: nothing goes.
	corruptChunk(t, b.snapDB, b.snaps.mustCommitted(t)[1], 0)
	if err := s.Purge(1); err != nil {
		t.Fatal(err)
	}
	if list, _ := s.List(); len(list) != 2 {
		t.Fatalf("Purge(1) with no good snapshot left %d of 2", len(list))
	}
}

// TestOpenChecksWhileReading: a snapshot opened by Open, not read first,
// fails at the end of its stream if a chunk was damaged.
func TestOpenChecksWhileReading(t *testing.T) {
	b := open(t)
	storagetest.WriteSnapshot(t, b.Snapshots(), 1, stream(1, 2*chunkSize))
	m := b.snaps.mustCommitted(t)[0]
	corruptChunk(t, b.snapDB, m, 1)
	r, err := b.Snapshots().Open(m.public().ID)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if _, err := io.ReadAll(r); err == nil || !strings.Contains(err.Error(), "is damaged") {
		t.Fatalf("reading a damaged snapshot: %v, want a CRC error", err)
	}
}

package storagetest

import (
	"bytes"
	"errors"
	"io"
	"testing"

	"github.com/warrenzk/warren/storage"
)

func runSnapshots(t *testing.T, open func(t *testing.T) storage.Backend) {
	tests := []struct {
		name string
		fn   func(t *testing.T, s storage.Snapshotter)
	}{
		{"None", testNoSnapshot},
		{"CreateCommitOpen", testCreateCommitOpen},
		{"Abort", testAbort},
		{"UncommittedInvisible", testUncommittedInvisible},
		{"ListNewestFirst", testListNewestFirst},
		{"Purge", testSnapshotPurge},
		{"ReaderSurvivesPurge", testReaderSurvivesPurge},
		{"OpenByID", testOpenByID},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { tt.fn(t, open(t).Snapshots()) })
	}
}

// WriteSnapshot writes and commits a snapshot labelled zxid holding data,
// in chunks.
func WriteSnapshot(t *testing.T, s storage.Snapshotter, zxid int64, data []byte) {
	t.Helper()
	sink, err := s.Create(zxid)
	if err != nil {
		t.Fatalf("Create(%#x): %v", zxid, err)
	}
	defer sink.Abort()
	for rest := data; len(rest) > 0; {
		n := min(len(rest), 4096)
		if _, err := sink.Write(rest[:n]); err != nil {
			t.Fatalf("Write: %v", err)
		}
		rest = rest[n:]
	}
	if err := sink.Commit(); err != nil {
		t.Fatalf("Commit(%#x): %v", zxid, err)
	}
	if err := sink.Abort(); err != nil {
		t.Fatalf("Abort after Commit: %v, want nil", err)
	}
}

func snapshotData(zxid int64, size int) []byte {
	b := make([]byte, size)
	for i := range b {
		b[i] = byte(int64(i)*31 + zxid)
	}
	return b
}

func testNoSnapshot(t *testing.T, s storage.Snapshotter) {
	if _, _, err := s.OpenNewest(); !errors.Is(err, storage.ErrNoSnapshot) {
		t.Errorf("OpenNewest with no snapshot: %v, want ErrNoSnapshot", err)
	}
	if list, err := s.List(); err != nil || len(list) != 0 {
		t.Errorf("List with no snapshot = %v, %v", list, err)
	}
	if err := s.Purge(1); err != nil {
		t.Errorf("Purge(1) with no snapshot: %v", err)
	}
}

func testCreateCommitOpen(t *testing.T, s storage.Snapshotter) {
	for _, size := range []int{0, 1, 100_000} {
		data := snapshotData(int64(size), size)
		zxid := int64(0x100000000 + size)
		WriteSnapshot(t, s, zxid, data)
		meta, got := ReadNewest(t, s)
		if meta.Zxid != zxid || meta.Size != int64(size) || meta.ID == "" {
			t.Errorf("meta = %+v, want zxid %#x, size %d, an ID", meta, zxid, size)
		}
		if !bytes.Equal(got, data) {
			t.Errorf("snapshot of %d bytes read back as %d different bytes", size, len(got))
		}
	}
}

func testAbort(t *testing.T, s storage.Snapshotter) {
	WriteSnapshot(t, s, 10, []byte("kept"))
	sink, err := s.Create(20)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := sink.Write([]byte("discarded")); err != nil {
		t.Fatal(err)
	}
	if err := sink.Abort(); err != nil {
		t.Fatalf("Abort: %v", err)
	}
	if err := sink.Abort(); err != nil {
		t.Errorf("second Abort: %v, want nil", err)
	}
	if _, err := sink.Write([]byte("x")); !errors.Is(err, storage.ErrClosed) {
		t.Errorf("Write after Abort: %v, want ErrClosed", err)
	}
	if err := sink.Commit(); !errors.Is(err, storage.ErrClosed) {
		t.Errorf("Commit after Abort: %v, want ErrClosed", err)
	}
	meta, data := ReadNewest(t, s)
	if meta.Zxid != 10 || string(data) != "kept" {
		t.Errorf("newest after an abort = %+v %q, want zxid 10 %q", meta, data, "kept")
	}
	if list, _ := s.List(); len(list) != 1 {
		t.Errorf("List after an abort has %d snapshots, want 1", len(list))
	}

	// Commit twice: the second fails, the snapshot stays.
	sink, err = s.Create(30)
	if err != nil {
		t.Fatal(err)
	}
	if err := sink.Commit(); err != nil {
		t.Fatal(err)
	}
	if err := sink.Commit(); !errors.Is(err, storage.ErrClosed) {
		t.Errorf("second Commit: %v, want ErrClosed", err)
	}
	if _, err := sink.Write([]byte("x")); !errors.Is(err, storage.ErrClosed) {
		t.Errorf("Write after Commit: %v, want ErrClosed", err)
	}
	if meta, _ := ReadNewest(t, s); meta.Zxid != 30 {
		t.Errorf("newest = %#x, want 30", meta.Zxid)
	}
}

func testUncommittedInvisible(t *testing.T, s storage.Snapshotter) {
	sink, err := s.Create(5)
	if err != nil {
		t.Fatal(err)
	}
	defer sink.Abort()
	if _, err := sink.Write([]byte("in progress")); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.OpenNewest(); !errors.Is(err, storage.ErrNoSnapshot) {
		t.Errorf("OpenNewest during a write: %v, want ErrNoSnapshot", err)
	}
	if list, _ := s.List(); len(list) != 0 {
		t.Errorf("List during a write = %v", list)
	}
	// A snapshot started earlier but committed later, with a lower zxid, is
	// not the newest.
	WriteSnapshot(t, s, 9, []byte("nine"))
	if err := sink.Commit(); err != nil {
		t.Fatal(err)
	}
	meta, data := ReadNewest(t, s)
	if meta.Zxid != 9 || string(data) != "nine" {
		t.Errorf("newest = %+v %q, want zxid 9", meta, data)
	}
}

func testListNewestFirst(t *testing.T, s storage.Snapshotter) {
	for _, z := range []int64{20, 10, 40, 30} {
		WriteSnapshot(t, s, z, snapshotData(z, int(z)))
	}
	WriteSnapshot(t, s, 30, []byte("thirty again")) // same zxid, committed last
	list, err := s.List()
	if err != nil {
		t.Fatal(err)
	}
	wantZxids := []int64{40, 30, 30, 20, 10}
	if len(list) != len(wantZxids) {
		t.Fatalf("List = %+v, want zxids %v", list, wantZxids)
	}
	ids := make(map[string]bool)
	for i, m := range list {
		if m.Zxid != wantZxids[i] {
			t.Errorf("List[%d].Zxid = %d, want %d", i, m.Zxid, wantZxids[i])
		}
		if ids[m.ID] {
			t.Errorf("duplicate ID %q", m.ID)
		}
		ids[m.ID] = true
	}
	if list[1].Size != int64(len("thirty again")) {
		t.Errorf("the later snapshot at 30 is not listed first: %+v", list[1:3])
	}
	meta, _ := ReadNewest(t, s)
	if meta != list[0] {
		t.Errorf("OpenNewest = %+v, List[0] = %+v", meta, list[0])
	}
}

func testSnapshotPurge(t *testing.T, s storage.Snapshotter) {
	for z := int64(1); z <= 5; z++ {
		WriteSnapshot(t, s, z*10, snapshotData(z, 10))
	}
	if err := s.Purge(0); err == nil {
		t.Error("Purge(0) succeeded; the newest snapshot must be kept")
	}
	if err := s.Purge(10); err != nil {
		t.Fatalf("Purge(10) of 5: %v", err)
	}
	if list, _ := s.List(); len(list) != 5 {
		t.Fatalf("Purge(10) left %d of 5", len(list))
	}
	if err := s.Purge(2); err != nil {
		t.Fatalf("Purge(2): %v", err)
	}
	list, err := s.List()
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 2 || list[0].Zxid != 50 || list[1].Zxid != 40 {
		t.Fatalf("after Purge(2): %+v, want zxids 50, 40", list)
	}
	if meta, data := ReadNewest(t, s); meta.Zxid != 50 || !bytes.Equal(data, snapshotData(5, 10)) {
		t.Errorf("newest after purge = %+v", meta)
	}
}

func testReaderSurvivesPurge(t *testing.T, s storage.Snapshotter) {
	old := snapshotData(1, 50_000)
	WriteSnapshot(t, s, 1, old)
	meta, r, err := s.OpenNewest()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	WriteSnapshot(t, s, 2, []byte("newer"))
	if err := s.Purge(1); err != nil {
		t.Fatal(err)
	}
	got, err := io.ReadAll(r)
	if err != nil {
		t.Fatalf("reading %s after it was purged: %v", meta.ID, err)
	}
	if !bytes.Equal(got, old) {
		t.Errorf("purged snapshot read back differently")
	}
	if err := r.Close(); err != nil {
		t.Errorf("Close: %v", err)
	}
}

// testOpenByID opens every listed snapshot by its ID, and checks that a
// reader from Open outlives a purge as OpenNewest's does, and that a
// purged or unknown ID is ErrNoSnapshot.
func testOpenByID(t *testing.T, s storage.Snapshotter) {
	for z := int64(1); z <= 3; z++ {
		WriteSnapshot(t, s, z*10, snapshotData(z, 30_000*int(z)))
	}
	list, err := s.List()
	if err != nil || len(list) != 3 {
		t.Fatalf("List = %+v, %v", list, err)
	}
	for _, m := range list {
		if got := readByID(t, s, m.ID); !bytes.Equal(got, snapshotData(m.Zxid/10, int(m.Size))) {
			t.Errorf("Open(%s) read back %d different bytes", m.ID, len(got))
		}
	}
	oldest := list[2]
	r, err := s.Open(oldest.ID)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if err := s.Purge(1); err != nil {
		t.Fatal(err)
	}
	if got, err := io.ReadAll(r); err != nil || !bytes.Equal(got, snapshotData(1, 30_000)) {
		t.Errorf("reading %s opened before it was purged: %d bytes, %v", oldest.ID, len(got), err)
	}
	if err := r.Close(); err != nil {
		t.Errorf("Close: %v", err)
	}
	for _, id := range []string{oldest.ID, "snapshot.not-a-snapshot"} {
		if _, err := s.Open(id); !errors.Is(err, storage.ErrNoSnapshot) {
			t.Errorf("Open(%q): %v, want ErrNoSnapshot", id, err)
		}
	}
}

// readByID reads the snapshot called id whole, failing t on any error.
func readByID(t *testing.T, s storage.Snapshotter, id string) []byte {
	t.Helper()
	r, err := s.Open(id)
	if err != nil {
		t.Fatalf("Open(%s): %v", id, err)
	}
	defer r.Close()
	data, err := io.ReadAll(r)
	if err != nil {
		t.Fatalf("read snapshot %s: %v", id, err)
	}
	return data
}

package wal

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/warrenzk/warren/storage"
	"github.com/warrenzk/warren/storage/storagetest"
)

// commitSnapshot writes and commits a snapshot and returns its path.
func commitSnapshot(t *testing.T, s storage.Snapshotter, zxid int64, data []byte) string {
	t.Helper()
	storagetest.WriteSnapshot(t, s, zxid, data)
	list, err := s.List()
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range list {
		if m.Zxid == zxid {
			return filepath.Join(snapDirOf(s), m.ID)
		}
	}
	t.Fatalf("snapshot %d not listed", zxid)
	return ""
}

func snapDirOf(s storage.Snapshotter) string { return s.(*Snapshots).dir }

func snapData(zxid int64) []byte { return bytes.Repeat([]byte{byte(zxid)}, 1000+int(zxid)) }

// TestDamagedSnapshotSkipped: OpenNewest passes over a snapshot whose CRC
// or footer is wrong, saying which and why, for the next newest.
func TestDamagedSnapshotSkipped(t *testing.T) {
	cfg := testConfig(t)
	logs := capture(&cfg)
	s := openCfg(t, cfg).Snapshots()
	commitSnapshot(t, s, 10, snapData(10))
	p20 := commitSnapshot(t, s, 20, snapData(20))
	p30 := commitSnapshot(t, s, 30, snapData(30))

	flip(t, p30, 500) // a bit flip in the stream
	meta, data := storagetest.ReadNewest(t, s)
	if meta.Zxid != 20 || !bytes.Equal(data, snapData(20)) {
		t.Fatalf("OpenNewest over a damaged newest = %+v", meta)
	}
	mustContain(t, "log", logs.String(), "damaged snapshot", p30, "checksum")

	if err := os.Truncate(p20, fileSize(t, p20)-1); err != nil { // the footer torn
		t.Fatal(err)
	}
	if meta, _ := storagetest.ReadNewest(t, s); meta.Zxid != 10 {
		t.Fatalf("OpenNewest over two damaged = %+v, want zxid 10", meta)
	}
	mustContain(t, "log", logs.String(), p20, "footer")
	list, err := s.List()
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 2 || list[0].Zxid != 30 || list[1].Zxid != 10 {
		t.Errorf("List = %+v, want 30 (its footer is fine) and 10", list)
	}

	// Purge counts only valid snapshots: keeping 1 keeps 10.
	if err := s.Purge(1); err != nil {
		t.Fatal(err)
	}
	if meta, _ := storagetest.ReadNewest(t, s); meta.Zxid != 10 {
		t.Fatalf("after Purge(1) the newest good snapshot is %+v", meta)
	}
	// With a valid newest, the damaged ones behind it go too.
	commitSnapshot(t, s, 40, snapData(40))
	if err := s.Purge(1); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{p20, p30} {
		if _, err := os.Stat(p); !os.IsNotExist(err) {
			t.Errorf("Purge(1) kept %s behind a valid newest: %v", p, err)
		}
	}
	if left, _ := s.List(); len(left) != 1 || left[0].Zxid != 40 {
		t.Errorf("after Purge(1): %+v, want 40 alone", left)
	}
}

// TestSnapshotLeftovers: what a crash leaves of a snapshot being written is
// removed at open, and committed ones stay.
func TestSnapshotLeftovers(t *testing.T) {
	cfg := testConfig(t)
	b := openCfg(t, cfg)
	commitSnapshot(t, b.Snapshots(), 5, snapData(5))
	sink, err := b.Snapshots().Create(6)
	if err != nil {
		t.Fatal(err)
	}
	defer sink.Abort()
	if _, err := sink.Write(snapData(6)); err != nil {
		t.Fatal(err)
	}
	crashed := cfg
	crashed.DataDir = t.TempDir()
	copyDir(t, cfg.DataDir, crashed.DataDir)
	dir := filepath.Join(crashed.DataDir, snapshotDirName)
	tmps, _ := filepath.Glob(filepath.Join(dir, "*"+tmpSuffix))
	if len(tmps) != 1 {
		t.Fatalf("temp files before reopen: %v", tmps)
	}
	logs := capture(&crashed)
	s := openCfg(t, crashed).Snapshots()
	if left, _ := filepath.Glob(filepath.Join(dir, "*"+tmpSuffix)); len(left) != 0 {
		t.Errorf("temp files after reopen: %v", left)
	}
	mustContain(t, "log", logs.String(), tmps[0])
	if meta, data := storagetest.ReadNewest(t, s); meta.Zxid != 5 || !bytes.Equal(data, snapData(5)) {
		t.Errorf("newest after reopen = %+v", meta)
	}
}

// TestSnapshotSequenceSurvivesReopen: among equal zxids the last committed
// is newest, across restarts too.
func TestSnapshotSequenceSurvivesReopen(t *testing.T) {
	cfg := testConfig(t)
	b := openCfg(t, cfg)
	commitSnapshot(t, b.Snapshots(), 7, []byte("first"))
	commitSnapshot(t, b.Snapshots(), 7, []byte("second"))
	b = reopen(t, b, cfg)
	commitSnapshot(t, b.Snapshots(), 7, []byte("third"))
	if _, data := storagetest.ReadNewest(t, b.Snapshots()); string(data) != "third" {
		t.Errorf("newest of three at one zxid = %q, want third", data)
	}
}

func TestOpenSnapshotFile(t *testing.T) {
	cfg := testConfig(t)
	s := openCfg(t, cfg).Snapshots()
	path := commitSnapshot(t, s, 0x100000007, snapData(7))
	zxid, r, err := OpenSnapshotFile(path)
	if err != nil {
		t.Fatal(err)
	}
	data, err := io.ReadAll(r)
	r.Close()
	if err != nil || zxid != 0x100000007 || !bytes.Equal(data, snapData(7)) {
		t.Fatalf("OpenSnapshotFile = %#x, %d bytes, %v", zxid, len(data), err)
	}
	for name, damage := range map[string]func(string){
		"flipped":   func(p string) { flip(t, p, 3) },
		"truncated": func(p string) { os.Truncate(p, fileSize(t, p)-10) },
		"short":     func(p string) { os.Truncate(p, 5) },
	} {
		copied := filepath.Join(t.TempDir(), filepath.Base(path))
		copyDir(t, filepath.Dir(path), filepath.Dir(copied))
		damage(copied)
		if _, _, err := OpenSnapshotFile(copied); !errors.Is(err, ErrCorrupt) || !strings.Contains(err.Error(), copied) {
			t.Errorf("%s: OpenSnapshotFile = %v, want ErrCorrupt naming the file", name, err)
		}
	}
}

// TestOpenChecksWhileReading: Open does not read a snapshot before handing
// it out, but its reader fails at the end, with ErrCorrupt, if the stream
// does not match the footer's CRC; a torn footer fails Open itself.
func TestOpenChecksWhileReading(t *testing.T) {
	s := openCfg(t, testConfig(t)).Snapshots()
	p := commitSnapshot(t, s, 10, snapData(10))
	flip(t, p, 500)
	r, err := s.Open(filepath.Base(p))
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	defer r.Close()
	if _, err := io.ReadAll(r); !errors.Is(err, ErrCorrupt) || !strings.Contains(err.Error(), "checksum") {
		t.Fatalf("reading a damaged snapshot: %v, want ErrCorrupt about the checksum", err)
	}
	if err := os.Truncate(p, fileSize(t, p)-1); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Open(filepath.Base(p)); !errors.Is(err, ErrCorrupt) || !strings.Contains(err.Error(), p) {
		t.Fatalf("Open with a torn footer: %v, want ErrCorrupt naming the file", err)
	}
}

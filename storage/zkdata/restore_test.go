package zkdata

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/warrenzk/warren/core/tree"
)

func treeBytes(t *testing.T, tr *tree.Tree) []byte {
	t.Helper()
	v, err := tr.BeginSnapshot()
	if err != nil {
		t.Fatal(err)
	}
	defer v.Close()
	var b bytes.Buffer
	if _, err := v.WriteTo(&b); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// copyDir copies the files of zk38's version-2 for which keep is true.
func copyDir(t *testing.T, keep func(name string) bool) string {
	t.Helper()
	src := filepath.Join(zk38, VersionDirName)
	dst := filepath.Join(t.TempDir(), VersionDirName)
	if err := os.Mkdir(dst, 0o755); err != nil {
		t.Fatal(err)
	}
	entries, err := os.ReadDir(src)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if !keep(e.Name()) {
			continue
		}
		b, err := os.ReadFile(filepath.Join(src, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dst, e.Name()), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dst
}

var restoreOpts = RestoreOptions{Tree: tree.Options{ExtendedTypes: true}}

func TestRestore(t *testing.T) {
	dir := filepath.Join(zk38, VersionDirName)
	var zxids []int64
	opts := restoreOpts
	opts.OnTxn = func(zxid int64) { zxids = append(zxids, zxid) }
	res, err := Restore(dir, dir, opts)
	if err != nil {
		t.Fatal(err)
	}
	if filepath.Base(res.Snapshot.Path) != "snapshot.2e" || res.Txns != 4 || len(zxids) != 4 || zxids[0] != 0x2f {
		t.Errorf("from %s, %d txns %x", res.Snapshot.Path, res.Txns, zxids)
	}
	if res.Tree.LastZxid() != 0x32 {
		t.Errorf("last zxid %#x", res.Tree.LastZxid())
	}
	// Both sessions closed at the end, and their ephemerals went with them.
	if len(res.Sessions) != 0 {
		t.Errorf("sessions %v", res.Sessions)
	}
	for _, p := range []string{"/app/eph", "/app/eph2", "/app/n00"} {
		if _, ok := res.Tree.Lookup(p); ok {
			t.Errorf("%s still there", p)
		}
	}
	for _, p := range []string{"/app/ttl", "/app/cont/child", "/app/m1", "/app/n29", "/app/seq-0000000000"} {
		if _, ok := res.Tree.Lookup(p); !ok {
			t.Errorf("%s missing", p)
		}
	}
	want := treeBytes(t, res.Tree)

	// Starting from any older snapshot and replaying more of the log gives
	// the same tree: ZooKeeper's snapshots are fuzzy, so replay must skip
	// what a snapshot already holds, as ZooKeeper does.
	for _, newest := range []string{"snapshot.1d", "snapshot.10", "snapshot.0"} {
		t.Run("from "+newest, func(t *testing.T) {
			dir := copyDir(t, func(name string) bool { return !strings.HasPrefix(name, "snapshot.") || name <= newest })
			res, err := Restore(dir, dir, restoreOpts)
			if err != nil {
				t.Fatal(err)
			}
			if filepath.Base(res.Snapshot.Path) != newest {
				t.Errorf("started from %s", res.Snapshot.Path)
			}
			if got := treeBytes(t, res.Tree); !bytes.Equal(got, want) {
				t.Error("tree differs from the one restored from the newest snapshot")
			}
		})
	}
}

func TestRestoreSkipsInvalidSnapshot(t *testing.T) {
	dir := copyDir(t, func(string) bool { return true })
	snap := filepath.Join(dir, "snapshot.2e")
	b, _ := os.ReadFile(snap)
	if err := os.WriteFile(snap, b[:len(b)/2], 0o644); err != nil {
		t.Fatal(err)
	}
	res, err := Restore(dir, dir, restoreOpts)
	if err != nil {
		t.Fatal(err)
	}
	if filepath.Base(res.Snapshot.Path) != "snapshot.1d" || len(res.Skipped) != 1 || !strings.Contains(res.Skipped[0], "snapshot.2e") {
		t.Errorf("from %s, skipped %v", res.Snapshot.Path, res.Skipped)
	}
	if res.Tree.LastZxid() != 0x32 {
		t.Errorf("last zxid %#x", res.Tree.LastZxid())
	}
}

func TestRestoreSeparateLogDir(t *testing.T) {
	snaps := copyDir(t, func(name string) bool { return strings.HasPrefix(name, "snapshot.") && name <= "snapshot.10" })
	logs := copyDir(t, func(name string) bool { return strings.HasPrefix(name, "log.") })
	res, err := Restore(snaps, logs, restoreOpts)
	if err != nil {
		t.Fatal(err)
	}
	if res.Tree.LastZxid() != 0x32 || res.Txns != 0x32-0x10 {
		t.Errorf("last zxid %#x after %d txns", res.Tree.LastZxid(), res.Txns)
	}
}

func TestRestoreRefuses(t *testing.T) {
	noSnap := copyDir(t, func(name string) bool { return strings.HasPrefix(name, "log.") })
	if _, err := Restore(noSnap, noSnap, restoreOpts); err == nil || !strings.Contains(err.Error(), "ZooKeeper refuses") {
		t.Errorf("logs without a snapshot: %v", err)
	}
	empty := copyDir(t, func(string) bool { return false })
	if _, err := Restore(empty, empty, restoreOpts); err == nil || !strings.Contains(err.Error(), "no ZooKeeper snapshot") {
		t.Errorf("empty dir: %v", err)
	}
	bad := copyDir(t, func(name string) bool { return name == "snapshot.2e" || strings.HasPrefix(name, "log.") })
	os.WriteFile(filepath.Join(bad, "snapshot.2e"), []byte("junk"), 0o644)
	if _, err := Restore(bad, bad, restoreOpts); err == nil || !strings.Contains(err.Error(), "none of the 1 ZooKeeper snapshots is valid") {
		t.Errorf("only an invalid snapshot: %v", err)
	}
	damaged := copyDir(t, func(string) bool { return true })
	log := filepath.Join(damaged, "log.30")
	b, _ := os.ReadFile(log)
	b[40] ^= 1 // inside the first record's txn
	os.WriteFile(log, b, 0o644)
	if _, err := Restore(damaged, damaged, restoreOpts); err == nil || !strings.Contains(err.Error(), "log.30: record at offset 16: checksum") {
		t.Errorf("damaged log: %v", err)
	}
}

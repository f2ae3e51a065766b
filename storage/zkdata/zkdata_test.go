package zkdata

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/warrenzk/warren/core/proto"
)

// testdata/zk38 is the dataDir of an Apache ZooKeeper 3.8 run with
// snapCount=20 and zookeeper.preAllocSize=4 (KiB): four snapshots, four
// log files with 0x32 txns of every kind, each file padded with zeros.
var zk38 = filepath.Join("testdata", "zk38")

func names(files []File) []string {
	var out []string
	for _, f := range files {
		out = append(out, filepath.Base(f.Path))
	}
	return out
}

func TestListDir(t *testing.T) {
	dir, err := VersionDir(zk38)
	if err != nil {
		t.Fatal(err)
	}
	if again, err := VersionDir(dir); err != nil || again != dir {
		t.Errorf("VersionDir(%s) = %s, %v", dir, again, err)
	}
	snaps, err := ListSnapshots(dir)
	if err != nil {
		t.Fatal(err)
	}
	if got := names(snaps); !slices.Equal(got, []string{"snapshot.2e", "snapshot.1d", "snapshot.10", "snapshot.0"}) {
		t.Errorf("snapshots %v", got)
	}
	logs, err := ListLogs(dir)
	if err != nil {
		t.Fatal(err)
	}
	if got := names(logs); !slices.Equal(got, []string{"log.1", "log.12", "log.1f", "log.30"}) {
		t.Errorf("logs %v", got)
	}
	for zxid, want := range map[int64][]string{
		0:    {"log.1", "log.12", "log.1f", "log.30"},
		0x12: {"log.1", "log.12", "log.1f", "log.30"}, // ZooKeeper also reads the file before
		0x13: {"log.12", "log.1f", "log.30"},
		0x2f: {"log.1f", "log.30"},
		0x99: {"log.30"},
	} {
		if got := names(LogsSince(logs, zxid)); !slices.Equal(got, want) {
			t.Errorf("LogsSince(%#x) = %v, want %v", zxid, got, want)
		}
	}
}

func TestListNames(t *testing.T) {
	dir := t.TempDir()
	for _, n := range []string{"snapshot.10", "snapshot.9.gz", "snapshot.a.snappy", "snapshot.zz", "snapshot",
		"snapshot.ffffffffffffffff", "log.5", "log.5.bak", "log.x", "other.1", "acceptedEpoch"} {
		if err := os.WriteFile(filepath.Join(dir, n), nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	os.Mkdir(filepath.Join(dir, "log.7"), 0o755)
	snaps, _ := ListSnapshots(dir)
	if got := names(snaps); !slices.Equal(got, []string{"snapshot.10", "snapshot.a.snappy", "snapshot.9.gz"}) {
		t.Errorf("snapshots %v", got)
	}
	logs, _ := ListLogs(dir)
	// ZooKeeper reads log.5.bak as log 5 too: only the second part counts.
	if got := names(logs); !slices.Equal(got, []string{"log.5", "log.5.bak"}) {
		t.Errorf("logs %v", got)
	}
	if _, err := VersionDir(dir); err == nil || !strings.Contains(err.Error(), "no version-2 folder") {
		t.Errorf("VersionDir of a folder without version-2: %v", err)
	}
	if _, err := VersionDir(filepath.Join(dir, "log.5")); err == nil {
		t.Error("VersionDir of a file: no error")
	}
}

func TestReadZooKeeperLogs(t *testing.T) {
	dir, _ := VersionDir(zk38)
	logs, _ := ListLogs(dir)
	it := ReadLogs(logs, 0)
	defer it.Close()
	var zxids []int64
	types := map[proto.Op]int{}
	for e, ok := it.Next(); ok; e, ok = it.Next() {
		zxids = append(zxids, e.Zxid)
		txn, err := DecodeTxn(e.Data)
		if err != nil {
			t.Fatalf("zxid %#x: %v", e.Zxid, err)
		}
		// ZooKeeper logs a digest after every txn but an error.
		if txn.Header.Zxid != e.Zxid || (txn.Digest == nil) != (txn.Header.Type == proto.OpError) {
			t.Errorf("zxid %#x: header %+v, digest %v", e.Zxid, txn.Header, txn.Digest)
		}
		if name, off := it.File(); name == "" || off < 16 {
			t.Errorf("zxid %#x: File() = %s, %d", e.Zxid, name, off)
		}
		types[txn.Header.Type]++
	}
	if err := it.Err(); err != nil {
		t.Fatal(err)
	}
	if len(zxids) != 0x32 || zxids[0] != 1 || zxids[len(zxids)-1] != 0x32 {
		t.Errorf("zxids %v", zxids)
	}
	for _, op := range []proto.Op{proto.OpCreateSession, proto.OpCloseSession, proto.OpCreate, proto.OpCreateContainer,
		proto.OpCreateTTL, proto.OpSetData, proto.OpSetACL, proto.OpDelete, proto.OpMulti, proto.OpError} {
		if types[op] == 0 {
			t.Errorf("no %s txn in testdata", op)
		}
	}
	if torn := it.Torn(); len(torn) != 0 {
		t.Errorf("torn: %v", torn)
	}

	it = ReadLogs(logs, 0x2f)
	defer it.Close()
	if e, ok := it.Next(); !ok || e.Zxid != 0x2f {
		t.Errorf("from 0x2f: first %#x %v", e.Zxid, ok)
	}
}

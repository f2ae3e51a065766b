package main

import (
	"fmt"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/go-zookeeper/zk"
)

// The tests here follow docs/operations.md's "Backup and restore" step by
// step, with cp -a standing for the operator's copy.

// storeYAML configures a node whose log has a directory of its own, as
// operations.md recommends, and which snapshots often.
func storeYAML(backend, dir string) string {
	return fmt.Sprintf("server: {data_log_dir: %q, snap_count: 50}\nstorage: {backend: %s}\n",
		filepath.Join(dir, "txnlog"), backend)
}

func copyTree(t *testing.T, from, to string) {
	t.Helper()
	if out, err := exec.Command("cp", "-a", from, to).CombinedOutput(); err != nil {
		t.Fatalf("cp -a %s %s: %v\n%s", from, to, err, out)
	}
}

// mustRunTool runs a warren tool and fails the test unless it exits 0 and
// prints want.
func mustRunTool(t *testing.T, want string, args ...string) {
	t.Helper()
	out, errOut, code := runTool(t, args...)
	if code != 0 || !strings.Contains(out, want) {
		t.Fatalf("warren %s: exit %d, no %q in its output\nstderr: %s", strings.Join(args, " "), code, want, errOut)
	}
}

// TestBackupColdRestore: stop the node, copy its data dir and log dir, check
// the copy with the dump tools, restore it elsewhere and start a node on it:
// the node serves every znode, stat and ACL the original served.
func TestBackupColdRestore(t *testing.T) {
	for _, backend := range []string{"wal", "badger"} {
		t.Run(backend, func(t *testing.T) {
			dir := t.TempDir()
			n := startWarrenIn(t, storeYAML(backend, dir), dir)
			c := connectZK(t, n.Addr, 10*time.Second)
			acl := zk.WorldACL(zk.PermAll)
			if _, err := c.Create("/app", nil, 0, acl); err != nil {
				t.Fatal(err)
			}
			for i := range 120 {
				p := fmt.Sprintf("/app/k%03d", i)
				if _, err := c.Create(p, []byte(p), 0, acl); err != nil {
					t.Fatal(err)
				}
				if i%3 == 0 {
					if _, err := c.Set(p, []byte("again"), -1); err != nil {
						t.Fatal(err)
					}
				}
				if i%7 == 0 {
					if err := c.Delete(p, -1); err != nil {
						t.Fatal(err)
					}
				}
			}
			c.Close()
			want := readAll(t, n.Addr)
			if err := n.Stop(); err != nil {
				t.Fatalf("SIGTERM: %v", err)
			}

			backup := t.TempDir()
			copyTree(t, filepath.Join(dir, "data"), filepath.Join(backup, "data"))
			copyTree(t, filepath.Join(dir, "txnlog"), filepath.Join(backup, "txnlog"))
			switch backend {
			case "wal":
				mustRunTool(t, "EOF reached after", "log", "dump", filepath.Join(backup, "txnlog"))
				mustRunTool(t, "Last zxid:", "snapshot", "dump", newestSnapshot(t, filepath.Join(backup, "data", "snapshots")))
			case "badger":
				mustRunTool(t, "EOF reached after", "log", "dump", "--backend", "badger",
					"--data-dir", filepath.Join(backup, "data"), "--data-log-dir", filepath.Join(backup, "txnlog"))
				mustRunTool(t, "Last zxid:", "snapshot", "dump", "--backend", "badger", "--data-dir", filepath.Join(backup, "data"))
			}

			restored := startWarrenIn(t, storeYAML(backend, backup), backup)
			if got := readAll(t, restored.Addr); !reflect.DeepEqual(got, want) {
				t.Errorf("the restored node serves %d znodes, the original %d; first difference: %s",
					len(got), len(want), firstDifference(got, want))
			}
		})
	}
}

// TestBackupHotSnapshot: copy the newest snapshot file of a running wal
// node into an empty data dir and start a node on it: the tree is the one
// at the snapshot's zxid, and the writes after it are not there.
func TestBackupHotSnapshot(t *testing.T) {
	dir := t.TempDir()
	n := startWarrenIn(t, storeYAML("wal", dir), dir)
	c := connectZK(t, n.Addr, 10*time.Second)
	const total = 200
	for i := range total {
		p := fmt.Sprintf("/k%03d", i)
		if _, err := c.Create(p, []byte(p), 0, zk.WorldACL(zk.PermAll)); err != nil {
			t.Fatal(err)
		}
	}
	// Snapshots are written in the background: wait for the first.
	snaps := filepath.Join(dir, "data", "snapshots")
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if names, _ := filepath.Glob(filepath.Join(snaps, "snapshot.*.*[0-9]")); len(names) > 0 {
			break
		}
	}
	snap := newestSnapshot(t, snaps)
	backup := t.TempDir()
	if err := os.MkdirAll(filepath.Join(backup, "data", "snapshots"), 0o750); err != nil {
		t.Fatal(err)
	}
	copyTree(t, snap, filepath.Join(backup, "data", "snapshots"))
	zxid, err := strconv.ParseInt(strings.Split(filepath.Base(snap), ".")[1], 16, 64)
	if err != nil {
		t.Fatal(err)
	}

	restored := startWarrenIn(t, "", backup)
	out, err := fourLetter(restored.Addr, "srvr", 10*time.Second)
	if err != nil || !strings.Contains(out, fmt.Sprintf("Zxid: %#x\n", zxid)) {
		t.Fatalf("srvr of the restored node, want zxid %#x: %v\n%s", zxid, err, out)
	}
	// The creates got zxids 2, 3, ... (1 is the session's): the snapshot
	// holds a prefix of them.
	rc := connectZK(t, restored.Addr, 10*time.Second)
	kids, _, err := rc.Children("/")
	if err != nil {
		t.Fatal(err)
	}
	kids = slices.DeleteFunc(kids, func(k string) bool { return k == "zookeeper" })
	slices.Sort(kids)
	if len(kids) == 0 || len(kids) >= total || int64(len(kids)) != zxid-1 {
		t.Fatalf("restored %d znodes from the snapshot at %#x, want %d of %d", len(kids), zxid, zxid-1, total)
	}
	for i, k := range kids {
		data, _, err := rc.Get("/" + k)
		if want := fmt.Sprintf("/k%03d", i); err != nil || "/"+k != want || string(data) != want {
			t.Fatalf("restored znode %d: /%s = %q, %v; want %s", i, k, data, err, want)
		}
	}
}

// newestSnapshot is the snapshot a node would start from: the highest zxid,
// then the highest sequence number. Files still being written (.tmp) are
// not snapshots yet.
func newestSnapshot(t *testing.T, dir string) string {
	t.Helper()
	var best string
	var bestKey [2]int64
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		f := strings.Split(e.Name(), ".") // snapshot.<zxid>.<seq>
		if len(f) != 3 || f[0] != "snapshot" {
			continue
		}
		zxid, err1 := strconv.ParseInt(f[1], 16, 64)
		seq, err2 := strconv.ParseInt(f[2], 10, 64)
		if key := [2]int64{zxid, seq}; err1 == nil && err2 == nil && (best == "" || slices.Compare(key[:], bestKey[:]) > 0) {
			best, bestKey = e.Name(), key
		}
	}
	if best == "" {
		t.Fatalf("no snapshot in %s", dir)
	}
	return filepath.Join(dir, best)
}

// readAll reads every znode a node serves, with its stat and ACL.
func readAll(t *testing.T, addr string) map[string]impNode {
	t.Helper()
	c := connectZK(t, addr, 10*time.Second)
	defer c.Close()
	nodes, err := walkServer(c)
	if err != nil {
		t.Fatal(err)
	}
	return nodes
}

func firstDifference(got, want map[string]impNode) string {
	for _, p := range slices.Sorted(maps.Keys(want)) {
		if g, ok := got[p]; !ok || !reflect.DeepEqual(g, want[p]) {
			return fmt.Sprintf("%s: got %+v, want %+v", p, g, want[p])
		}
	}
	return "a znode the original did not have"
}

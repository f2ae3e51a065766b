package server

import (
	"fmt"
	"runtime"
	"strconv"
	"testing"
	"time"

	"github.com/go-zookeeper/zk"

	"github.com/warrenzk/warren/storage/memory"
)

// lastSnapshot runs last_snapshot and returns its zxid and timestamp.
func lastSnapshot(t *testing.T, s *Server) (string, int64) {
	t.Helper()
	m, err := s.AdminCommand("last_snapshot")
	if err != nil {
		t.Fatal(err)
	}
	return m["zxid"].(string), m["timestamp"].(int64)
}

// TestAdminLastSnapshot checks last_snapshot before any snapshot, after one
// is written, and after a restart from it, as ZooKeeper's FileSnap reports
// them: the zxid in hex without 0x, the time in seconds, -1 for none.
func TestAdminLastSnapshot(t *testing.T) {
	store := memory.NewBackend()
	small := func(c *Config) { c.SnapCount = 10 }
	n := startNodeOn(t, store, small)
	if zxid, ts := lastSnapshot(t, n.srv); zxid != "ffffffffffffffff" || ts != -1 {
		t.Fatalf("before any snapshot: zxid %s, timestamp %d", zxid, ts)
	}
	c, _ := n.client(t, time.Second)
	for i := range 20 {
		if _, err := c.Create(fmt.Sprintf("/n%d", i), nil, 0, zk.WorldACL(zk.PermAll)); err != nil {
			t.Fatal(err)
		}
	}
	waitFor(t, func() bool { return n.srv.snaps.written.Load() > 0 && !n.srv.snaps.running.Load() }, "a snapshot")
	n.stop() // no snapshot starts after this
	zxid, ts := lastSnapshot(t, n.srv)
	if now := time.Now().Unix(); ts < now-60 || ts > now+1 {
		t.Errorf("timestamp %d, now %d", ts, now)
	}

	list, err := store.Snapshots().List()
	if err != nil || len(list) == 0 {
		t.Fatalf("snapshots: %v, %v", list, err)
	}
	if want := strconv.FormatInt(list[0].Zxid, 16); zxid != want {
		t.Errorf("last_snapshot zxid %s, newest snapshot %s", zxid, want)
	}
	restarted := startNodeOn(t, store.Durable()) // no snapshot when its client connects
	restarted.client(t, time.Second)             // Serve is running before the test stops the node
	if got, _ := lastSnapshot(t, restarted.srv); got != zxid {
		t.Errorf("after restart: zxid %s, want the snapshot loaded, %s", got, zxid)
	}
}

func TestAdminSystemProperties(t *testing.T) {
	n := startNode(t)
	n.client(t, time.Second) // Serve is running before the test stops the node
	m, err := n.srv.AdminCommand("system_properties")
	if err != nil {
		t.Fatal(err)
	}
	for k, want := range map[string]string{"go.version": runtime.Version(), "os.name": runtime.GOOS, "file.separator": "/", "line.separator": "\n"} {
		if m[k] != want {
			t.Errorf("%s = %v, want %q", k, m[k], want)
		}
	}
	for k, v := range m {
		if _, ok := v.(string); !ok {
			t.Errorf("%s = %v (%T), want a string as Java's properties", k, v, v)
		}
	}
}

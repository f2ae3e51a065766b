package server

import (
	"errors"
	"fmt"
	"io"
	"testing"
	"time"

	"github.com/go-zookeeper/zk"

	"github.com/warrenzk/warren/core/snapshot"
	"github.com/warrenzk/warren/core/tree"
)

// A snapshot cut short by shutdown is told apart from a failed one (it is
// logged at INFO, not ERROR): the writer's error survives the layers of
// snapshot.Write and the tree's WriteTo.
func TestSnapshotCutShortByShutdown(t *testing.T) {
	tr := tree.New(tree.Options{})
	v, err := tr.BeginSnapshot()
	if err != nil {
		t.Fatal(err)
	}
	defer v.Close()
	quit := make(chan struct{})
	close(quit)
	err = snapshot.Write(&countingWriter{w: io.Discard, quit: quit}, nil, v)
	if !errors.Is(err, errShuttingDown) {
		t.Fatalf("snapshot.Write on a stopping server: %v, want errShuttingDown", err)
	}
}

// A snapshot that falls due while one is being written is skipped and the
// count starts again, as in ZooKeeper's SyncRequestProcessor ("Too busy
// to snap, skipping"): a node does not write snapshots back to back.
func TestSnapshotSkippedWhileOneIsWritten(t *testing.T) {
	n := startNode(t, func(c *Config) { c.SnapCount = 10 })
	n.srv.snaps.running.Store(true) // as if a snapshot were being written
	c, _ := n.client(t, time.Second)
	create := func(prefix string) {
		for i := range 20 {
			if _, err := c.Create(fmt.Sprintf("/%s%d", prefix, i), nil, 0, zk.WorldACL(zk.PermAll)); err != nil {
				t.Fatal(err)
			}
		}
	}
	create("a") // 21 txns with the session's, one at a time: due every 5-9
	m := n.srv.Metrics()
	if m.SnapshotsSkipped < 2 || m.SnapshotsSkipped > 4 || m.SnapshotsWritten != 0 {
		// More than 4: the count did not start again at each skip.
		t.Fatalf("while a snapshot is written: %d skipped, %d written; want 2-4 skipped, none written", m.SnapshotsSkipped, m.SnapshotsWritten)
	}
	n.srv.snaps.running.Store(false)
	create("b")
	waitFor(t, func() bool { return n.srv.snaps.written.Load() > 0 }, "a snapshot")
}

// With a log fraction, a snapshot waits for both snapCount's txns and
// that fraction of the last snapshot's bytes in the log.
func TestSnapshotWaitsForLogFraction(t *testing.T) {
	var sn snapshotter
	sn.init(10, 0.5)
	sn.lastSize.Store(1000)
	for _, c := range []struct {
		txns  int
		bytes int64
		due   bool
	}{
		{4, 10000, false}, // snapCount/2 at least, whatever the bytes
		{20, 499, false},  // not half of the last snapshot's 1000 bytes
		{20, 500, true},
		{10, 500, true},
	} {
		sn.since, sn.sinceBytes = c.txns, c.bytes
		if got := sn.due(); got != c.due {
			t.Errorf("%d txns, %d bytes logged: due %v, want %v", c.txns, c.bytes, got, c.due)
		}
	}
	sn.init(10, 0) // ZooKeeper's rule: the txn count alone
	sn.since, sn.sinceBytes = 10, 0
	if !sn.due() {
		t.Error("without a log fraction, 10 txns of snapCount 10 are not due")
	}
}

package server

import (
	"fmt"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/go-zookeeper/zk"

	"github.com/warrenzk/warren/auth"
	"github.com/warrenzk/warren/storage/memory"
)

// TestRecoverFallsBackToAnOlderSnapshot: when the newest snapshot does not
// read (here a damaged stream labelled with a later zxid), the node logs
// it, loads the next older one and replays the log from there, ending with
// the same tree; when no snapshot reads and the log no longer reaches back,
// it refuses to start and says why.
func TestRecoverFallsBackToAnOlderSnapshot(t *testing.T) {
	store := memory.NewBackend()
	n := startNodeOn(t, store, func(c *Config) { c.SnapCount = 40 })
	c, _ := n.client(t, time.Second)
	acl := zk.WorldACL(zk.PermAll)
	if _, err := c.Create("/r", nil, 0, acl); err != nil {
		t.Fatal(err)
	}
	for i := range 100 {
		if _, err := c.Create(fmt.Sprintf("/r/n%d", i), []byte{byte(i)}, 0, acl); err != nil {
			t.Fatal(err)
		}
	}
	waitFor(t, func() bool { return n.srv.snaps.written.Load() > 0 && !n.srv.snaps.running.Load() }, "a snapshot")
	want := readTree(t, c, "/r")
	wantZxid := n.srv.tree.LastZxid()
	n.stop()

	sink, err := store.Snapshots().Create(wantZxid)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := sink.Write([]byte("ZKSN but not a snapshot")); err != nil {
		t.Fatal(err)
	}
	if err := sink.Commit(); err != nil {
		t.Fatal(err)
	}
	restarted := startNodeOn(t, store.Durable())
	if got := restarted.srv.tree.LastZxid(); got != wantZxid {
		t.Fatalf("last zxid after restart %#x, want %#x", got, wantZxid)
	}
	c2, _ := restarted.client(t, time.Second)
	sameTree(t, "after falling back", readTree(t, c2, "/r"), want)
	restarted.stop()

	// Without the log's beginning, the damaged snapshot is named.
	durable := store.Durable()
	if err := durable.Log().PurgeBefore(wantZxid); err != nil {
		t.Fatal(err)
	}
	list, _ := durable.Snapshots().List()
	if err := durable.Snapshots().Purge(1); err != nil || len(list) < 2 {
		t.Fatalf("purge %d snapshots: %v", len(list), err)
	}
	_, err = New(Config{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}, durable, &auth.Checker{})
	if err == nil || !strings.Contains(err.Error(), list[0].ID) || !strings.Contains(err.Error(), "purged") {
		t.Fatalf("New with only a damaged snapshot and a purged log: %v", err)
	}
}

package server

import (
	"testing"
	"time"

	"github.com/go-zookeeper/zk"
)

// TestWatchEventNeedsRead checks the fix of CVE-2024-23944: a session that
// may not READ a znode gets no event about it, even from a watch it was
// allowed to set (exists needs no permission), and its one-shot watch is
// used up, as in ZooKeeper.
func TestWatchEventNeedsRead(t *testing.T) {
	n := startNode(t)
	owner, _ := n.client(t, time.Second)
	stranger, _ := n.client(t, time.Second)
	if err := owner.AddAuth("digest", []byte("owner:pw")); err != nil {
		t.Fatal(err)
	}
	if _, err := owner.Create("/open", nil, 0, zk.WorldACL(zk.PermAll)); err != nil {
		t.Fatal(err)
	}
	_, _, strangerEv, err := stranger.ExistsW("/open/secret")
	if err != nil {
		t.Fatal(err)
	}
	_, _, ownerEv, err := owner.ExistsW("/open/secret")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := owner.Create("/open/secret", []byte("s"), 0, zk.DigestACL(zk.PermAll, "owner", "pw")); err != nil {
		t.Fatal(err)
	}
	select {
	case ev := <-ownerEv:
		if ev.Type != zk.EventNodeCreated {
			t.Fatalf("owner got %+v, want NodeCreated", ev)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the owner, who may read /open/secret, got no event")
	}
	// A reply the stranger asks for after the create was applied comes
	// after any event queued for it.
	if _, _, err := stranger.Exists("/open"); err != nil {
		t.Fatal(err)
	}
	select {
	case ev := <-strangerEv:
		t.Fatalf("a session without READ got %+v", ev)
	case <-time.After(100 * time.Millisecond):
	}
	if got := n.srv.watches.Count(); got != 0 {
		t.Fatalf("%d watches left: the filtered one-shot watch should be used up", got)
	}
}

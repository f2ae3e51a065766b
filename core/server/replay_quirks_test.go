package server

import (
	"testing"

	"github.com/warrenzk/warren/core/proto"
)

// replayQuirk pins, for one capture, each place where Warren's answer may
// legitimately differ from what ZooKeeper 3.8 sent, and the state the
// capture server was in when the capture began.
type replayQuirk struct {
	// prestate is what earlier scenarios had left in the capture server's
	// tree. The scenarios ran one after another against one server, so
	// root's cversion and child count, and the sequence numbers of
	// sequential children of "/", carry their history.
	prestate prestate

	// warrenOnly are frames Warren sends where ZooKeeper 3.8 sends none,
	// each read before the recorded frame at its seq on its connection.
	warrenOnly []warrenOnlyEvent

	// foreignZxids: before the reply recorded at this seq, the capture
	// server committed this many txns that belong to no connection of the
	// capture (sessions of earlier scenarios expiring); Warren, replaying
	// the capture alone, does not.
	foreignZxids map[int]int64

	// awaitGone: before the line at this seq, the capture's client sat
	// idle long enough for the reaper to remove these paths, which no
	// watch reports; wait (bounded) until Warren's reaper has too.
	awaitGone map[int][]string
}

// prestate is a tree shape to recreate before the replay starts.
type prestate struct {
	nodes        []string // persistent znodes, parents first
	rootCversion int32    // root's cversion as a Stat shows it (creates + deletes of children); 0 = leave it
}

// warrenOnlyEvent is a watch notification only Warren sends.
type warrenOnlyEvent struct {
	beforeSeq int
	conn      int
	event     proto.WatcherEvent
	why       string
}

// zk4466 is why Warren sends events ZooKeeper 3.8 drops: 3.8 keeps one
// watch mode per path and connection, the last registered, so a one-shot
// watch replaces a persistent one (and a recursive one replaces both);
// Warren lets them coexist as ZooKeeper 3.9 does (ZOOKEEPER-4466,
// docs/compatibility.md).
const zk4466 = "3.8 keeps one watch mode per path and connection; Warren keeps all, as 3.9 does (ZOOKEEPER-4466)"

// crudLeftovers is what java-crud leaves: /crud could not be deleted
// (NotEmpty) and keeps its persistent-sequential child, a container that
// never had children (so it is never reaped) and a TTL node (60 s).
var crudLeftovers = []string{"/crud", "/crud/seq-0000000000", "/crud/container", "/crud/ttl"}

var replayQuirks = map[string]replayQuirk{
	// getACL "/" (seq 5) sees /crud from java-crud and a cversion of 2:
	// java-crud created /crud, java-watch created and deleted /w.
	"java-acl": {prestate: prestate{nodes: crudLeftovers[:1], rootCversion: 2}},

	// getAllChildrenNumber "/" (seq 17) counts java-crud's leftovers.
	"java-ephemerals": {prestate: prestate{nodes: crudLeftovers}},

	"java-pwatch": {warrenOnly: []warrenOnlyEvent{
		// getData /pw with a watch (seq 15) turned the persistent watch
		// of seq 11 into a one-shot data watch, used up by seq 17's
		// setData: 3.8 stays silent on the setData of seq 20 and 40.
		{beforeSeq: 23, conn: 1, event: proto.WatcherEvent{Type: proto.EventNodeDataChanged, State: proto.StateSyncConnected, Path: "/pw"}, why: zk4466},
		{beforeSeq: 47, conn: 1, event: proto.WatcherEvent{Type: proto.EventNodeDataChanged, State: proto.StateSyncConnected, Path: "/pw"}, why: zk4466},
	}},

	"java-ttl": {
		// /ttlseq- gets suffix 9 (seq 7): root's children had been
		// created 8 times before /ttl1; with /zookeeper and /crud left,
		// that is a Stat cversion of 2×8-2.
		prestate: prestate{nodes: crudLeftovers[:1], rootCversion: 14},
		// java-acl's third session (AuthFailed at 17:39:28.5, timeout
		// 10 s) expired on the capture server while this capture waited
		// for the reaper: 0x52..0x55 holds three reaped nodes and that
		// closeSession.
		foreignZxids: map[int]int64{21: 1},
		// The client pinged 1.3 s after the events (seq 20); by then the
		// unwatched /ttlseq-0000000009 was reaped too, as the ping's zxid
		// shows.
		awaitGone: map[int][]string{20: {"/ttlseq-0000000009"}},
	},

	"java-reconnect": {warrenOnly: []warrenOnlyEvent{
		// setWatches2 (seq 24) re-registers a child watch, a persistent
		// and a recursive watch on /rc: 3.8 keeps only the recursive
		// one, which never reports NodeChildrenChanged.
		{beforeSeq: 35, conn: 2, event: proto.WatcherEvent{Type: proto.EventNodeChildrenChanged, State: proto.StateSyncConnected, Path: "/rc"}, why: zk4466},
		{beforeSeq: 38, conn: 2, event: proto.WatcherEvent{Type: proto.EventNodeChildrenChanged, State: proto.StateSyncConnected, Path: "/rc"}, why: zk4466},
		{beforeSeq: 39, conn: 2, event: proto.WatcherEvent{Type: proto.EventNodeChildrenChanged, State: proto.StateSyncConnected, Path: "/rc"}, why: zk4466},
	}},

	// exists "" (seq 13) shows root with 3 children and cversion 25.
	"raw-badinput": {prestate: prestate{nodes: []string{"/crud", "/leftover"}, rootCversion: 25}},

	// exists "/" (seq 24) shows root with 5 children and cversion 27,
	// one child and one cversion from this capture's create (seq 4).
	"raw-session": {prestate: prestate{nodes: []string{"/crud", "/leftover", "/leftover2"}, rootCversion: 26}},
}

// seedPrestate recreates p on a fresh node through a client session of
// its own, before the replay begins.
func seedPrestate(t *testing.T, n *testNode, p prestate) {
	t.Helper()
	if len(p.nodes) == 0 && p.rootCversion == 0 {
		return
	}
	c := dialRaw(t, n.addr)
	c.connect(t, 0, nil, 10000)
	do := func(op proto.Op, body proto.Record) {
		t.Helper()
		c.writeFrame(t, c.request(op, body))
		if h, _ := c.reply(t); h.Err != proto.ErrOK {
			t.Fatalf("seed %v: %v", op, h.Err)
		}
	}
	for _, path := range p.nodes {
		do(proto.OpCreate, &proto.CreateRequest{Path: path, ACL: proto.OpenACLUnsafe})
	}
	if p.rootCversion != 0 {
		root, err := n.srv.tree.Exists("/", nil)
		if err != nil {
			t.Fatal(err)
		}
		gap := p.rootCversion - root.Cversion
		if gap < 0 || gap%2 != 0 {
			t.Fatalf("seed: root cversion %d cannot reach %d by create+delete pairs", root.Cversion, p.rootCversion)
		}
		for ; gap > 0; gap -= 2 {
			do(proto.OpCreate, &proto.CreateRequest{Path: "/replay-seed", ACL: proto.OpenACLUnsafe})
			do(proto.OpDelete, &proto.DeleteRequest{Path: "/replay-seed", Version: -1})
		}
	}
	do(proto.OpCloseSession, nil)
}

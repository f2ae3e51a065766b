package server

import (
	"errors"
	"testing"

	"github.com/warrenzk/warren/core/proto"
	"github.com/warrenzk/warren/core/tree"
)

// TestMultiCreateResultsAreCreate2 checks the result types of a multi's
// creates: ZooKeeper reports create2, createContainer and createTTL alike
// as create2 (OpResult.CreateResult(path, stat)), plain create as create.
func TestMultiCreateResultsAreCreate2(t *testing.T) {
	n := startNode(t)
	r := dialRaw(t, n.addr)
	r.connect(t, 0, nil, 4000)
	acl := proto.OpenACLUnsafe
	m := &proto.MultiRequest{Ops: []proto.MultiOp{
		{Type: proto.OpCreate, Record: &proto.CreateRequest{Path: "/a", ACL: acl}},
		{Type: proto.OpCreate2, Record: &proto.CreateRequest{Path: "/b", ACL: acl}},
		{Type: proto.OpCreateContainer, Record: &proto.CreateRequest{Path: "/c", ACL: acl, Flags: proto.ModeContainer}},
		{Type: proto.OpCreateTTL, Record: &proto.CreateTTLRequest{Path: "/d", ACL: acl, Flags: proto.ModePersistentWithTTL, TTL: 60000}},
	}}
	r.writeFrame(t, r.request(proto.OpMulti, m))
	h, d := r.reply(t)
	if h.Err != proto.ErrOK {
		t.Fatalf("multi: %v", h.Err)
	}
	var resp proto.MultiResponse
	resp.Decode(d)
	if d.Err() != nil {
		t.Fatal(d.Err())
	}
	want := []proto.Op{proto.OpCreate, proto.OpCreate2, proto.OpCreate2, proto.OpCreate2}
	if len(resp.Results) != len(want) {
		t.Fatalf("%d results, want %d", len(resp.Results), len(want))
	}
	for i, res := range resp.Results {
		if res.Type != want[i] {
			t.Errorf("result %d has type %d, want %d", i, res.Type, want[i])
		}
	}
}

// TestMultiZooKeeperCannotRead: a multi (14) holding a read, an op type
// that may not appear in a multi, or a body cut short fails as a whole with
// MarshallingError, runs none of its ops, and takes a zxid of its own, as
// ZooKeeper's error txn does.
func TestMultiZooKeeperCannotRead(t *testing.T) {
	n := startNode(t)
	r := dialRaw(t, n.addr)
	r.connect(t, 0, nil, 4000)
	acl := proto.OpenACLUnsafe
	create := proto.MultiOp{Type: proto.OpCreate, Record: &proto.CreateRequest{Path: "/never", ACL: acl}}
	truncated := r.request(proto.OpMulti, &proto.MultiRequest{Ops: []proto.MultiOp{create}})
	for _, tc := range []struct {
		name  string
		frame []byte
	}{
		{"create and getData", r.request(proto.OpMulti, &proto.MultiRequest{Ops: []proto.MultiOp{
			create, {Type: proto.OpGetData, Record: &proto.GetDataRequest{Path: "/"}}}})},
		{"getChildren only", r.request(proto.OpMulti, &proto.MultiRequest{Ops: []proto.MultiOp{
			{Type: proto.OpGetChildren, Record: &proto.GetChildrenRequest{Path: "/"}}}})},
		{"exists", r.request(proto.OpMulti, &proto.MultiRequest{Ops: []proto.MultiOp{
			create, {Type: proto.OpExists, Record: &proto.ExistsRequest{Path: "/"}}}})},
		{"truncated", truncated[:len(truncated)-5]},
	} {
		before := n.srv.tree.LastZxid()
		r.writeFrame(t, tc.frame)
		h, d := r.reply(t)
		if h.Err != proto.ErrMarshallingError || d.Remaining() != 0 {
			t.Errorf("%s: err %v with %d body bytes, want MarshallingError and no body", tc.name, h.Err, d.Remaining())
		}
		if h.Zxid != before+1 {
			t.Errorf("%s: reply zxid %#x, want the next zxid %#x", tc.name, h.Zxid, before+1)
		}
	}
	if _, err := n.srv.tree.Exists("/never", nil); !errors.Is(err, proto.ErrNoNode) {
		t.Errorf("a refused multi ran its create: %v", err)
	}
}

// TestMultiCreateTypeFollowsMode: inside a multi the create mode, not the
// opcode, decides what a create makes, as ZooKeeper's Op.Create does.
func TestMultiCreateTypeFollowsMode(t *testing.T) {
	n := startNode(t)
	r := dialRaw(t, n.addr)
	r.connect(t, 0, nil, 4000)
	acl := proto.OpenACLUnsafe
	for _, tc := range []struct {
		op      proto.MultiOp
		result  proto.Op
		owner   int64
		refused bool
	}{
		{op: proto.MultiOp{Type: proto.OpCreate, Record: &proto.CreateRequest{Path: "/c1", ACL: acl, Flags: proto.ModeContainer}},
			result: proto.OpCreate2, owner: tree.ContainerOwner},
		{op: proto.MultiOp{Type: proto.OpCreateContainer, Record: &proto.CreateRequest{Path: "/c19", ACL: acl}},
			result: proto.OpCreate2, owner: tree.ContainerOwner},
		{op: proto.MultiOp{Type: proto.OpCreateTTL, Record: &proto.CreateTTLRequest{Path: "/t0", ACL: acl, TTL: 1000}},
			result: proto.OpCreate},
		{op: proto.MultiOp{Type: proto.OpCreateTTL, Record: &proto.CreateTTLRequest{Path: "/t4", ACL: acl, Flags: proto.ModeContainer, TTL: 1000}},
			result: proto.OpCreate2, owner: tree.ContainerOwner},
		{op: proto.MultiOp{Type: proto.OpCreate2, Record: &proto.CreateRequest{Path: "/ttl", ACL: acl, Flags: proto.ModePersistentWithTTL}},
			refused: true},
		{op: proto.MultiOp{Type: proto.OpCreate, Record: &proto.CreateRequest{Path: "/bad", ACL: acl, Flags: 99}},
			refused: true},
	} {
		path := opPath(tc.op.Record)
		r.writeFrame(t, r.request(proto.OpMulti, &proto.MultiRequest{Ops: []proto.MultiOp{tc.op}}))
		h, d := r.reply(t)
		if tc.refused {
			if h.Err != proto.ErrMarshallingError {
				t.Errorf("%s: err %v, want MarshallingError", path, h.Err)
			}
			continue
		}
		var resp proto.MultiResponse
		resp.Decode(d)
		if h.Err != proto.ErrOK || d.Err() != nil || len(resp.Results) != 1 || resp.Results[0].Type != tc.result {
			t.Errorf("%s: err %v, decode %v, results %+v; want one of type %v", path, h.Err, d.Err(), resp.Results, tc.result)
			continue
		}
		if node, ok := n.srv.tree.Lookup(path); !ok || node.Stat.EphemeralOwner != tc.owner {
			t.Errorf("%s: node %v, want ephemeral owner %#x", path, ok, tc.owner)
		}
	}
}

// TestMultiReadSetsNoWatch: a multiRead's reads leave no watch, whatever
// their watch flags say, as in ZooKeeper.
func TestMultiReadSetsNoWatch(t *testing.T) {
	n := startNode(t)
	r := dialRaw(t, n.addr)
	r.connect(t, 0, nil, 4000)
	r.writeFrame(t, r.request(proto.OpMultiRead, &proto.MultiRequest{Ops: []proto.MultiOp{
		{Type: proto.OpGetData, Record: &proto.GetDataRequest{Path: "/", Watch: true}},
		{Type: proto.OpGetChildren, Record: &proto.GetChildrenRequest{Path: "/", Watch: true}},
	}}))
	if h, _ := r.reply(t); h.Err != proto.ErrOK {
		t.Fatalf("multiRead: %v", h.Err)
	}
	if got := n.srv.watches.Count(); got != 0 {
		t.Errorf("%d watches after a multiRead, want 0", got)
	}
}

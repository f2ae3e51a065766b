package server

import (
	"errors"
	"testing"

	"github.com/warrenzk/warren/core/proto"
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

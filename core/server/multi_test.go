package server

import (
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

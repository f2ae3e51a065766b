package server

import (
	"testing"

	"github.com/warrenzk/warren/core/proto"
)

// replyCap claims to be exact for the common replies; a wrong constant
// would only cost an extra allocation, so it is pinned here instead.
func TestReplyCapIsExact(t *testing.T) {
	for _, body := range []proto.Record{
		nil,
		&proto.GetDataResponse{Data: make([]byte, 100)},
		&proto.SetDataResponse{},
		&proto.ExistsResponse{},
		&proto.SetACLResponse{},
		&proto.CreateResponse{Path: "/a/b"},
		&proto.Create2Response{Path: "/a/b"},
	} {
		frame := encodeReply(1, 2, proto.ErrOK, body)
		if len(frame) != cap(frame) {
			t.Errorf("%T: reply is %d bytes, replyCap said %d", body, len(frame), cap(frame))
		}
	}
	if frame := encodeReply(1, 2, proto.ErrNoNode, &proto.GetDataResponse{}); len(frame) != cap(frame) {
		t.Errorf("error reply is %d bytes, replyCap said %d", len(frame), cap(frame))
	}
}

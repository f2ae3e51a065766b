package server

import (
	"encoding/binary"
	"errors"
	"io"
	"testing"
	"time"

	"github.com/warrenzk/warren/core/proto"
)

// TestNothingAnsweredAfterAClosingReply sends, in one write, a request whose
// reply ends the connection and requests behind it: the closing reply
// arrives, in order after the replies before it, then EOF, and nothing
// after it is answered (or run: the pipelined create must not happen).
func TestNothingAnsweredAfterAClosingReply(t *testing.T) {
	n := startNode(t)
	for _, tc := range []struct {
		name string
		op   proto.Op
		body proto.Record
		xid  int32 // 0: the next xid
		want proto.Err
	}{
		{"unknown opcode", 999, nil, 0, proto.ErrUnimplemented},
		{"opcode 0", 0, nil, 0, proto.ErrUnimplemented},
		{"closeSession", proto.OpCloseSession, nil, 0, proto.ErrOK},
		{"addAuth with an unknown scheme", proto.OpAuth, &proto.AuthPacket{Scheme: "nosuch", Auth: []byte("x")}, proto.XidAuth, proto.ErrAuthFailed},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := dialRaw(t, n.addr)
			r.connect(t, 0, nil, 4000)
			before := r.request(proto.OpCreate, &proto.CreateRequest{Path: "/before-" + tc.name, ACL: proto.OpenACLUnsafe})
			fatal := r.request(tc.op, tc.body)
			fatalXid := r.xid
			if tc.xid != 0 {
				binary.BigEndian.PutUint32(fatal, uint32(tc.xid))
				fatalXid = tc.xid
			}
			after := r.request(proto.OpCreate, &proto.CreateRequest{Path: "/after-" + tc.name, ACL: proto.OpenACLUnsafe})
			probe := r.request(proto.OpExists, &proto.ExistsRequest{Path: "/"})
			var batch []byte
			for _, f := range [][]byte{before, fatal, after, probe} {
				batch = binary.BigEndian.AppendUint32(batch, uint32(len(f)))
				batch = append(batch, f...)
			}
			if _, err := r.nc.Write(batch); err != nil {
				t.Fatal(err)
			}
			if h, _ := r.reply(t); h.Xid != 1 || h.Err != proto.ErrOK {
				t.Fatalf("reply to the create before: %+v", h)
			}
			if h, _ := r.reply(t); h.Xid != fatalXid || h.Err != tc.want {
				t.Fatalf("closing reply %+v, want xid %d err %v", h, fatalXid, tc.want)
			}
			r.nc.SetReadDeadline(time.Now().Add(5 * time.Second))
			if b, err := r.readFrame(); !errors.Is(err, io.EOF) {
				t.Fatalf("after the closing reply: frame %x, err %v; want EOF", b, err)
			}
			if _, err := n.srv.tree.Exists("/after-"+tc.name, nil); !errors.Is(err, proto.ErrNoNode) {
				t.Errorf("the create sent after the closing request ran: %v", err)
			}
		})
	}
}

// TestFourLetterWordAnswerBeforeClose: the text comes whole, then EOF,
// even when the client sent more after the word.
func TestFourLetterWordAnswerBeforeClose(t *testing.T) {
	n := startNode(t)
	r := dialRaw(t, n.addr)
	if _, err := r.nc.Write([]byte("ruokruokruok")); err != nil {
		t.Fatal(err)
	}
	b, err := io.ReadAll(r.nc)
	if err != nil || string(b) != "imok" {
		t.Fatalf("ruok answered %q, %v", b, err)
	}
}

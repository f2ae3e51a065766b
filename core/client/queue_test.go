package client

import (
	"errors"
	"net"
	"testing"
	"time"

	"github.com/warrenzk/warren/core/proto"
)

// FuzzDemux drives the pending queue and classify with an arbitrary stream
// of sends and replies and checks them against a plain slice: a reply is
// accepted exactly when it is a notification, a ping, or for the oldest
// request, and then it pops that request.
func FuzzDemux(f *testing.F) {
	f.Add([]byte{0, 0, 1, 1})
	f.Add([]byte{0, 2, 0, 3, 1, 1, 1})
	f.Add([]byte{1, 0, 4, 0, 0, 5})
	f.Fuzz(func(t *testing.T, script []byte) {
		var q queue
		var model []int32
		next := int32(1)
		for i := 0; i < len(script); i++ {
			switch b := script[i] % 6; b {
			case 0: // send
				q.push(&call{xid: next})
				model = append(model, next)
				next++
			default: // a reply: 1 in order, 2 notification, 3 ping, 4-5 some other xid
				var xid int32
				switch b {
				case 1:
					if len(model) > 0 {
						xid = model[0]
					} else {
						xid = 1
					}
				case 2:
					xid = proto.XidNotification
				case 3:
					xid = proto.XidPing
				default:
					xid = int32(script[(i+1)%len(script)]) - 8
				}
				kind, err := classify(proto.ReplyHeader{Xid: xid}, q.peek())
				inOrder := len(model) > 0 && model[0] == xid
				switch {
				case xid == proto.XidNotification:
					if err != nil || kind != replyWatch {
						t.Fatalf("notification: %v %v", kind, err)
					}
				case xid == proto.XidPing:
					if err != nil || kind != replyPing {
						t.Fatalf("ping: %v %v", kind, err)
					}
				case inOrder:
					if err != nil || kind != replyCall {
						t.Fatalf("xid %d in order refused: %v", xid, err)
					}
					if got := q.pop().xid; got != xid {
						t.Fatalf("popped %d, want %d", got, xid)
					}
					model = model[1:]
				default:
					if !errors.Is(err, errUnexpectedXid) {
						t.Fatalf("xid %d accepted with %v pending", xid, model)
					}
				}
			}
			if q.size != len(model) {
				t.Fatalf("queue holds %d, model %d", q.size, len(model))
			}
		}
	})
}

// A server that answers out of order loses the connection: every pending
// call fails with ConnectionLoss rather than getting another's reply.
func TestOutOfOrderReplyFails(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	served := make(chan struct{})
	go func() {
		defer close(served)
		nc, err := l.Accept()
		if err != nil {
			return
		}
		defer nc.Close()
		var e proto.Encoder
		if _, err := readFrame(nc, nil); err != nil {
			return
		}
		nc.Write(appendFrame(&e, nil, nil, &proto.ConnectResponse{TimeOut: 30000, SessionID: 7, Passwd: make([]byte, 16)}))
		for range 2 {
			if _, err := readFrame(nc, nil); err != nil {
				return
			}
		}
		// Answer xid 2 first.
		nc.Write(appendFrame(&e, nil, nil, &proto.ReplyHeader{Xid: 2}))
		readFrame(nc, nil) // until the client hangs up
	}()
	c := dial(t, l.Addr().String(), Options{})
	errs := make(chan error, 2)
	for range 2 {
		c.Go(proto.OpSync, &proto.SyncRequest{Path: "/"}, &proto.SyncResponse{}, func(_ proto.ReplyHeader, err error) { errs <- err })
	}
	for range 2 {
		select {
		case err := <-errs:
			if !errors.Is(err, proto.ErrConnectionLoss) || !errors.Is(err, errUnexpectedXid) {
				t.Fatalf("err %v, want ConnectionLoss for a reply out of order", err)
			}
		case <-time.After(5 * time.Second):
			t.Fatal("call not failed")
		}
	}
	c.Close()
	<-served
}

package client

import (
	"errors"
	"fmt"

	"github.com/warrenzk/warren/core/proto"
)

// errUnexpectedXid closes a connection whose server answered out of order:
// ZooKeeper answers a session's requests in the order they were sent, so a
// reply that is not for the oldest pending request means the stream is lost.
var errUnexpectedXid = errors.New("client: reply out of order")

// queue is the FIFO of requests sent and not yet answered: a ring that grows
// by doubling, so steady-state pipelining allocates nothing.
type queue struct {
	buf        []*call
	head, size int
}

func (q *queue) push(c *call) {
	if q.size == len(q.buf) {
		n := make([]*call, max(16, 2*len(q.buf)))
		for i := 0; i < q.size; i++ {
			n[i] = q.buf[(q.head+i)%len(q.buf)]
		}
		q.buf, q.head = n, 0
	}
	q.buf[(q.head+q.size)%len(q.buf)] = c
	q.size++
}

func (q *queue) peek() *call {
	if q.size == 0 {
		return nil
	}
	return q.buf[q.head]
}

func (q *queue) pop() *call {
	c := q.buf[q.head]
	q.buf[q.head] = nil
	q.head = (q.head + 1) % len(q.buf)
	q.size--
	return c
}

// replyKind says what a reply frame is for.
type replyKind int

const (
	replyCall  replyKind = iota // answers the oldest pending call
	replyWatch                  // a notification (xid -1)
	replyPing                   // a ping answer (xid -2), which is not queued
	replyAuth                   // answers the oldest pending auth packet (xid -4)
)

// classify decides what the reply with header h answers, given the oldest
// pending call (nil if none). It is the whole of the demultiplexer's logic,
// kept pure so that it can be tested against arbitrary reply streams.
func classify(h proto.ReplyHeader, oldest *call) (replyKind, error) {
	switch {
	case h.Xid == proto.XidNotification:
		return replyWatch, nil
	case h.Xid == proto.XidPing:
		return replyPing, nil
	case h.Xid == proto.XidAuth:
		return replyAuth, nil
	case oldest == nil:
		return 0, fmt.Errorf("%w: xid %d with nothing pending", errUnexpectedXid, h.Xid)
	case oldest.xid != h.Xid:
		return 0, fmt.Errorf("%w: xid %d, expected %d", errUnexpectedXid, h.Xid, oldest.xid)
	}
	return replyCall, nil
}

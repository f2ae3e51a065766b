package client

import (
	"sync"
	"sync/atomic"

	"github.com/warrenzk/warren/core/proto"
)

// Call states: a call waits until the reader completes it, unless a caller
// whose context ended abandons it first; then the reader must not touch the
// caller's response record.
const (
	callWaiting int32 = iota
	callAbandoned
	callCompleting
)

// call is one request in flight. Calls are pooled so that a request costs
// no allocation beyond its records.
type call struct {
	xid   int32
	op    proto.Op
	resp  proto.Record
	done  func(proto.ReplyHeader, error) // Go's callback; nil for Do
	state atomic.Int32

	// For Do: the reader's answer, handed over on ch.
	hdr proto.ReplyHeader
	err error
	ch  chan struct{}
}

var callPool = sync.Pool{New: func() any { return &call{ch: make(chan struct{}, 1)} }}

func getCall() *call {
	c := callPool.Get().(*call)
	c.state.Store(callWaiting)
	return c
}

func putCall(c *call) {
	c.resp, c.done, c.err = nil, nil, nil
	c.hdr = proto.ReplyHeader{}
	callPool.Put(c)
}

// finish delivers the outcome of c; err is nil or the connection's failure.
func (c *call) finish(h proto.ReplyHeader, err error) {
	if c.done != nil {
		done := c.done
		putCall(c)
		done(h, err)
		return
	}
	c.hdr, c.err = h, err
	c.ch <- struct{}{}
}

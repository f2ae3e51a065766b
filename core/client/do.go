package client

import (
	"context"

	"github.com/warrenzk/warren/core/proto"
)

// Do sends one request and waits for its reply, decoding the body into
// resp (which may be nil when the reply has none). A reply with a non-zero
// error code returns that proto.Err. If ctx ends first Do returns ctx.Err()
// and the reply, when it comes, is dropped; resp is then left untouched.
func (c *Conn) Do(ctx context.Context, op proto.Op, req, resp proto.Record) (proto.ReplyHeader, error) {
	cl := getCall()
	cl.op, cl.resp = op, resp
	if err := c.send(ctx.Done(), cl, req); err != nil {
		putCall(cl)
		if ctx.Err() != nil {
			return proto.ReplyHeader{}, ctx.Err()
		}
		return proto.ReplyHeader{}, err
	}
	select {
	case <-cl.ch:
	case <-ctx.Done():
		if cl.state.CompareAndSwap(callWaiting, callAbandoned) {
			return proto.ReplyHeader{}, ctx.Err() // the reader recycles cl
		}
		<-cl.ch // the reader is completing it right now
	}
	h, err := cl.hdr, cl.err
	putCall(cl)
	return h, err
}

// Go sends one request without waiting: done is called with the reply
// header and error once the reply is decoded into resp, on the Conn's
// reader goroutine, so it must be quick and must not wait on this Conn.
// Go blocks while MaxInFlight requests are pending. Callbacks run in the
// order the requests were sent.
func (c *Conn) Go(op proto.Op, req, resp proto.Record, done func(proto.ReplyHeader, error)) {
	cl := getCall()
	cl.op, cl.resp, cl.done = op, resp, done
	if err := c.send(nil, cl, req); err != nil {
		putCall(cl)
		done(proto.ReplyHeader{Err: proto.ErrConnectionLoss}, err)
	}
}

// send queues the request's frame for the writer and the call for the
// reader, in the same order, once a slot is free.
func (c *Conn) send(cancel <-chan struct{}, cl *call, req proto.Record) error {
	select {
	case c.slots <- struct{}{}:
	case <-c.done:
		return c.Err()
	case <-cancel:
		return context.Canceled
	}
	c.mu.Lock()
	if c.err != nil {
		err := c.err
		c.mu.Unlock()
		<-c.slots
		return err
	}
	q := &c.pending
	if cl.op == proto.OpAuth {
		cl.xid, q = proto.XidAuth, &c.auths
	} else {
		c.xid++
		if c.xid <= 0 { // negative xids are the protocol's own
			c.xid = 1
		}
		cl.xid = c.xid
	}
	hdr := proto.RequestHeader{Xid: cl.xid, Type: cl.op}
	c.out = appendFrame(&c.enc, c.out, &hdr, req)
	q.push(cl)
	c.mu.Unlock()
	c.kick()
	return nil
}

package client

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"fmt"
	"io"
	"time"

	"github.com/warrenzk/warren/core/proto"
)

// maxFrame bounds a reply frame, so that a broken server cannot make the
// client allocate without limit; it is well above jute.maxbuffer.
const maxFrame = 64 << 20

// appendFrame appends one length-prefixed frame to dst: the header (if
// any) and the record (if any). e is scratch, passed in so that encoding
// through the Record interface does not move an Encoder to the heap.
func appendFrame(e *proto.Encoder, dst []byte, hdr *proto.RequestHeader, rec proto.Record) []byte {
	start := len(dst)
	*e = *proto.NewEncoder(append(dst, 0, 0, 0, 0))
	if hdr != nil {
		hdr.Encode(e)
	}
	if rec != nil {
		rec.Encode(e)
	}
	b := e.Bytes()
	binary.BigEndian.PutUint32(b[start:], uint32(len(b)-start-4))
	*e = proto.Encoder{}
	return b
}

// readFrame reads one length-prefixed frame into buf (grown as needed) and
// returns its body.
func readFrame(r io.Reader, buf []byte) ([]byte, error) {
	var n [4]byte
	if _, err := io.ReadFull(r, n[:]); err != nil {
		return nil, err
	}
	size := binary.BigEndian.Uint32(n[:])
	if size > maxFrame {
		return nil, fmt.Errorf("reply frame of %d bytes", size)
	}
	if cap(buf) < int(size) {
		buf = make([]byte, size)
	}
	buf = buf[:size]
	_, err := io.ReadFull(r, buf)
	return buf, err
}

// writeLoop sends whatever frames are queued in one write per wakeup, so
// that a burst of pipelined requests costs one system call.
func (c *Conn) writeLoop() {
	defer c.wg.Done()
	var spare []byte
	for {
		select {
		case <-c.wake:
		case <-c.done:
			return
		}
		c.mu.Lock()
		buf := c.out
		if len(buf) == 0 {
			c.mu.Unlock()
			continue // a stale wakeup: out may be the spare, keep it
		}
		c.out = spare[:0]
		c.sent = true
		c.mu.Unlock()
		if _, err := c.nc.Write(buf); err != nil {
			c.fail(fmt.Errorf("%w: write: %w", proto.ErrConnectionLoss, err))
			return
		}
		spare = buf
	}
}

// pingLoop keeps an idle session alive: a ping goes out at a third of the
// session timeout when nothing else was sent meanwhile.
func (c *Conn) pingLoop() {
	defer c.wg.Done()
	t := time.NewTicker(max(c.timeout/3, time.Millisecond))
	defer t.Stop()
	ping := proto.RequestHeader{Xid: proto.XidPing, Type: proto.OpPing}
	for {
		select {
		case <-c.done:
			return
		case <-t.C:
		}
		c.mu.Lock()
		idle := c.err == nil && !c.sent
		if idle {
			c.out = appendFrame(&c.enc, c.out, &ping, nil)
		}
		c.sent = false
		c.mu.Unlock()
		if idle {
			c.kick()
		}
	}
}

// kick wakes the writer without blocking.
func (c *Conn) kick() {
	select {
	case c.wake <- struct{}{}:
	default:
	}
}

// readLoop matches each reply to the oldest pending call; replies come in
// the order requests were sent, notifications and pings aside.
func (c *Conn) readLoop() {
	defer c.wg.Done()
	br := bufio.NewReaderSize(c.nc, 64<<10)
	var buf []byte
	var dec proto.Decoder
	for {
		body, err := readFrame(br, buf)
		if err != nil {
			c.fail(fmt.Errorf("%w: read: %w", proto.ErrConnectionLoss, err))
			return
		}
		buf = body
		var h proto.ReplyHeader
		dec = *proto.NewDecoder(body)
		h.Decode(&dec)
		if dec.Err() != nil {
			c.fail(fmt.Errorf("%w: reply header: %w", proto.ErrConnectionLoss, dec.Err()))
			return
		}
		rest := dec.Rest()
		if h.Zxid > c.lastZxid.Load() {
			c.lastZxid.Store(h.Zxid)
		}
		c.mu.Lock()
		kind, err := classify(h, c.pending.peek())
		var cl *call
		switch {
		case err == nil && kind == replyCall:
			cl = c.pending.pop()
		case kind == replyAuth && c.auths.size > 0:
			cl = c.auths.pop()
		}
		c.mu.Unlock()
		if err != nil {
			c.fail(fmt.Errorf("%w: %w", proto.ErrConnectionLoss, err))
			return
		}
		switch kind {
		case replyWatch:
			var ev proto.WatcherEvent
			dec = *proto.NewDecoder(rest)
			ev.Decode(&dec)
			if dec.Err() == nil && c.opts.OnEvent != nil {
				c.opts.OnEvent(ev)
			}
		case replyCall, replyAuth:
			if cl == nil {
				continue // an auth answer nobody waits for
			}
			<-c.slots
			c.complete(cl, h, rest, &dec, nil)
		}
	}
}

// aliases reports whether op's response record holds byte slices, which
// must not alias the reader's buffer.
func aliases(op proto.Op) bool {
	switch op {
	case proto.OpGetData, proto.OpReconfig, proto.OpMulti, proto.OpMultiRead, proto.OpSASL:
		return true
	}
	return false
}

// complete decodes the reply body into the call's response record and
// hands the call its outcome, unless its caller gave up on it. dec is the
// reader's scratch decoder (nil when connErr is set).
func (c *Conn) complete(cl *call, h proto.ReplyHeader, body []byte, dec *proto.Decoder, connErr error) {
	if !cl.state.CompareAndSwap(callWaiting, callCompleting) {
		putCall(cl) // abandoned: the caller no longer owns resp
		return
	}
	err := connErr
	if err == nil && h.Err != proto.ErrOK {
		err = h.Err
	}
	if err == nil && cl.resp != nil {
		if aliases(cl.op) {
			body = bytes.Clone(body)
		}
		*dec = *proto.NewDecoder(body)
		cl.resp.Decode(dec)
		if dec.Err() != nil {
			err = fmt.Errorf("%w: %s reply: %v", proto.ErrMarshallingError, cl.op, dec.Err())
		}
	}
	cl.finish(h, err)
}

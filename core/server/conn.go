package server

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/warrenzk/warren/auth"
	"github.com/warrenzk/warren/core/proto"
	"github.com/warrenzk/warren/core/session"
)

// slot holds one request's place in its connection's reply order. A write's
// slot is filled when the write applies; a read queued behind a write runs
// when its slot reaches the head.
type slot struct {
	done      bool
	frame     []byte   // the reply, or nil for none
	read      *request // a read waiting for earlier requests
	close     bool     // close the connection after this reply
	handshake bool     // frame is a ConnectResponse, not a reply (for mntr)
}

// conn is one client connection: a reader goroutine that decodes requests
// and a writer goroutine that sends every queued reply in one write.
type conn struct {
	srv  *Server
	nc   net.Conn
	info auth.ConnInfo

	sid            atomic.Int64 // the session, once the connect is accepted
	timeoutNs      atomic.Int64 // the negotiated session timeout; set by the reader, read by the writer
	closingSession atomic.Bool  // the client sent closeSession
	lastRead       atomic.Bool  // a reply that ends the connection is queued or due: read no more requests

	dec proto.Decoder // the reader goroutine's, reused for every request

	mu    sync.Mutex // guards fifo, ready and ids; see the lock order in server.go
	fifo  []*slot
	ready [][]byte // drain's scratch: the replies it sends together

	queuedReads atomic.Int32 // reads in fifo waiting for earlier requests
	ids         []proto.Id

	outMu      sync.Mutex
	out        []byte // replies queued for the writer
	flushClose bool   // close once out is written
	wake       chan struct{}

	closeOnce sync.Once
	closed    chan struct{}
	reason    string
	drainOnce sync.Once
	drained   chan struct{} // closed when the lingering reader saw the client close its side

	// counters for cons/stat
	stats          connStats
	received, sent atomic.Int64
	opened         time.Time
}

func newConn(s *Server, nc net.Conn) *conn {
	c := &conn{
		srv:     s,
		nc:      nc,
		info:    auth.ConnInfo{RemoteAddr: nc.RemoteAddr()},
		wake:    make(chan struct{}, 1),
		closed:  make(chan struct{}),
		drained: make(chan struct{}),
		opened:  s.cfg.Now(),
	}
	c.stats.reset()
	c.ids = s.checker.ConnectIDs(c.info)
	return c
}

func (c *conn) sessionID() int64 { return c.sid.Load() }

// Notify queues a watch event; it implements watch.Watcher and never blocks.
// An event about a znode the session may not READ is dropped
// (CVE-2024-23944), as ZooKeeper's ServerCnxn.process does.
func (c *conn) Notify(ev proto.WatcherEvent, acl []proto.ACL) {
	if acl != nil && c.srv.checkRead(c, acl, proto.PermRead, c.authIDs()) != nil {
		return
	}
	e := proto.NewEncoder(make([]byte, 4, 32+len(ev.Path)))
	hdr := proto.ReplyHeader{Xid: proto.XidNotification, Zxid: -1}
	hdr.Encode(e)
	ev.Encode(e)
	frame := frameLen(e.Bytes())
	c.srv.stats.observeResponse(len(frame))
	c.srv.zk.watchBytes.Add(int64(len(frame) - 4))
	c.send(frame)
}

// send queues a frame for the writer.
func (c *conn) send(frame []byte) { c.sendAll([][]byte{frame}) }

// sendAll queues frames for the writer, in order, with one wake-up. A
// client that stops reading is cut off once MaxPendingBytes are waiting
// for it.
func (c *conn) sendAll(frames [][]byte) {
	if len(frames) == 0 {
		return
	}
	c.outMu.Lock()
	for _, frame := range frames {
		if pending := len(c.out); pending+len(frame) > c.srv.cfg.MaxPendingBytes {
			c.outMu.Unlock()
			c.srv.log.Warn("client is not reading its replies; closing the connection",
				"remote", c.nc.RemoteAddr().String(), "pending_bytes", pending)
			go c.close("slow consumer")
			return
		}
		c.out = append(c.out, frame...)
	}
	c.outMu.Unlock()
	c.queued(len(frames))
}

// queued counts frames just queued as sent and wakes the writer.
func (c *conn) queued(frames int) {
	c.sent.Add(int64(frames))
	c.srv.stats.sent.Add(int64(frames))
	select {
	case c.wake <- struct{}{}:
	default:
	}
}

// sendAndClose queues a last frame and closes the connection once written.
// Nothing the client sent after it is answered.
func (c *conn) sendAndClose(frame []byte) {
	c.lastRead.Store(true)
	c.outMu.Lock()
	c.out = append(c.out, frame...)
	c.flushClose = true
	c.outMu.Unlock()
	frames := 0
	if frame != nil {
		frames = 1
	}
	c.queued(frames)
}

func (c *conn) writeLoop() {
	defer c.srv.connWG.Done()
	var spare []byte
	var writeDeadline deadline
	for {
		select {
		case <-c.wake:
		case <-c.closed:
			return
		}
		c.outMu.Lock()
		buf, closeAfter := c.out, c.flushClose
		c.out = spare[:0]
		c.outMu.Unlock()
		if len(buf) > 0 {
			writeDeadline.extend(c.nc.SetWriteDeadline, c.writeTimeout())
			if _, err := c.nc.Write(buf); err != nil {
				c.close(fmt.Sprintf("write: %v", err))
				return
			}
		}
		if closeAfter {
			c.closeAfterLastReply()
			return
		}
		if cap(buf) <= 1<<20 {
			spare = buf[:0]
		} else {
			spare = nil // let a big buffer go
		}
	}
}

// deadline keeps a connection's read or write deadline between one and 1.1
// timeouts ahead. Moving it costs a runtime timer update, too much to pay
// for every request of a pipelining client, so it moves only once a tenth
// of the timeout has passed since it was last set, or when the timeout
// changes (the handshake negotiates it). A deadline never falls due sooner
// than a timeout after the last request.
type deadline struct {
	set     time.Time
	timeout time.Duration
}

func (d *deadline) extend(setDeadline func(time.Time) error, timeout time.Duration) {
	now := time.Now()
	if timeout == d.timeout && now.Sub(d.set) < timeout/10 {
		return
	}
	setDeadline(now.Add(timeout + timeout/10))
	d.set, d.timeout = now, timeout
}

// lingerTimeout bounds how long a connection whose last reply is written
// waits for the client to close its side before closing anyway.
const lingerTimeout = 2 * time.Second

// closeAfterLastReply closes the connection once its last reply is written.
// It half-closes first, so the client reads the reply and then EOF, and
// waits (bounded) for the lingering reader to see the client close: closing
// a socket while requests the client sent are still unread makes the kernel
// answer with a reset, which can destroy that reply before it is delivered.
func (c *conn) closeAfterLastReply() {
	if cw, ok := c.nc.(interface{ CloseWrite() error }); ok {
		cw.CloseWrite()
	}
	t := time.NewTimer(lingerTimeout)
	defer t.Stop()
	select {
	case <-c.drained:
	case <-c.closed:
	case <-t.C:
	}
	c.close("closed after last reply")
}

func (c *conn) writeTimeout() time.Duration {
	if t := c.timeout(); t > 0 {
		return t
	}
	return c.srv.cfg.MaxSessionTimeout
}

func (c *conn) timeout() time.Duration { return time.Duration(c.timeoutNs.Load()) }

// close tears the connection down; the session lives on until it expires.
func (c *conn) close(reason string) {
	c.closeOnce.Do(func() {
		c.reason = reason
		close(c.closed)
		c.nc.Close()
		c.srv.watches.RemoveWatcher(c)
		if id := c.sessionID(); id != 0 {
			c.srv.sessions.detach(id, c)
		}
		c.srv.forget(c)
		c.srv.log.Debug("connection closed", "remote", c.nc.RemoteAddr().String(),
			"session", fmt.Sprintf("0x%x", c.sessionID()), "reason", reason)
	})
}

func (c *conn) readLoop() {
	defer c.srv.connWG.Done()
	defer c.close("read loop ended")
	br := bufio.NewReaderSize(c.nc, 64<<10)
	first := true
	var lenBuf [4]byte
	var readDeadline deadline
	for {
		readDeadline.extend(c.nc.SetReadDeadline, c.readTimeout())
		if _, err := io.ReadFull(br, lenBuf[:]); err != nil {
			var ne net.Error
			switch {
			case errors.Is(err, io.EOF):
				c.srv.zk.connectionDrops.Add(1) // the client closed: handleFailedRead
			case errors.Is(err, net.ErrClosed):
			case errors.As(err, &ne) && ne.Timeout() && first:
				c.srv.zk.sessionlessExpired.Add(1)
				fallthrough
			default:
				c.srv.log.Debug("read failed", "remote", c.nc.RemoteAddr().String(), "err", err)
			}
			return
		}
		if first && c.srv.isFourLetterWord(lenBuf[:]) {
			c.fourLetterWord(string(lenBuf[:]))
			c.linger(br)
			return
		}
		n := int32(binary.BigEndian.Uint32(lenBuf[:]))
		if n < 0 || int(n) > c.srv.cfg.MaxBuffer {
			c.srv.log.Warn("frame length out of range; closing the connection (raise jute.maxbuffer if clients legitimately send this much)",
				"remote", c.nc.RemoteAddr().String(), "length", n, "max", c.srv.cfg.MaxBuffer)
			return
		}
		frame := make([]byte, n)
		if _, err := io.ReadFull(br, frame); err != nil {
			return
		}
		c.received.Add(1)
		c.srv.stats.received.Add(1)
		c.srv.zk.bytesReceived.Add(4 + int64(n))
		if first {
			first = false
			if !c.connect(frame) {
				return
			}
		} else if !c.handle(frame) {
			return
		}
		if c.lastRead.Load() {
			c.linger(br)
			return
		}
	}
}

// linger is the reader's end once a reply that closes the connection is
// queued (closeSession, an unknown opcode, a failed addAuth, a refused
// reattach, a four-letter word). Like ZooKeeper, which stops reading the
// socket there, it answers nothing the client sent after that request; it
// reads and discards it, so that the close after the last reply is not a
// reset. It returns once the writer has closed the connection, or when the
// read timeout passes without the last reply going out.
func (c *conn) linger(r io.Reader) {
	deadline := time.Now().Add(c.readTimeout())
	c.nc.SetReadDeadline(deadline)
	if _, err := io.Copy(io.Discard, r); err == nil {
		c.drainOnce.Do(func() { close(c.drained) }) // EOF: the client closed its side
	}
	t := time.NewTimer(time.Until(deadline))
	defer t.Stop()
	select {
	case <-c.closed:
	case <-t.C:
	}
}

// readTimeout bounds silence: a session's client pings every third of its
// timeout, so a connection silent for the whole timeout is dead.
func (c *conn) readTimeout() time.Duration { return c.writeTimeout() }

// connect handles the ConnectRequest. It returns false to close.
func (c *conn) connect(frame []byte) bool {
	var req proto.ConnectRequest
	d := proto.NewDecoder(frame)
	req.Decode(d)
	if d.Err() != nil {
		c.srv.log.Info("bad connect request; closing (is this a ZooKeeper client?)",
			"remote", c.nc.RemoteAddr().String(), "err", d.Err())
		return false
	}
	c.srv.zk.connectionRequests.Add(1)
	if req.SessionID != 0 {
		c.srv.zk.connectionRevalidates.Add(1)
	}
	if last := c.srv.tree.LastZxid(); req.LastZxidSeen > last {
		// The client saw a newer state than this server holds (a restored
		// or lagging server): serving it would take its view back in time.
		// ZooKeeper closes without an answer so the client tries another.
		c.srv.log.Info("refusing session: the client has seen a newer zxid than this server; it must try another server",
			"remote", c.nc.RemoteAddr().String(), "session", fmt.Sprintf("0x%x", req.SessionID),
			"client_zxid", fmt.Sprintf("0x%x", req.LastZxidSeen), "server_zxid", fmt.Sprintf("0x%x", last))
		return false
	}
	cfg := &c.srv.cfg
	timeout := time.Duration(req.TimeOut) * time.Millisecond
	timeout = max(cfg.MinSessionTimeout, min(timeout, cfg.MaxSessionTimeout))
	c.timeoutNs.Store(int64(timeout))

	if req.SessionID == 0 {
		id := c.srv.ids.Next()
		c.sid.Store(id)
		r := &request{conn: c, session: id, op: proto.OpCreateSession, timeout: int32(timeout.Milliseconds()),
			start: c.srv.cfg.Now(), body: &connectEcho{hasReadOnly: req.HasReadOnly}}
		r.slot = c.enqueue()
		c.srv.submit(r)
		return true
	}

	if session.CheckPassword(req.SessionID, req.Passwd) {
		if old, ok := c.srv.sessions.attach(req.SessionID, c); ok {
			c.sid.Store(req.SessionID)
			if old != nil {
				old.close("session moved to another connection")
			}
			c.send(c.connectResponse(req.SessionID, req.HasReadOnly))
			return true
		}
	}
	c.srv.log.Info("refusing reattach: session expired or password wrong",
		"remote", c.nc.RemoteAddr().String(), "session", fmt.Sprintf("0x%x", req.SessionID))
	resp := proto.ConnectResponse{Passwd: make([]byte, 16), HasReadOnly: req.HasReadOnly}
	c.sendAndClose(lengthPrefixed(&resp))
	return true
}

// connectEcho carries the connect request's form to the reply.
type connectEcho struct{ hasReadOnly bool }

func (*connectEcho) Encode(*proto.Encoder) {}
func (*connectEcho) Decode(*proto.Decoder) {}

func (c *conn) connectResponse(id int64, hasReadOnly bool) []byte {
	resp := proto.ConnectResponse{
		TimeOut:     int32(c.timeout().Milliseconds()),
		SessionID:   id,
		Passwd:      session.Password(id),
		HasReadOnly: hasReadOnly,
	}
	return lengthPrefixed(&resp)
}

// sessionCreated answers the connect once its createSession txn applied.
func (c *conn) sessionCreated(r *request) {
	id := r.session
	c.srv.sessions.bind(id, c)
	select {
	case <-c.closed:
		return // the client left; the session expires on its own
	default:
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	r.slot.done, r.slot.frame, r.slot.handshake = true, c.connectResponse(id, r.body.(*connectEcho).hasReadOnly), true
	c.drain()
}

func lengthPrefixed(r proto.Record) []byte {
	e := proto.NewEncoder(make([]byte, 4, 64))
	r.Encode(e)
	return frameLen(e.Bytes())
}

// enqueue reserves the next place in the reply order.
func (c *conn) enqueue() *slot {
	s := &slot{}
	c.mu.Lock()
	c.fifo = append(c.fifo, s)
	c.mu.Unlock()
	return s
}

// complete fills a slot and sends every reply now at the head, running
// reads that were waiting behind it.
func (c *conn) complete(s *slot, frame []byte) {
	c.mu.Lock()
	defer c.mu.Unlock()
	s.done, s.frame = true, frame
	c.drain()
}

// enqueueLast reserves the place of the connection's last reply: whatever
// fills it, the connection closes once it is sent, and no request after it
// is read.
func (c *conn) enqueueLast() *slot {
	c.lastRead.Store(true)
	s := &slot{close: true}
	c.mu.Lock()
	c.fifo = append(c.fifo, s)
	c.mu.Unlock()
	return s
}

// replyLast queues an immediate answer that ends the connection, in order
// with the connection's pending requests.
func (c *conn) replyLast(frame []byte) {
	c.complete(c.enqueueLast(), frame)
}

// completeAndClose is complete for closeSession: the reply is the last.
func (c *conn) completeAndClose(s *slot, frame []byte) {
	c.mu.Lock()
	defer c.mu.Unlock()
	s.done, s.frame, s.close = true, frame, true
	c.drain()
}

// drain sends completed replies in order, those ready together in one
// hand-off to the writer. c.mu is held on entry.
func (c *conn) drain() {
	ready := c.ready[:0]
	for len(c.fifo) > 0 {
		head := c.fifo[0]
		if head.read != nil {
			head.frame = c.srv.read(c, head.read)
			head.read, head.done = nil, true
			c.queuedReads.Add(-1)
		}
		if !head.done {
			break
		}
		c.fifo[0] = nil
		c.fifo = c.fifo[1:]
		if head.frame != nil && !head.handshake {
			c.srv.observeReply(head.frame)
		}
		switch {
		case head.close:
			c.sendAll(ready)
			ready = ready[:0]
			c.sendAndClose(head.frame)
		case head.frame != nil:
			ready = append(ready, head.frame)
		}
	}
	c.sendAll(ready)
	clear(ready)
	c.ready = ready[:0]
}

// runRead runs a read now if nothing of this connection is pending,
// otherwise queues it behind the pending requests.
func (c *conn) runRead(r *request) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.fifo) == 0 {
		if frame := c.srv.read(c, r); frame != nil {
			c.srv.observeReply(frame)
			c.send(frame)
		}
		return
	}
	c.fifo = append(c.fifo, &slot{read: r})
	c.queuedReads.Add(1)
}

// reply queues an immediate answer (an error found before any work) in
// order with the connection's pending requests.
func (c *conn) reply(frame []byte) {
	s := c.enqueue()
	c.complete(s, frame)
}

func (c *conn) authIDs() []proto.Id {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.ids
}

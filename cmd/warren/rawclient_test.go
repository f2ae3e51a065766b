package main

// A hand-rolled client for the ZooKeeper wire protocol, for what
// go-zookeeper cannot send (multiRead, addWatch, getEphemerals, whoAmI, bad
// input) and for watching the exact order of replies and notifications. It
// has its own jute encoding (jute_test.go) on purpose: the differential
// tests must not depend on Warren's codec, or a bug there would be
// invisible on both sides.

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"syscall"
	"time"
)

// reply is one server frame after the ConnectResponse.
type reply struct {
	Xid  int32
	Zxid int64
	Err  int32
	Body *jr
}

// event is a watch notification.
type event struct {
	Type, State int32
	Path        string
	Zxid        int64 // from the ReplyHeader
}

func (e event) String() string {
	name, ok := eventNames[e.Type]
	if !ok {
		name = fmt.Sprintf("event(%d)", e.Type)
	}
	return name + " " + e.Path
}

// errClosed means the server closed the connection (EOF or reset).
var errClosed = errors.New("connection closed by the server")

// connectResponse is the server's first frame.
type connectResponse struct {
	ProtocolVersion int32
	TimeOut         int32
	SessionID       int64
	Passwd          []byte
	ReadOnly        bool
	Len             int // frame length: 37 with the readOnly byte, 36 without
}

// rawClient speaks the client protocol by hand, one request at a time.
type rawClient struct {
	nc      net.Conn
	xid     int32
	events  []event         // notifications read so far, in order
	early   map[int32]reply // replies read while waiting for another xid
	session connectResponse
	limit   time.Duration // bound on each wait for the server
}

func dialRaw(addr string) (*rawClient, error) {
	nc, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		return nil, err
	}
	return &rawClient{nc: nc, early: map[int32]reply{}, limit: 10 * time.Second}, nil
}

func (c *rawClient) Close() error { return c.nc.Close() }

// isClosed reports whether err means the peer closed the connection.
func isClosed(err error) bool {
	return errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE) ||
		errors.Is(err, errClosed)
}

// writeRaw writes bytes exactly as given.
func (c *rawClient) writeRaw(b []byte) error {
	if err := c.nc.SetWriteDeadline(time.Now().Add(c.limit)); err != nil {
		return err
	}
	_, err := c.nc.Write(b)
	if err != nil && isClosed(err) {
		return errClosed
	}
	return err
}

// writeFrame writes b with its length prefix.
func (c *rawClient) writeFrame(b []byte) error {
	return c.writeRaw(append(binary.BigEndian.AppendUint32(nil, uint32(len(b))), b...))
}

// readFrame reads one length-prefixed frame.
func (c *rawClient) readFrame() ([]byte, error) {
	if err := c.nc.SetReadDeadline(time.Now().Add(c.limit)); err != nil {
		return nil, err
	}
	var l [4]byte
	if _, err := io.ReadFull(c.nc, l[:]); err != nil {
		if isClosed(err) {
			return nil, errClosed
		}
		return nil, err
	}
	n := binary.BigEndian.Uint32(l[:])
	if n > 16<<20 {
		return nil, fmt.Errorf("frame length %d", n)
	}
	b := make([]byte, n)
	if _, err := io.ReadFull(c.nc, b); err != nil {
		if isClosed(err) {
			return nil, errClosed
		}
		return nil, err
	}
	return b, nil
}

// connectRequest encodes a ConnectRequest; readOnly nil omits the trailing
// byte as go-zookeeper does.
func connectRequest(timeoutMs int32, sessionID int64, passwd []byte, readOnly *bool) []byte {
	if passwd == nil {
		passwd = make([]byte, 16)
	}
	w := (&jw{}).i32(0).i64(0).i32(timeoutMs).i64(sessionID).buf(passwd)
	if readOnly != nil {
		w.boolean(*readOnly)
	}
	return w.b
}

// connect sends a ConnectRequest (with the readOnly byte) and reads the
// response.
func (c *rawClient) connect(timeoutMs int32, sessionID int64, passwd []byte) (connectResponse, error) {
	f := false
	return c.connectWith(connectRequest(timeoutMs, sessionID, passwd, &f))
}

func (c *rawClient) connectWith(req []byte) (connectResponse, error) {
	if err := c.writeFrame(req); err != nil {
		return connectResponse{}, err
	}
	b, err := c.readFrame()
	if err != nil {
		return connectResponse{}, err
	}
	r := &jr{b: b}
	resp := connectResponse{ProtocolVersion: r.i32(), TimeOut: r.i32(), SessionID: r.i64(), Passwd: r.buf(), Len: len(b)}
	if len(r.b) > 0 {
		resp.ReadOnly = r.boolean()
	}
	if r.err != nil {
		return resp, fmt.Errorf("ConnectResponse %x: %w", b, r.err)
	}
	c.session = resp
	return resp, nil
}

// send writes one request and returns its xid.
func (c *rawClient) send(op int32, body []byte) (int32, error) {
	c.xid++
	xid := c.xid
	if op == opAuth {
		xid = -4
	}
	return xid, c.writeFrame(append((&jw{}).i32(xid).i32(op).b, body...))
}

// await reads frames until the reply for xid arrives, collecting
// notifications and keeping replies for other xids.
func (c *rawClient) await(xid int32) (reply, error) {
	if r, ok := c.early[xid]; ok {
		delete(c.early, xid)
		return r, nil
	}
	for {
		r, err := c.next()
		if err != nil {
			return reply{}, err
		}
		if r.Xid == xid {
			return r, nil
		}
		c.early[r.Xid] = r
	}
}

// next reads the next frame that is not a notification.
func (c *rawClient) next() (reply, error) {
	for {
		r, isEvent, err := c.readOne()
		if err != nil || !isEvent {
			return r, err
		}
	}
}

// readOne reads one frame; a notification is appended to c.events.
func (c *rawClient) readOne() (r reply, isEvent bool, err error) {
	b, err := c.readFrame()
	if err != nil {
		return reply{}, false, err
	}
	d := &jr{b: b}
	h := reply{Xid: d.i32(), Zxid: d.i64(), Err: d.i32(), Body: d}
	if d.err != nil {
		return reply{}, false, fmt.Errorf("reply header %x: %w", b, d.err)
	}
	if h.Xid != -1 {
		return h, false, nil
	}
	e := event{Type: d.i32(), State: d.i32(), Path: d.str(), Zxid: h.Zxid}
	if d.err != nil {
		return reply{}, true, fmt.Errorf("notification %x: %w", b, d.err)
	}
	c.events = append(c.events, e)
	return h, true, nil
}

// call sends a request and waits for its reply.
func (c *rawClient) call(op int32, body []byte) (reply, error) {
	xid, err := c.send(op, body)
	if err != nil {
		return reply{}, err
	}
	return c.await(xid)
}

// barrier makes a round trip (exists "/"), so that every notification the
// server queued on this connection before it has been read.
func (c *rawClient) barrier() error {
	_, err := c.call(opExists, pathWatch("/", false))
	return err
}

// takeEvents returns the notifications read so far and forgets them.
func (c *rawClient) takeEvents() []event {
	ev := c.events
	c.events = nil
	return ev
}

// waitEvents reads until n notifications have arrived in all or c.limit
// passes.
func (c *rawClient) waitEvents(n int) error {
	for len(c.events) < n {
		r, isEvent, err := c.readOne()
		if err != nil {
			return err
		}
		if !isEvent {
			c.early[r.Xid] = r
		}
	}
	return nil
}

// Waits used by outcome: how long a reply may take before it counts as
// never coming, and how long to watch for the server closing the connection
// after it.
const (
	replyWait = 3 * time.Second
	closeWait = 300 * time.Millisecond
)

// outcome sends a request and describes what came back: the reply's error
// name (and body length when not empty), "no reply" after replyWait, or
// "closed"; then whether the connection is still usable: "closed" if the
// server closes it within closeWait, else the fate of a following exists.
// Nothing is pipelined, so the answer does not depend on how the server
// batches its reads (pipelinedOutcome is for that).
func (c *rawClient) outcome(op int32, body []byte) string {
	xid, err := c.send(op, body)
	if err != nil {
		return "write: " + errText(err)
	}
	var parts []string
	limit := c.limit
	defer func() { c.limit = limit }()
	c.limit = replyWait
	for done := false; !done; {
		r, err := c.next()
		switch {
		case err != nil && isClosed(err):
			return strings.Join(append(parts, "closed"), ", then ")
		case err != nil:
			parts = append(parts, "no reply")
			done = true
		case r.Xid == xid:
			parts = append(parts, "reply "+errName(r.Err)+bodyLen(r.Body))
			done = true
		default:
			// Not a reply to anything sent: the header fields mean nothing.
			parts = append(parts, fmt.Sprintf("a frame with xid %d", r.Xid))
		}
	}
	c.limit = closeWait
	if _, err := c.next(); err != nil && isClosed(err) {
		return strings.Join(append(parts, "closed"), ", then ")
	} else if err == nil {
		parts = append(parts, "an unexpected frame")
	}
	c.limit = limit
	probe, err := c.send(opExists, pathWatch("/", false))
	if err != nil {
		return strings.Join(append(parts, errText(err)), ", then ")
	}
	r, err := c.await(probe)
	switch {
	case err != nil:
		parts = append(parts, errText(err))
	case r.Err != 0:
		parts = append(parts, "open (next request: "+errName(r.Err)+")")
	default:
		parts = append(parts, "open")
	}
	return strings.Join(parts, ", then ")
}

// pipelinedOutcome writes a request and an exists probe in one write and
// lists every frame the server sends back until it closes the connection
// (or c.limit passes).
func (c *rawClient) pipelinedOutcome(op int32, body []byte) string {
	c.xid++
	firstXid := c.xid
	if op == opAuth {
		firstXid = -4
	}
	first := append((&jw{}).i32(firstXid).i32(op).b, body...)
	c.xid++
	probeXid := c.xid
	probe := append((&jw{}).i32(probeXid).i32(opExists).b, pathWatch("/", false)...)
	var b []byte
	for _, f := range [][]byte{first, probe} {
		b = append(binary.BigEndian.AppendUint32(b, uint32(len(f))), f...)
	}
	if err := c.writeRaw(b); err != nil {
		return "write: " + errText(err)
	}
	var parts []string
	for {
		r, err := c.next()
		if err != nil {
			return strings.Join(append(parts, errText(err)), ", then ")
		}
		which := fmt.Sprintf("xid %d", r.Xid)
		switch r.Xid {
		case firstXid:
			which = "request"
		case probeXid:
			which = "exists"
		}
		parts = append(parts, fmt.Sprintf("%s: %s%s", which, errName(r.Err), bodyLen(r.Body)))
	}
}

func bodyLen(r *jr) string {
	if n := len(r.b); n > 0 {
		return fmt.Sprintf(" +%d bytes", n)
	}
	return ""
}

// errText names an I/O error in a way both servers can agree on.
func errText(err error) string {
	if isClosed(err) {
		return "closed"
	}
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return "timeout"
	}
	return err.Error()
}

// expectClose reads until the server closes the connection, describing any
// frame that arrives first.
func (c *rawClient) expectClose() string {
	var parts []string
	for {
		b, err := c.readFrame()
		if err != nil {
			parts = append(parts, errText(err))
			return strings.Join(parts, ", then ")
		}
		parts = append(parts, fmt.Sprintf("frame of %d bytes", len(b)))
	}
}

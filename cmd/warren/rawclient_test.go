package main

// A hand-rolled client for the ZooKeeper wire protocol, for what
// go-zookeeper cannot send (multiRead, addWatch, getEphemerals, whoAmI, bad
// input) and for watching the exact order of replies and notifications. It
// has its own jute encoding on purpose: the differential tests must not
// depend on Warren's codec, or a bug there would be invisible on both sides.

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

// Opcodes used by the raw client (zookeeper.jute / ZooDefs.OpCode).
const (
	opCreate          = 1
	opDelete          = 2
	opExists          = 3
	opGetData         = 4
	opSetData         = 5
	opGetACL          = 6
	opSetACL          = 7
	opGetChildren     = 8
	opSync            = 9
	opPing            = 11
	opGetChildren2    = 12
	opCheck           = 13
	opMulti           = 14
	opCreate2         = 15
	opReconfig        = 16
	opCheckWatches    = 17
	opRemoveWatches   = 18
	opCreateContainer = 19
	opDeleteContainer = 20
	opCreateTTL       = 21
	opMultiRead       = 22
	opAuth            = 100
	opGetEphemerals   = 103
	opGetAllChildren  = 104
	opAddWatch        = 106
	opWhoAmI          = 107
	opCloseSession    = -11
)

// errNames are ZooKeeper's error codes by the names KeeperException uses.
var errNames = map[int32]string{
	0: "OK", -1: "SystemError", -2: "RuntimeInconsistency", -3: "DataInconsistency",
	-4: "ConnectionLoss", -5: "MarshallingError", -6: "Unimplemented",
	-7: "OperationTimeout", -8: "BadArguments", -12: "UnknownSession",
	-13: "NewConfigNoQuorum", -14: "ReconfigInProgress", -100: "APIError",
	-101: "NoNode", -102: "NoAuth", -103: "BadVersion", -108: "NoChildrenForEphemerals",
	-110: "NodeExists", -111: "NotEmpty", -112: "SessionExpired", -113: "InvalidCallback",
	-114: "InvalidACL", -115: "AuthFailed", -118: "SessionMoved", -119: "NotReadOnly",
	-120: "EphemeralOnLocalSession", -121: "NoWatcher", -122: "RequestTimeout",
	-123: "ReconfigDisabled", -124: "SessionClosedRequireSasl", -125: "QuotaExceeded",
	-127: "Throttled",
}

func errName(code int32) string {
	if n, ok := errNames[code]; ok {
		return n
	}
	return fmt.Sprintf("err(%d)", code)
}

// eventNames are WatcherEvent types.
var eventNames = map[int32]string{
	-1: "None", 1: "NodeCreated", 2: "NodeDeleted", 3: "NodeDataChanged",
	4: "NodeChildrenChanged", 5: "DataWatchRemoved", 6: "ChildWatchRemoved",
	7: "PersistentWatchRemoved",
}

// jw builds a jute record.
type jw struct{ b []byte }

func (w *jw) i32(v int32) *jw { w.b = binary.BigEndian.AppendUint32(w.b, uint32(v)); return w }
func (w *jw) i64(v int64) *jw { w.b = binary.BigEndian.AppendUint64(w.b, uint64(v)); return w }

func (w *jw) boolean(v bool) *jw {
	if v {
		w.b = append(w.b, 1)
	} else {
		w.b = append(w.b, 0)
	}
	return w
}

func (w *jw) str(s string) *jw { w.i32(int32(len(s))); w.b = append(w.b, s...); return w }

// buf writes a buffer; nil is written as -1, as ZooKeeper writes null.
func (w *jw) buf(b []byte) *jw {
	if b == nil {
		return w.i32(-1)
	}
	w.i32(int32(len(b)))
	w.b = append(w.b, b...)
	return w
}

func (w *jw) strs(ss []string) *jw {
	w.i32(int32(len(ss)))
	for _, s := range ss {
		w.str(s)
	}
	return w
}

// acl is one ACL entry.
type acl struct {
	perms      int32
	scheme, id string
}

func (a acl) String() string { return fmt.Sprintf("%s:%s=%d", a.scheme, a.id, a.perms) }

var openACL = []acl{{31, "world", "anyone"}}

func (w *jw) acls(as []acl) *jw {
	w.i32(int32(len(as)))
	for _, a := range as {
		w.i32(a.perms).str(a.scheme).str(a.id)
	}
	return w
}

// jr reads a jute record; the first error sticks and later reads return
// zero values.
type jr struct {
	b   []byte
	err error
}

func (r *jr) take(n int) []byte {
	if r.err != nil {
		return nil
	}
	if n < 0 || n > len(r.b) {
		r.err = fmt.Errorf("record too short: want %d bytes, have %d", n, len(r.b))
		return nil
	}
	out := r.b[:n]
	r.b = r.b[n:]
	return out
}

func (r *jr) i32() int32 {
	if b := r.take(4); b != nil {
		return int32(binary.BigEndian.Uint32(b))
	}
	return 0
}

func (r *jr) i64() int64 {
	if b := r.take(8); b != nil {
		return int64(binary.BigEndian.Uint64(b))
	}
	return 0
}

func (r *jr) boolean() bool {
	if b := r.take(1); b != nil {
		return b[0] != 0
	}
	return false
}

// buf reads a buffer; -1 is returned as nil.
func (r *jr) buf() []byte {
	n := r.i32()
	if n == -1 || r.err != nil {
		return nil
	}
	return append([]byte{}, r.take(int(n))...)
}

func (r *jr) str() string { return string(r.buf()) }

func (r *jr) strs() []string {
	n := r.i32()
	if n < 0 || r.err != nil {
		return nil
	}
	out := []string{}
	for i := int32(0); i < n && r.err == nil; i++ {
		out = append(out, r.str())
	}
	return out
}

func (r *jr) acls() []acl {
	n := r.i32()
	var out []acl
	for i := int32(0); i < n && r.err == nil; i++ {
		out = append(out, acl{perms: r.i32(), scheme: r.str(), id: r.str()})
	}
	return out
}

// stat is the Stat record.
type stat struct {
	Czxid, Mzxid, Ctime, Mtime  int64
	Version, Cversion, Aversion int32
	EphemeralOwner              int64
	DataLength, NumChildren     int32
	Pzxid                       int64
}

func (r *jr) stat() stat {
	return stat{
		Czxid: r.i64(), Mzxid: r.i64(), Ctime: r.i64(), Mtime: r.i64(),
		Version: r.i32(), Cversion: r.i32(), Aversion: r.i32(),
		EphemeralOwner: r.i64(), DataLength: r.i32(), NumChildren: r.i32(),
		Pzxid: r.i64(),
	}
}

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

// Request bodies.

func pathWatch(path string, watch bool) []byte { return (&jw{}).str(path).boolean(watch).b }
func pathOnly(path string) []byte              { return (&jw{}).str(path).b }

func createBody(path string, data []byte, acls []acl, flags int32) []byte {
	return (&jw{}).str(path).buf(data).acls(acls).i32(flags).b
}

func createTTLBody(path string, data []byte, acls []acl, flags int32, ttl int64) []byte {
	return (&jw{}).str(path).buf(data).acls(acls).i32(flags).i64(ttl).b
}

func pathVersion(path string, version int32) []byte { return (&jw{}).str(path).i32(version).b }

func setDataBody(path string, data []byte, version int32) []byte {
	return (&jw{}).str(path).buf(data).i32(version).b
}

func setACLBody(path string, acls []acl, version int32) []byte {
	return (&jw{}).str(path).acls(acls).i32(version).b
}

func authBody(scheme, auth string) []byte { return (&jw{}).i32(0).str(scheme).buf([]byte(auth)).b }

func pathMode(path string, mode int32) []byte { return (&jw{}).str(path).i32(mode).b }

// multiOp is one operation of a multi or multiRead.
type multiOp struct {
	op   int32
	body []byte
}

func multiBody(ops ...multiOp) []byte {
	w := &jw{}
	for _, o := range ops {
		w.i32(o.op).boolean(false).i32(-1)
		w.b = append(w.b, o.body...)
	}
	return w.i32(-1).boolean(true).i32(-1).b
}

// multiResult is one per-op result of a multi reply.
type multiResult struct {
	Op       int32
	Err      int32
	Path     string
	Stat     *stat
	Data     []byte
	Children []string
}

// readMulti decodes a multi or multiRead response.
func readMulti(r *jr) ([]multiResult, error) {
	var out []multiResult
	for r.err == nil {
		typ, done, err := r.i32(), r.boolean(), r.i32()
		if done {
			break
		}
		res := multiResult{Op: typ, Err: err}
		switch typ {
		case -1:
			res.Err = r.i32()
		case opCreate:
			res.Path = r.str()
		case opCreate2, opCreateContainer, opCreateTTL:
			res.Path = r.str()
			st := r.stat()
			res.Stat = &st
		case opSetData:
			st := r.stat()
			res.Stat = &st
		case opGetData:
			res.Data = r.buf()
			st := r.stat()
			res.Stat = &st
		case opGetChildren:
			res.Children = r.strs()
		case opDelete, opCheck:
		default:
			return out, fmt.Errorf("multi result of unknown type %d", typ)
		}
		out = append(out, res)
	}
	return out, r.err
}

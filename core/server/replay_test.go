package server

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"syscall"
	"testing"
	"time"

	"github.com/warrenzk/warren/core/internal/wiretest"
	"github.com/warrenzk/warren/core/proto"
	"github.com/warrenzk/warren/core/session"
)

// TestReplayClientCaptures replays every client capture of real ZooKeeper
// 3.8 clients (../shared/wire/client) against a fresh Warren node and
// compares each reply with the one ZooKeeper sent, after normalising what
// legitimately differs between two servers (see normalizer and zxidFrame).
// Connections open, send and close in capture order; each reply, watch
// event and close is awaited on its connection in the order ZooKeeper sent
// them there.
func TestReplayClientCaptures(t *testing.T) {
	for _, path := range clientCaptures(t) {
		name := captureName(path)
		t.Run(name, func(t *testing.T) {
			if why, ok := replaySkips[name]; ok {
				t.Skip(why)
			}
			t.Parallel()
			r := newReplayer(t, name, readWireCapture(t, path))
			r.run()
		})
	}
}

// replaySkips lists captures this standalone replay cannot drive.
var replaySkips = map[string]string{
	"java-reconfig-ensemble": "needs a three-server ensemble with reconfigEnabled",
}

const (
	replyTimeout = 10 * time.Second // an awaited frame, including timing-driven events (TTL, expiry)
	closeTimeout = 10 * time.Second // an awaited close
)

// replayConn is one recorded client connection replayed against Warren.
type replayConn struct {
	id int
	nc *net.TCPConn
	br *bufio.Reader

	ops        map[int32]proto.Op // xid → op of every request sent
	sentFirst  bool               // the ConnectRequest (or whatever came first) went out
	gotConnect bool               // its ConnectResponse was read
	dropped    bool               // closed on our side; nothing more to read
	broken     bool               // a read failed; later reads would only cascade
	eof        bool               // Warren closed the connection

	// Warren-only replies, for known ZooKeeper bugs Warren does not
	// reproduce, to read before the connection's next recorded frame.
	extras []extraReply
}

// extraReply is a frame Warren sends where ZooKeeper 3.8 sends nothing: a
// reply to xid, or the watch event.
type extraReply struct {
	xid   int32
	event *proto.WatcherEvent
	why   string
}

type replayer struct {
	t     *testing.T
	name  string
	lines []wiretest.Line
	node  *testNode
	quirk replayQuirk

	conns     map[int]*replayConn
	sessions  map[int64]int64  // capture session id → Warren session id
	warrenIDs map[int64]bool   // Warren session ids handed out
	capPasswd map[int64][]byte // capture session id → the password the capture server gave
	zxids     zxidFrame

	replied   map[[2]int64]bool // (conn, xid) pairs the capture shows a reply for
	firstResp map[int][]byte    // conn → the first frame the capture server sent on it
	rawReply  map[int][]byte    // conn → every raw byte the capture server sent on it

	compared struct{ replies, events, closes, extras int }
}

func newReplayer(t *testing.T, name string, lines []wiretest.Line) *replayer {
	node := startNode(t, func(c *Config) {
		// The capture server's zoo.cfg and system properties.
		c.TickTime = 2 * time.Second // sessions negotiate 4000..40000 ms
		c.ExtendedTypes = true
		c.ContainerCheckInterval = time.Second
		c.FourLetterWords = []string{"*"}
		c.MaxClientCnxns = 100
		c.Version = "0.1.0-dev" // cmd/warren's default version
	})
	quirk := replayQuirks[name]
	seedPrestate(t, node, quirk.prestate)
	r := &replayer{
		t: t, name: name, lines: scheduleRawTails(lines), node: node, quirk: quirk,
		conns:     map[int]*replayConn{},
		sessions:  map[int64]int64{},
		warrenIDs: map[int64]bool{},
		capPasswd: map[int64][]byte{},
		replied:   map[[2]int64]bool{},
		firstResp: map[int][]byte{},
		rawReply:  map[int][]byte{},
	}
	r.zxids.warBase = node.srv.tree.LastZxid()
	for _, l := range r.lines {
		if l.Dir == "c2s" || l.Event != "" {
			continue
		}
		if l.Kind == "raw" {
			r.rawReply[l.Conn] = append(r.rawReply[l.Conn], l.Bytes...)
			continue
		}
		if _, ok := r.firstResp[l.Conn]; !ok {
			r.firstResp[l.Conn] = l.Bytes
			continue
		}
		if len(l.Bytes) >= 4 {
			r.replied[[2]int64{int64(l.Conn), int64(int32(binary.BigEndian.Uint32(l.Bytes)))}] = true
		}
	}
	t.Cleanup(func() {
		for _, c := range r.conns {
			c.nc.Close()
		}
	})
	return r
}

func (r *replayer) errorf(l *wiretest.Line, format string, args ...any) {
	r.t.Helper()
	r.t.Errorf("%s seq %d conn %d: %s", r.name, l.Seq, l.Conn, fmt.Sprintf(format, args...))
}

func (r *replayer) run() {
	for i := range r.lines {
		l := &r.lines[i]
		for _, path := range r.quirk.awaitGone[l.Seq] {
			r.awaitGone(l, path)
		}
		switch {
		case l.Event == "open":
			r.open(l)
		case l.Event == "close" && l.Dir == "c2s":
			r.halfClose(l)
		case l.Event == "close":
			r.expectClosed(l)
		case l.Event == "dropped-by-proxy":
			r.drop(l)
		case l.Event != "":
			r.t.Fatalf("%s seq %d: unknown event %q", r.name, l.Seq, l.Event)
		case l.Dir == "c2s" && l.Kind == "frame":
			r.send(l)
		case l.Dir == "c2s" && l.Kind == "raw":
			r.sendRaw(l)
		case l.Kind == "frame":
			r.expectFrame(l)
		case l.Kind == "raw":
			r.expectRaw(l)
		default:
			r.t.Fatalf("%s seq %d: unknown line kind %q", r.name, l.Seq, l.Kind)
		}
	}
	r.finish()
	r.t.Logf("%s: compared %d replies, %d watch events, %d closes; %d Warren-only frames as expected",
		r.name, r.compared.replies, r.compared.events, r.compared.closes, r.compared.extras)
}

// finish checks that nothing is left over once the capture ends: no
// Warren-only frame still due, no frame the capture does not have.
func (r *replayer) finish() {
	for id := 1; id <= len(r.conns); id++ {
		c, ok := r.conns[id]
		if !ok {
			continue
		}
		if len(c.extras) > 0 {
			r.t.Errorf("%s conn %d: %d Warren-only frames never arrived", r.name, id, len(c.extras))
		}
		if c.dropped || c.eof || c.broken {
			continue
		}
		if b, err := c.readFrame(100 * time.Millisecond); err == nil {
			r.t.Errorf("%s conn %d: a frame after the capture ended: %x", r.name, id, b)
		}
	}
}

func (r *replayer) open(l *wiretest.Line) {
	nc, err := net.DialTimeout("tcp", r.node.addr, time.Second)
	if err != nil {
		r.t.Fatalf("%s seq %d: dial: %v", r.name, l.Seq, err)
	}
	tc := nc.(*net.TCPConn)
	r.conns[l.Conn] = &replayConn{id: l.Conn, nc: tc, br: bufio.NewReaderSize(tc, 64<<10), ops: map[int32]proto.Op{}}
}

func (r *replayer) conn(l *wiretest.Line) *replayConn {
	c, ok := r.conns[l.Conn]
	if !ok {
		r.t.Fatalf("%s seq %d: connection %d used before it opened", r.name, l.Seq, l.Conn)
	}
	return c
}

// halfClose is the client's EOF: the proxy half-closed the server leg.
func (r *replayer) halfClose(l *wiretest.Line) {
	c := r.conn(l)
	if !c.dropped {
		c.nc.CloseWrite()
	}
}

// drop is the proxy cutting both legs to force a reconnect.
func (r *replayer) drop(l *wiretest.Line) {
	c := r.conn(l)
	c.dropped = true
	c.nc.Close()
}

func (r *replayer) write(l *wiretest.Line, c *replayConn, b []byte) {
	c.nc.SetWriteDeadline(time.Now().Add(replyTimeout))
	if _, err := c.nc.Write(b); err != nil {
		r.errorf(l, "write: %v", err)
	}
}

func (r *replayer) send(l *wiretest.Line) {
	c := r.conn(l)
	frame := l.Bytes
	if !c.sentFirst {
		c.sentFirst = true
		frame = r.rewriteConnect(l, frame)
	} else if len(frame) >= 8 {
		var h proto.RequestHeader
		h.Decode(proto.NewDecoder(frame))
		c.ops[h.Xid] = h.Type
		frame = r.rewriteRequest(l, h, frame)
		if h.Type == proto.OpCheck && !r.replied[[2]int64{int64(l.Conn), int64(h.Xid)}] {
			// raw-badinput seq 24: ZooKeeper 3.8 processes a check outside
			// a multi (the version matches, a zxid is consumed) but fails
			// to serialise its empty response and never answers. Warren
			// answers err 0 rather than leave the client waiting.
			c.extras = append(c.extras, extraReply{xid: h.Xid, why: "check outside multi: ZooKeeper never replies"})
		}
	}
	out := make([]byte, 4, 4+len(frame))
	binary.BigEndian.PutUint32(out, uint32(len(frame)))
	r.write(l, c, append(out, frame...))
}

// sendRaw sends bytes the proxy could not frame (four-letter words, bad
// length prefixes). Warren may close the connection on the first bytes, so
// a failed write is expected here; the close is checked where recorded.
func (r *replayer) sendRaw(l *wiretest.Line) {
	c := r.conn(l)
	c.sentFirst = true
	c.nc.SetWriteDeadline(time.Now().Add(replyTimeout))
	c.nc.Write(l.Bytes)
}

// rewriteConnect maps a ConnectRequest that reattaches a recorded session
// onto the Warren session of the same client.
func (r *replayer) rewriteConnect(l *wiretest.Line, frame []byte) []byte {
	var req proto.ConnectRequest
	if proto.Unmarshal(frame, &req) != nil || req.SessionID == 0 {
		return frame // a fresh session, or garbage the server must refuse
	}
	war, ok := r.sessions[req.SessionID]
	if !ok {
		r.errorf(l, "reattach to session 0x%x, which the capture never created", req.SessionID)
		return frame
	}
	right := bytes.Equal(req.Passwd, r.capPasswd[req.SessionID])
	pw := session.Password(war)
	if !right {
		for i := range pw {
			pw[i] ^= 0x5a
		}
	}
	var resp proto.ConnectResponse
	if right && proto.Unmarshal(r.firstResp[l.Conn], &resp) == nil && resp.SessionID == 0 {
		// The capture server refused a reattach with the right password:
		// the session had expired while the client was away (or frozen by
		// SIGSTOP, java-expire). Wait until Warren expires it too.
		r.awaitExpiry(l, war)
	}
	req.SessionID, req.Passwd = war, pw
	req.LastZxidSeen = r.zxids.toWarren(req.LastZxidSeen)
	return proto.Marshal(&req)
}

// awaitExpiry waits until Warren's session tracker has expired the session.
func (r *replayer) awaitExpiry(l *wiretest.Line, id int64) {
	deadline := time.Now().Add(replyTimeout)
	for r.node.srv.sessions.check(id) == nil {
		if time.Now().After(deadline) {
			r.errorf(l, "session 0x%x did not expire within %v", id, replyTimeout)
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// awaitGone waits until the container/TTL reaper has removed path.
func (r *replayer) awaitGone(l *wiretest.Line, path string) {
	deadline := time.Now().Add(replyTimeout)
	for {
		if _, ok := r.node.srv.tree.Lookup(path); !ok {
			return
		}
		if time.Now().After(deadline) {
			r.errorf(l, "%s was not reaped within %v", path, replyTimeout)
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// rewriteRequest translates capture zxids a request carries.
func (r *replayer) rewriteRequest(l *wiretest.Line, h proto.RequestHeader, frame []byte) []byte {
	var body proto.Record
	switch h.Type {
	case proto.OpSetWatches:
		sw := &proto.SetWatches{}
		if proto.Unmarshal(frame[8:], sw) != nil {
			return frame
		}
		sw.RelativeZxid = r.zxids.toWarren(sw.RelativeZxid)
		body = sw
	case proto.OpSetWatches2:
		sw := &proto.SetWatches2{}
		if proto.Unmarshal(frame[8:], sw) != nil {
			return frame
		}
		sw.RelativeZxid = r.zxids.toWarren(sw.RelativeZxid)
		body = sw
	default:
		return frame
	}
	e := proto.NewEncoder(nil)
	h.Encode(e)
	body.Encode(e)
	return e.Bytes()
}

// readFrame reads one length-prefixed frame.
func (c *replayConn) readFrame(timeout time.Duration) ([]byte, error) {
	c.nc.SetReadDeadline(time.Now().Add(timeout))
	var lb [4]byte
	if _, err := io.ReadFull(c.br, lb[:]); err != nil {
		return nil, err
	}
	n := binary.BigEndian.Uint32(lb[:])
	if n > 16<<20 {
		return nil, fmt.Errorf("frame length %d", n)
	}
	b := make([]byte, n)
	if _, err := io.ReadFull(c.br, b); err != nil {
		return nil, err
	}
	return b, nil
}

// isClosed tells a closed connection from a timeout or another failure.
func isClosed(err error) bool {
	return errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, syscall.ECONNRESET) || errors.Is(err, net.ErrClosed)
}

// readable reports whether the next frame on c can be awaited.
func (r *replayer) readable(l *wiretest.Line, c *replayConn) bool {
	switch {
	case c.dropped:
		r.errorf(l, "frame recorded after the connection was dropped")
	case c.broken:
	case c.eof:
		r.errorf(l, "Warren closed the connection; capture has %s", l.Note)
		c.broken = true
	default:
		return true
	}
	return false
}

// readOrReport reads the next frame, reporting a missing one.
func (r *replayer) readOrReport(l *wiretest.Line, c *replayConn, what string) ([]byte, bool) {
	b, err := c.readFrame(replyTimeout)
	if err != nil {
		if isClosed(err) {
			c.eof = true
			r.errorf(l, "Warren closed the connection; want %s", what)
		} else {
			r.errorf(l, "no frame from Warren (want %s): %v", what, err)
		}
		c.broken = true
		return nil, false
	}
	return b, true
}

// takeExtras reads the Warren-only frames due before the frame (or close)
// recorded at l.
func (r *replayer) takeExtras(l *wiretest.Line, c *replayConn) {
	for _, w := range r.quirk.warrenOnly {
		if w.beforeSeq == l.Seq && w.conn == l.Conn {
			c.extras = append(c.extras, extraReply{event: &w.event, why: w.why})
		}
	}
	for len(c.extras) > 0 && r.readable(l, c) {
		x := c.extras[0]
		c.extras = c.extras[1:]
		e := proto.NewEncoder(nil)
		want := fmt.Sprintf("Warren's reply {xid %d err 0}", x.xid)
		if x.event != nil {
			want = fmt.Sprintf("Warren's event %+v", *x.event)
			h := proto.ReplyHeader{Xid: proto.XidNotification, Zxid: -1}
			h.Encode(e)
			x.event.Encode(e)
		}
		b, ok := r.readOrReport(l, c, want+" ("+x.why+")")
		if !ok {
			return
		}
		r.compared.extras++
		if x.event != nil {
			if !bytes.Equal(b, e.Bytes()) {
				r.errorf(l, "want %s (%s), got %x", want, x.why, b)
			}
			continue
		}
		var h proto.ReplyHeader
		if err := proto.Unmarshal(b, &h); err != nil || h.Xid != x.xid || h.Err != proto.ErrOK {
			r.errorf(l, "want %s (%s), got %x", want, x.why, b)
		}
	}
}

func (r *replayer) expectFrame(l *wiretest.Line) {
	c := r.conn(l)
	r.takeExtras(l, c)
	if !r.readable(l, c) {
		return
	}
	got, ok := r.readOrReport(l, c, l.Note)
	if !ok {
		return
	}
	if !c.gotConnect {
		c.gotConnect = true
		r.compareConnect(l, got)
		r.compared.replies++
		return
	}
	r.compareReply(l, c, got)
}

// compareConnect checks a ConnectResponse and learns which Warren session
// stands for which recorded one.
func (r *replayer) compareConnect(l *wiretest.Line, got []byte) {
	var want, have proto.ConnectResponse
	if err := proto.Unmarshal(l.Bytes, &want); err != nil {
		r.t.Fatalf("%s seq %d: recorded ConnectResponse: %v", r.name, l.Seq, err)
	}
	if err := proto.Unmarshal(got, &have); err != nil {
		r.errorf(l, "ConnectResponse %x: %v", got, err)
		return
	}
	switch {
	case want.SessionID == 0:
		if have.SessionID != 0 || !bytes.Equal(have.Passwd, want.Passwd) {
			r.errorf(l, "want a refusal (session 0, zero password), got session 0x%x", have.SessionID)
		}
	case r.sessions[want.SessionID] != 0:
		if w := r.sessions[want.SessionID]; have.SessionID != w {
			r.errorf(l, "reattach gave session 0x%x, want 0x%x", have.SessionID, w)
		}
	case have.SessionID == 0 || r.warrenIDs[have.SessionID]:
		r.errorf(l, "want a new session, got 0x%x", have.SessionID)
	default:
		r.sessions[want.SessionID] = have.SessionID
		r.warrenIDs[have.SessionID] = true
		r.capPasswd[want.SessionID] = want.Passwd
	}
	if want.SessionID != 0 && have.SessionID != 0 && !session.CheckPassword(have.SessionID, have.Passwd) {
		r.errorf(l, "session 0x%x came with a password that does not check", have.SessionID)
	}
	want.SessionID, want.Passwd, have.SessionID, have.Passwd = 0, nil, 0, nil
	if w, h := proto.Marshal(&want), proto.Marshal(&have); !bytes.Equal(w, h) {
		r.errorf(l, "ConnectResponse differs:\n\twant %+v\n\tgot  %+v", want, have)
	}
}

func (r *replayer) compareReply(l *wiretest.Line, c *replayConn, got []byte) {
	var wh, gh proto.ReplyHeader
	wh.Decode(proto.NewDecoder(l.Bytes))
	gh.Decode(proto.NewDecoder(got))
	if n := r.quirk.foreignZxids[l.Seq]; n != 0 && r.zxids.set {
		r.zxids.capBase += n
	}
	if !r.zxids.set && wh.Zxid > 0 && gh.Zxid > 0 {
		r.zxids.anchor(wh.Zxid, gh.Zxid)
	}
	capN := normalizer{zxids: &r.zxids, capture: true, sessions: r.sessions}
	warN := normalizer{zxids: &r.zxids}
	want, wantDesc, err := capN.reply(l.Bytes, c.ops)
	if err != nil {
		r.t.Fatalf("%s seq %d: recorded reply: %v", r.name, l.Seq, err)
	}
	have, haveDesc, err := warN.reply(got, c.ops)
	if err != nil {
		r.errorf(l, "reply %x: %v (want %s)", got, err, wantDesc)
		return
	}
	if !bytes.Equal(want, have) {
		r.errorf(l, "reply differs (%s):\n\twant %s\n\tgot  %s", l.Note, wantDesc, haveDesc)
	}
	if wh.Xid == proto.XidNotification {
		r.compared.events++
	} else {
		r.compared.replies++
	}
	if wh.Zxid > 0 && gh.Zxid > 0 && r.zxids.canon(wh.Zxid, true) != r.zxids.canon(gh.Zxid, false) {
		// Reported above; re-anchor so that later replies are judged
		// relative to this one rather than all failing alike.
		r.zxids.anchor(wh.Zxid, gh.Zxid)
	}
}

// expectRaw compares a four-letter-word answer: Warren writes it and closes.
func (r *replayer) expectRaw(l *wiretest.Line) {
	c := r.conn(l)
	if c.eof || c.broken {
		return // the whole answer was read with its first chunk
	}
	c.nc.SetReadDeadline(time.Now().Add(replyTimeout))
	got, err := io.ReadAll(c.br)
	c.eof = true
	if err != nil && !isClosed(err) {
		r.errorf(l, "read four-letter answer: %v", err)
		c.broken = true
		return
	}
	want := r.rawReply[l.Conn]
	if bytes.HasPrefix(want, []byte("Environment:")) {
		if w, g := normalizeEnvi(string(want)), normalizeEnvi(string(got)); w != g {
			r.errorf(l, "envi answer: want %s, got %s:\n%s", w, g, got)
		}
		return
	}
	if !bytes.Equal(want, got) {
		r.errorf(l, "raw answer differs:\n\twant %q\n\tgot  %q", want, got)
	}
}

// expectClosed checks that Warren closed the connection, with nothing
// unexpected before the close.
func (r *replayer) expectClosed(l *wiretest.Line) {
	c := r.conn(l)
	r.takeExtras(l, c)
	if c.dropped || c.eof || c.broken {
		return
	}
	b, err := c.readFrame(closeTimeout)
	switch {
	case err == nil:
		r.errorf(l, "want the connection closed, got a frame %x", b)
		c.broken = true
	case isClosed(err):
		c.eof = true
		r.compared.closes++
	default:
		r.errorf(l, "want the connection closed: %v", err)
		c.broken = true
	}
}

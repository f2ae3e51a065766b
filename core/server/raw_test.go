package server

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"net"
	"testing"
	"time"

	"github.com/warrenzk/warren/core/proto"
)

// rawConn speaks the client protocol by hand, for what real clients never
// send: pipelined requests, garbage, bad lengths.
type rawConn struct {
	nc  net.Conn
	xid int32
}

func dialRaw(t *testing.T, addr string) *rawConn {
	t.Helper()
	nc, err := net.DialTimeout("tcp", addr, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	nc.SetDeadline(time.Now().Add(10 * time.Second))
	t.Cleanup(func() { nc.Close() })
	return &rawConn{nc: nc}
}

func (r *rawConn) writeFrame(t *testing.T, b []byte) {
	t.Helper()
	var l [4]byte
	binary.BigEndian.PutUint32(l[:], uint32(len(b)))
	if _, err := r.nc.Write(append(l[:], b...)); err != nil {
		t.Fatal(err)
	}
}

func (r *rawConn) readFrame() ([]byte, error) {
	var l [4]byte
	if _, err := io.ReadFull(r.nc, l[:]); err != nil {
		return nil, err
	}
	b := make([]byte, binary.BigEndian.Uint32(l[:]))
	_, err := io.ReadFull(r.nc, b)
	return b, err
}

func (r *rawConn) connect(t *testing.T, id int64, passwd []byte, timeoutMs int32) (int64, []byte) {
	t.Helper()
	if passwd == nil {
		passwd = make([]byte, 16)
	}
	req := proto.ConnectRequest{TimeOut: timeoutMs, SessionID: id, Passwd: passwd, HasReadOnly: true}
	r.writeFrame(t, proto.Marshal(&req))
	b, err := r.readFrame()
	if err != nil {
		t.Fatalf("connect: %v", err)
	}
	var resp proto.ConnectResponse
	if err := proto.Unmarshal(b, &resp); err != nil {
		t.Fatal(err)
	}
	return resp.SessionID, resp.Passwd
}

// request sends one request and returns the raw frame bytes to send.
func (r *rawConn) request(op proto.Op, body proto.Record) []byte {
	r.xid++
	e := proto.NewEncoder(nil)
	h := proto.RequestHeader{Xid: r.xid, Type: op}
	h.Encode(e)
	if body != nil {
		body.Encode(e)
	}
	return e.Bytes()
}

func (r *rawConn) reply(t *testing.T) (proto.ReplyHeader, *proto.Decoder) {
	t.Helper()
	b, err := r.readFrame()
	if err != nil {
		t.Fatalf("read reply: %v", err)
	}
	d := proto.NewDecoder(b)
	var h proto.ReplyHeader
	h.Decode(d)
	return h, d
}

func (r *rawConn) createEphemeral(t *testing.T, path string) {
	t.Helper()
	r.writeFrame(t, r.request(proto.OpCreate, &proto.CreateRequest{Path: path, ACL: proto.OpenACLUnsafe, Flags: proto.ModeEphemeral}))
	if h, _ := r.reply(t); h.Err != proto.ErrOK {
		t.Fatalf("create %s: %v", path, h.Err)
	}
}

// expectClosed asserts the server closes the connection without a reply.
func (r *rawConn) expectClosed(t *testing.T) {
	t.Helper()
	r.nc.SetReadDeadline(time.Now().Add(5 * time.Second))
	b, err := r.readFrame()
	if err == nil {
		t.Fatalf("got a reply %x, want the connection closed", b)
	}
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		t.Fatal("connection still open")
	}
}

func TestReattachKeepsSessionAndWrongPasswordIsRefused(t *testing.T) {
	n := startNode(t)
	a := dialRaw(t, n.addr)
	id, pw := a.connect(t, 0, nil, 4000)
	if id == 0 || len(pw) != 16 {
		t.Fatalf("connect gave 0x%x %x", id, pw)
	}
	a.createEphemeral(t, "/mine")

	b := dialRaw(t, n.addr)
	if got, gotPw := b.connect(t, id, pw, 4000); got != id || !bytes.Equal(gotPw, pw) {
		t.Fatalf("reattach gave 0x%x, want 0x%x", got, id)
	}
	a.expectClosed(t) // the old connection is replaced

	bad := dialRaw(t, n.addr)
	wrong := append([]byte(nil), pw...)
	wrong[0] ^= 0xff
	if got, _ := bad.connect(t, id, wrong, 4000); got != 0 {
		t.Fatalf("wrong password accepted: 0x%x", got)
	}
	bad.expectClosed(t)

	// The session and its ephemeral survived all that.
	b.writeFrame(t, b.request(proto.OpExists, &proto.ExistsRequest{Path: "/mine"}))
	if h, _ := b.reply(t); h.Err != proto.ErrOK {
		t.Fatalf("exists /mine after reattach: %v", h.Err)
	}
}

func TestPipelinedRequestsKeepFIFO(t *testing.T) {
	n := startNode(t)
	r := dialRaw(t, n.addr)
	r.connect(t, 0, nil, 4000)
	var batch []byte
	const rounds = 50
	for i := 0; i < rounds; i++ {
		for _, f := range [][]byte{
			r.request(proto.OpCreate, &proto.CreateRequest{Path: "/p-", Data: []byte{byte(i)}, ACL: proto.OpenACLUnsafe, Flags: proto.ModePersistentSequential}),
			r.request(proto.OpGetChildren, &proto.GetChildrenRequest{Path: "/"}),
		} {
			var l [4]byte
			binary.BigEndian.PutUint32(l[:], uint32(len(f)))
			batch = append(batch, l[:]...)
			batch = append(batch, f...)
		}
	}
	if _, err := r.nc.Write(batch); err != nil {
		t.Fatal(err)
	}
	for i := int32(1); i <= 2*rounds; i++ {
		h, d := r.reply(t)
		if h.Xid != i || h.Err != proto.ErrOK {
			t.Fatalf("reply %d: %+v", i, h)
		}
		if i%2 == 0 { // the read must see every create before it
			var resp proto.GetChildrenResponse
			resp.Decode(d)
			if want := int(i/2) + 1; len(resp.Children) != want {
				t.Fatalf("read %d saw %d children, want %d", i, len(resp.Children), want)
			}
		}
	}
}

func TestBadInputIsRefusedAndServerSurvives(t *testing.T) {
	n := startNode(t)
	cases := []struct {
		name string
		send func(t *testing.T, r *rawConn)
	}{
		{"garbage before connect", func(t *testing.T, r *rawConn) { r.writeFrame(t, []byte{1, 2, 3}) }},
		{"ping before connect", func(t *testing.T, r *rawConn) { r.writeFrame(t, r.request(proto.OpPing, nil)) }},
		{"negative length", func(t *testing.T, r *rawConn) { r.nc.Write([]byte{0xff, 0xff, 0xff, 0xfb}) }},
		{"length over jute.maxbuffer", func(t *testing.T, r *rawConn) {
			r.connect(t, 0, nil, 4000)
			r.nc.Write([]byte{0x00, 0x10, 0x00, 0x01})
		}},
		{"unknown four letters", func(t *testing.T, r *rawConn) { r.nc.Write([]byte("xyzw")) }},
		{"unknown opcode", func(t *testing.T, r *rawConn) {
			r.connect(t, 0, nil, 4000)
			r.writeFrame(t, r.request(999, nil))
			h, _ := r.reply(t)
			if h.Err != proto.ErrUnimplemented || h.Zxid != -1 {
				t.Fatalf("unknown opcode reply %+v", h)
			}
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := dialRaw(t, n.addr)
			tc.send(t, r)
			r.expectClosed(t)
		})
	}

	// Errors that keep the connection usable.
	r := dialRaw(t, n.addr)
	r.connect(t, 0, nil, 4000)
	for _, tc := range []struct {
		name  string
		frame []byte
		want  proto.Err
	}{
		{"truncated body", append(r.request(proto.OpGetData, nil), 0, 0), proto.ErrMarshallingError},
		{"getData without slash", r.request(proto.OpGetData, &proto.GetDataRequest{Path: "noslash"}), proto.ErrNoNode},
		{"create without slash", r.request(proto.OpCreate, &proto.CreateRequest{Path: "noslash", ACL: proto.OpenACLUnsafe}), proto.ErrBadArguments},
		{"bad path", r.request(proto.OpCreate, &proto.CreateRequest{Path: "/a/../b", ACL: proto.OpenACLUnsafe}), proto.ErrNoNode},
		{"empty ACL", r.request(proto.OpCreate, &proto.CreateRequest{Path: "/x", ACL: []proto.ACL{}}), proto.ErrInvalidACL},
		{"unknown scheme", r.request(proto.OpCreate, &proto.CreateRequest{Path: "/x", ACL: []proto.ACL{{Perms: 31, ID: proto.Id{Scheme: "nope", ID: "x"}}}}), proto.ErrInvalidACL},
		{"bad flags", r.request(proto.OpCreate, &proto.CreateRequest{Path: "/x", ACL: proto.OpenACLUnsafe, Flags: 99}), proto.ErrBadArguments},
		{"deleteContainer from a client", r.request(proto.OpDeleteContainer, &proto.CheckVersionRequest{Path: "/x"}), proto.ErrBadArguments},
		{"delete root", r.request(proto.OpDelete, &proto.DeleteRequest{Path: "/zookeeper", Version: -1}), proto.ErrBadArguments},
		{"oversized data is fine below the limit", r.request(proto.OpCreate, &proto.CreateRequest{Path: "/big", Data: make([]byte, 1000000), ACL: proto.OpenACLUnsafe}), proto.ErrOK},
	} {
		r.writeFrame(t, tc.frame)
		if h, _ := r.reply(t); h.Err != tc.want {
			t.Errorf("%s: err %v, want %v", tc.name, h.Err, tc.want)
		}
	}
}

// waitFor polls cond for up to 10 seconds.
func waitFor(t *testing.T, cond func() bool, what string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestSASLWithoutProvider: a SASL token is answered OK with a null token and
// the connection stays usable, as ZooKeeper without a JAAS login answers;
// a SASL body that does not decode closes the connection.
func TestSASLWithoutProvider(t *testing.T) {
	n := startNode(t)
	r := dialRaw(t, n.addr)
	r.connect(t, 0, nil, 4000)
	r.writeFrame(t, r.request(proto.OpSASL, &proto.GetSASLRequest{Token: []byte("token")}))
	h, d := r.reply(t)
	if h.Err != proto.ErrOK || h.Zxid != 0 || d.Buffer() != nil || d.Err() != nil || d.Remaining() != 0 {
		t.Fatalf("sasl reply %+v, want OK, zxid 0 and a null token", h)
	}
	r.writeFrame(t, r.request(proto.OpExists, &proto.ExistsRequest{Path: "/"}))
	if h, _ := r.reply(t); h.Err != proto.ErrOK {
		t.Fatalf("exists after sasl: %v", h.Err)
	}

	bad := dialRaw(t, n.addr)
	bad.connect(t, 0, nil, 4000)
	bad.writeFrame(t, bad.request(proto.OpSASL, nil))
	bad.expectClosed(t)
}

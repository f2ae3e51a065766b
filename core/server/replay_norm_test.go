package server

import (
	"bytes"
	"fmt"
	"regexp"
	"sort"
	"strings"

	"github.com/warrenzk/warren/core/proto"
)

// zxidFrame relates the capture server's zxids to Warren's. The capture
// server had run other scenarios before, so its zxids carry an offset; the
// first reply with a zxid fixes it (capBase ↔ warBase), and from then on a
// zxid is compared as its distance from that origin. That checks that every
// request consumed as many zxids as on ZooKeeper (failed writes take one
// too), not the absolute numbers. A zxid from before the replay began (a
// node the capture server created in an earlier scenario, Warren's built-in
// nodes) is only "earlier than the replay".
type zxidFrame struct {
	set     bool
	capBase int64 // the capture zxid that corresponds to warBase
	warBase int64 // Warren's last zxid when the replay began
}

// zxidBefore is the canonical value of a zxid that predates the replay.
const zxidBefore = 0

func (z *zxidFrame) anchor(capZxid, warZxid int64) {
	z.capBase = capZxid - (warZxid - z.warBase)
	z.set = true
}

// canon maps a zxid of either side to its distance from the origin; 0 and
// -1 (none, notifications) stay as they are.
func (z *zxidFrame) canon(v int64, capture bool) int64 {
	if v <= 0 {
		return v
	}
	base := z.warBase
	if capture {
		if !z.set {
			return v
		}
		base = z.capBase
	}
	if v <= base {
		return zxidBefore
	}
	return v - base
}

// toWarren translates a capture zxid a client sends (lastZxidSeen,
// setWatches' relativeZxid) into Warren's numbering.
func (z *zxidFrame) toWarren(v int64) int64 {
	if v <= 0 || !z.set {
		return v
	}
	if v <= z.capBase {
		return z.warBase
	}
	return v - z.capBase + z.warBase
}

// normalizer rewrites what legitimately differs between the capture server
// and Warren: zxids (see zxidFrame), ctime/mtime, ephemeral owners (capture
// session ids become the Warren ids of the same sessions) and the order of
// what ZooKeeper keeps in hash sets (children, ephemerals, a connection's
// auth ids), which is no order at all.
type normalizer struct {
	zxids    *zxidFrame
	capture  bool
	sessions map[int64]int64 // capture session id → Warren session id
}

func (n normalizer) zxid(v int64) int64 { return n.zxids.canon(v, n.capture) }

func (n normalizer) owner(v int64) int64 {
	if n.capture {
		if w, ok := n.sessions[v]; ok {
			return w
		}
	}
	return v
}

func (n normalizer) stat(s *proto.Stat) {
	s.Czxid, s.Mzxid, s.Pzxid = n.zxid(s.Czxid), n.zxid(s.Mzxid), n.zxid(s.Pzxid)
	s.Ctime, s.Mtime = 0, 0
	s.EphemeralOwner = n.owner(s.EphemeralOwner)
}

func (n normalizer) body(r proto.Record) {
	switch b := r.(type) {
	case *proto.Create2Response:
		n.stat(&b.Stat)
	case *proto.ExistsResponse:
		n.stat(&b.Stat)
	case *proto.GetDataResponse:
		n.stat(&b.Stat)
	case *proto.SetDataResponse:
		n.stat(&b.Stat)
	case *proto.SetACLResponse:
		n.stat(&b.Stat)
	case *proto.GetACLResponse:
		n.stat(&b.Stat)
	case *proto.GetChildrenResponse:
		sort.Strings(b.Children)
	case *proto.GetChildren2Response:
		sort.Strings(b.Children)
		n.stat(&b.Stat)
	case *proto.GetEphemeralsResponse:
		sort.Strings(b.Ephemerals)
	case *proto.WhoAmIResponse:
		// ServerCnxn.authInfo is a set too: hash order.
		sort.Slice(b.ClientInfo, func(i, j int) bool {
			x, y := b.ClientInfo[i], b.ClientInfo[j]
			return x.AuthScheme < y.AuthScheme || x.AuthScheme == y.AuthScheme && x.User < y.User
		})
	case *proto.MultiResponse:
		for _, res := range b.Results {
			n.body(res.Record)
		}
	}
}

// reply decodes one reply frame (ReplyHeader + body, no length prefix),
// normalises it and re-encodes it. ops maps the connection's xids to the
// opcodes of its requests, which decide the body's record.
func (n normalizer) reply(frame []byte, ops map[int32]proto.Op) (canon []byte, desc string, err error) {
	d := proto.NewDecoder(frame)
	var h proto.ReplyHeader
	h.Decode(d)
	var body proto.Record
	switch h.Xid {
	case proto.XidNotification:
		body = &proto.WatcherEvent{}
	case proto.XidPing, proto.XidAuth:
	default:
		op, ok := ops[h.Xid]
		if !ok {
			return nil, "", fmt.Errorf("reply to xid %d, which no request used", h.Xid)
		}
		if h.Err == proto.ErrOK {
			body = proto.ResponseRecord(op)
		}
	}
	if body != nil {
		body.Decode(d)
	}
	if d.Err() != nil {
		return nil, "", fmt.Errorf("decode reply: %w", d.Err())
	}
	if d.Remaining() != 0 {
		return nil, "", fmt.Errorf("%d bytes after the reply record", d.Remaining())
	}
	// The comparison below is of re-encoded records; a frame that does
	// not re-encode to itself (a null string read as "") would slip by.
	if again := encodeReplyRecord(h, body); !bytes.Equal(again, frame) {
		return nil, "", fmt.Errorf("reply does not re-encode to its own bytes (%x)", again)
	}
	h.Zxid = n.zxid(h.Zxid)
	n.body(body)
	return encodeReplyRecord(h, body), describe(h, body), nil
}

func encodeReplyRecord(h proto.ReplyHeader, body proto.Record) []byte {
	e := proto.NewEncoder(nil)
	h.Encode(e)
	if body != nil {
		body.Encode(e)
	}
	return e.Bytes()
}

// describe renders a normalised reply for a failure message.
func describe(h proto.ReplyHeader, body proto.Record) string {
	var b strings.Builder
	fmt.Fprintf(&b, "{xid %d zxid %d err %d}", h.Xid, h.Zxid, int32(h.Err))
	switch r := body.(type) {
	case nil:
	case *proto.MultiResponse:
		b.WriteString(" multi[")
		for i, res := range r.Results {
			if i > 0 {
				b.WriteString(", ")
			}
			fmt.Fprintf(&b, "{type %d err %d", int32(res.Type), int32(res.Err))
			if res.Record != nil {
				fmt.Fprintf(&b, " %+v", res.Record)
			}
			b.WriteString("}")
		}
		b.WriteString("]")
	default:
		fmt.Fprintf(&b, " %+v", body)
	}
	s := b.String()
	if len(s) > 600 {
		s = s[:600] + "…"
	}
	return s
}

// envVersion is the part of the envi answer a client parses: kazoo's
// server_version() reads the numbers at the start of zookeeper.version.
var envVersion = regexp.MustCompile(`(?m)^zookeeper\.version=(\d+\.\d+\.\d+)`)

// normalizeEnvi reduces an envi answer to what is comparable across
// servers: the header line, that every other line is key=value, and that
// zookeeper.version starts with a dotted version. The values (host, paths,
// runtime, memory) describe the machine, and Warren is not a JVM.
func normalizeEnvi(text string) string {
	lines := strings.Split(strings.TrimSuffix(text, "\n"), "\n")
	if len(lines) == 0 || lines[0] != "Environment:" {
		return "no Environment: header"
	}
	for _, l := range lines[1:] {
		if !strings.Contains(l, "=") {
			return fmt.Sprintf("line %q is not key=value", l)
		}
	}
	if !envVersion.MatchString(text) {
		return "no zookeeper.version=N.N.N line"
	}
	return "Environment: key=value lines with zookeeper.version=N.N.N"
}

package proto

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"os"
	"reflect"
	"testing"

	"github.com/warrenzk/warren/core/internal/wiretest"
)

// Fuzz targets for every decoder. Each must never panic; when a decode
// succeeds, encoding the value and decoding the result must give an equal
// value. Seeds come from the wire captures (deduplicated by message kind and
// length, frames over maxSeed bytes left out) plus hand-made edge cases.

const maxSeed = 64 << 10

// captureSeeds holds seed inputs taken from the captures, by target.
type captureSeeds struct {
	connects  [][]byte // ConnectRequest and ConnectResponse frames
	requests  [][]byte // RequestHeader + body
	replies   []reply  // reply bodies with their op
	multis    [][]byte // multi request and response bodies
	packets   [][]byte // QuorumPackets
	txns      [][]byte // PROPOSAL and INFORM data
	elections [][]byte // handshakes and notifications
}

type reply struct {
	op   Op
	body []byte
}

// loadSeeds classifies capture frames for seeding; it returns empty seeds
// when the captures are absent, so fuzz targets still run without them.
func loadSeeds(tb testing.TB) *captureSeeds {
	s := &captureSeeds{}
	if _, err := os.Stat(wiretest.Dir()); err != nil {
		return s
	}
	seen := map[string]bool{}
	add := func(dst *[][]byte, key string, b []byte) {
		if len(b) > maxSeed || seen[key] {
			return
		}
		seen[key] = true
		*dst = append(*dst, b)
	}
	for _, path := range captureFiles(tb) {
		c := readCapture(tb, path)
		first := map[string]bool{}
		ops := map[string]Op{}
		for _, l := range c.lines {
			b := l.Bytes
			conn := fmt.Sprintf("%d", l.Conn)
			switch {
			case l.Kind == "qp":
				typ := int32(binary.BigEndian.Uint32(b))
				add(&s.packets, fmt.Sprintf("qp %d %s %d", typ, l.Dir, len(b)), b)
				var p QuorumPacket
				if Unmarshal(b, &p) == nil && (p.Type == PacketProposal || p.Type == PacketInform) && len(p.Data) >= 36 {
					add(&s.txns, fmt.Sprintf("txn %d %d", int32(binary.BigEndian.Uint32(p.Data[32:])), len(p.Data)), p.Data)
				}
			case l.Kind == "handshake" || (l.Kind == "frame" && l.Route != "client"):
				add(&s.elections, fmt.Sprintf("election %s %d", l.Kind, len(b)), b)
			case l.Kind == "frame" && l.Route == "client":
				if !first[l.Dir+conn] {
					first[l.Dir+conn] = true
					add(&s.connects, fmt.Sprintf("connect %s %d", l.Dir, len(b)), b)
					continue
				}
				if l.Dir == "c2s" && len(b) >= 8 {
					xid, op := int32(binary.BigEndian.Uint32(b)), Op(binary.BigEndian.Uint32(b[4:]))
					ops[conn+fmt.Sprint(xid)] = op
					add(&s.requests, fmt.Sprintf("req %d %d", op, len(b)), b)
					if op == OpMulti || op == OpMultiRead {
						add(&s.multis, fmt.Sprintf("multi req %d", len(b)), b[8:])
					}
				}
				if l.Dir == "s2c" && len(b) >= 16 {
					xid := int32(binary.BigEndian.Uint32(b))
					op, ok := ops[conn+fmt.Sprint(xid)]
					if !ok || binary.BigEndian.Uint32(b[12:]) != 0 {
						continue
					}
					if key := fmt.Sprintf("rep %d %d", op, len(b)); !seen[key] && len(b) <= maxSeed {
						seen[key] = true
						s.replies = append(s.replies, reply{op, b[16:]})
					}
					if op == OpMulti || op == OpMultiRead {
						add(&s.multis, fmt.Sprintf("multi rep %d", len(b)), b[16:])
					}
				}
			}
		}
	}
	return s
}

// fresh returns a new zero record of the same type as r.
func fresh(r Record) Record {
	return reflect.New(reflect.TypeOf(r).Elem()).Interface().(Record)
}

// reencode encodes recs, decodes the bytes into fresh records of the same
// types and requires equal values and no leftover bytes.
func reencode(t *testing.T, recs ...Record) {
	t.Helper()
	var e Encoder
	for _, r := range recs {
		r.Encode(&e)
	}
	d := NewDecoder(e.Bytes())
	for _, r := range recs {
		r2 := fresh(r)
		r2.Decode(d)
		if err := d.Err(); err != nil {
			t.Fatalf("re-decoding %T from %x: %v", r, e.Bytes(), err)
		}
		if !reflect.DeepEqual(r, r2) {
			t.Fatalf("%T changed across re-encoding:\n%+v\n%+v", r, r, r2)
		}
	}
	if d.Remaining() != 0 {
		t.Fatalf("re-encoding left %d bytes", d.Remaining())
	}
}

// decodeFull decodes recs in order from b and reports whether that
// succeeded and consumed every byte.
func decodeFull(b []byte, recs ...Record) bool {
	d := NewDecoder(b)
	for _, r := range recs {
		r.Decode(d)
	}
	return d.Err() == nil && d.Remaining() == 0
}

// join concatenates encoded records and raw byte strings into one seed.
func join(parts ...any) []byte {
	var e Encoder
	for _, p := range parts {
		switch v := p.(type) {
		case Record:
			v.Encode(&e)
		case []byte:
			e.Raw(v)
		case int32:
			e.Int(v)
		case int64:
			e.Long(v)
		default:
			panic(fmt.Sprintf("join: %T", p))
		}
	}
	return e.Bytes()
}

func FuzzConnectRequest(f *testing.F) {
	for _, b := range loadSeeds(f).connects {
		f.Add(b)
	}
	pw := make([]byte, 16)
	f.Add(join(&ConnectRequest{TimeOut: 10000, Passwd: pw})) // 44 bytes, no readOnly
	f.Add(join(&ConnectRequest{TimeOut: 10000, Passwd: []byte{}, HasReadOnly: true, ReadOnly: true}))
	f.Add(join(&ConnectRequest{TimeOut: 10000, HasReadOnly: true}))                                // null passwd
	f.Add(join(&ConnectResponse{TimeOut: 4000, SessionID: 1, Passwd: pw}))                         // 36 bytes
	f.Add(join(int32(0), int32(0), int32(0), int32(10000), int32(0), int32(0), int32(-16)))        // negative length
	f.Add(join(int32(0), int32(0), int32(0), int32(10000), int32(0), int32(0), int32(0x7fffffff))) // huge length
	f.Fuzz(func(t *testing.T, b []byte) {
		var req ConnectRequest
		if decodeFull(b, &req) {
			reencode(t, &req)
		}
		var resp ConnectResponse
		if decodeFull(b, &resp) {
			reencode(t, &resp)
		}
	})
}

func FuzzRequest(f *testing.F) {
	for _, b := range loadSeeds(f).requests {
		f.Add(b)
	}
	f.Add(join(&RequestHeader{Xid: XidPing, Type: OpPing}))
	f.Add(join(&RequestHeader{Xid: 1, Type: OpCreate}, &CreateRequest{Path: "/a"})) // null data and ACL
	f.Add(join(&RequestHeader{Xid: 1, Type: OpCreate}, &CreateRequest{Path: "/a", Data: []byte{}, ACL: []ACL{}}))
	f.Add(join(&RequestHeader{Xid: 1, Type: OpCreate}, int32(2), []byte("/a"), int32(-1), int32(0x7fffffff))) // huge ACL count
	f.Add(join(&RequestHeader{Xid: 1, Type: OpReconfig}, &ReconfigRequest{CurConfigID: -1}))                  // all null
	f.Add(join(&RequestHeader{Xid: 1, Type: OpReconfig}, int32(0), int32(0), int32(0), int32(0), int32(0)))   // all empty
	f.Add(join(&RequestHeader{Xid: 1, Type: OpMulti}, &MultiHeader{Type: OpMulti, Err: -1}))                  // multi in multi
	f.Add(join(&RequestHeader{Xid: 1, Type: OpSetWatches}, int32(0), int32(0), int32(-2)))                    // negative count
	f.Add(join(&RequestHeader{Xid: 1, Type: OpSetWatches2}, &SetWatches2{DataWatches: []string{"/a"}}))
	f.Fuzz(func(t *testing.T, b []byte) {
		d := NewDecoder(b)
		var h RequestHeader
		h.Decode(d)
		rec := RequestRecord(h.Type)
		if rec == nil {
			return
		}
		rec.Decode(d)
		if d.Err() == nil && d.Remaining() == 0 {
			reencode(t, &h, rec)
		}
	})
}

func FuzzResponse(f *testing.F) {
	for _, r := range loadSeeds(f).replies {
		f.Add(int32(r.op), r.body)
	}
	f.Add(int32(OpWhoAmI), join(int32(0x7fffffff)))
	f.Add(int32(OpWhoAmI), join(&WhoAmIResponse{ClientInfo: []ClientInfo{{"ip", "127.0.0.1"}}}))
	f.Add(int32(OpGetChildren), join(int32(-1)))
	f.Add(int32(OpGetData), join(&GetDataResponse{}))
	f.Add(int32(OpAddWatch), join(&ErrorResponse{}))
	f.Fuzz(func(t *testing.T, op int32, b []byte) {
		rec := ResponseRecord(Op(op))
		if rec != nil && decodeFull(b, rec) {
			reencode(t, rec)
		}
	})
}

func FuzzMultiRequest(f *testing.F) {
	for _, b := range loadSeeds(f).multis {
		f.Add(b)
	}
	end := &MultiHeader{Type: OpError, Done: true, Err: -1}
	f.Add(join(end)) // empty
	f.Add(join(&MultiHeader{Type: OpCheck, Err: -1}, &CheckVersionRequest{Path: "/a", Version: 11}, end))
	f.Add(join(&MultiHeader{Type: OpDelete, Err: -1})) // no terminator
	f.Add(join(&MultiHeader{Type: 999, Err: -1}, end)) // unknown op
	f.Add(join(&MultiHeader{Type: OpError, Err: ErrBadVersion}, &ErrorResponse{Err: ErrBadVersion}, end))
	f.Add(join(&MultiHeader{Type: OpCreate2}, &Create2Response{Path: "/a"}, end))
	f.Fuzz(func(t *testing.T, b []byte) {
		var req MultiRequest
		if decodeFull(b, &req) {
			reencode(t, &req)
		}
		var resp MultiResponse
		if decodeFull(b, &resp) {
			reencode(t, &resp)
		}
	})
}

func FuzzQuorumPacket(f *testing.F) {
	for _, b := range loadSeeds(f).packets {
		f.Add(b)
	}
	f.Add(join(&QuorumPacket{Type: PacketAck, Zxid: 1 << 32}))
	f.Add(join(&QuorumPacket{Type: PacketRequest, Zxid: -1,
		Data:     join(&LearnerRequest{SessionID: 1, Cxid: 1, Type: OpSync}, &SyncRequest{Path: "/"}),
		AuthInfo: []Id{{Scheme: "ip", ID: "127.0.0.1"}}}))
	f.Add(join(&QuorumPacket{Type: PacketPing, Data: join(&SessionTouches{Sessions: []SessionTimeout{{1, 4000}}})}))
	f.Add(join(&QuorumPacket{Type: PacketFollowerInfo, Data: join(&LearnerInfo{1, LearnerProtocolVersion, 0})}))
	f.Add(join(int32(PacketPing), int32(0), int32(1), int32(-1), int32(0x7fffffff))) // huge authinfo count
	f.Add(join(int32(PacketPing), int32(0), int32(1), int32(0x7fffffff)))            // huge data length
	f.Fuzz(func(t *testing.T, b []byte) {
		var p QuorumPacket
		ok := decodeFull(b, &p)
		// The stream reader must agree with the record decoder.
		sp, err := ReadQuorumPacket(bytes.NewReader(b), 1<<20)
		if ok {
			if err != nil {
				t.Fatalf("ReadQuorumPacket failed on a valid packet: %v", err)
			}
			if !reflect.DeepEqual(p, sp) {
				t.Fatalf("ReadQuorumPacket gives %+v, Decode %+v", sp, p)
			}
			reencode(t, &p)
		}
		if !ok {
			return
		}
		switch p.Type {
		case PacketProposal, PacketInform:
			checkTxn(t, p.Data)
		case PacketRequest:
			var lr LearnerRequest
			if decodeFull(p.Data, &lr) {
				reencode(t, &lr)
				if rec := RequestRecord(lr.Type); rec != nil && decodeFull(lr.Body, rec) {
					reencode(t, rec)
				}
			}
		case PacketFollowerInfo, PacketObserverInfo:
			var li LearnerInfo
			if decodeFull(p.Data, &li) {
				reencode(t, &li)
			}
		case PacketPing:
			var st SessionTouches
			if decodeFull(p.Data, &st) {
				reencode(t, &st)
			}
		}
	})
}

// checkTxn decodes a TxnHeader and its txn record from b (leftover bytes,
// such as a TxnDigest, allowed) and re-encodes them.
func checkTxn(t *testing.T, b []byte) {
	d := NewDecoder(b)
	var h TxnHeader
	h.Decode(d)
	rec := TxnRecord(h.Type)
	if rec == nil {
		return
	}
	rec.Decode(d)
	if d.Err() != nil {
		return
	}
	reencode(t, &h, rec)
	if mt, ok := rec.(*MultiTxn); ok {
		for _, sub := range mt.Txns {
			if sr := TxnRecord(sub.Type); sr != nil && decodeFull(sub.Data, sr) {
				reencode(t, sr)
			}
		}
	}
}

func FuzzTxn(f *testing.F) {
	for _, b := range loadSeeds(f).txns {
		f.Add(b)
	}
	hdr := func(op Op) *TxnHeader { return &TxnHeader{ClientID: 1, Cxid: 1, Zxid: 1<<32 | 1, Time: 1, Type: op} }
	f.Add(join(hdr(OpMulti), &MultiTxn{Txns: []Txn{{Type: OpDelete, Data: join(&DeleteTxn{Path: "/a"})}}}))
	f.Add(join(hdr(OpMulti), int32(0x7fffffff))) // huge count
	f.Add(join(hdr(OpCloseSession)))             // no body, as old servers write it
	f.Add(join(hdr(OpError), &ErrorTxn{Err: ErrNoNode}))
	f.Add(join(hdr(OpCreateTTL), &CreateTTLTxn{Path: "/t", ACL: OpenACLUnsafe, TTL: 1000}, &TxnDigest{2, 7}))
	f.Fuzz(func(t *testing.T, b []byte) {
		checkTxn(t, b)
	})
}

func FuzzElection(f *testing.F) {
	for _, b := range loadSeeds(f).elections {
		f.Add(b)
	}
	f.Add(join(&InitialMessage{ProtocolVersion: 3}))                                            // pre-3.5 handshake
	f.Add(join(&InitialMessage{ProtocolVersion: ElectionProtocolV1, ServerID: 2, Addr: "a:1"})) // 3.5+ handshake
	f.Add(join(ElectionProtocolV1, int64(2), int32(-5)))                                        // negative length
	f.Add(join(&Notification{State: ServerLooking, Leader: 1, Version: NotificationVersion, Config: []byte("version=0")}))
	f.Fuzz(func(t *testing.T, b []byte) {
		var m InitialMessage
		if decodeFull(b, &m) {
			reencode(t, &m)
			sm, err := ReadInitialMessage(bytes.NewReader(b), 1<<16)
			if err != nil || sm != m {
				t.Fatalf("ReadInitialMessage gives %+v, %v; Decode %+v", sm, err, m)
			}
		}
		var n Notification
		if decodeFull(b, &n) {
			reencode(t, &n)
		}
	})
}

package proto

import (
	"bytes"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"reflect"
	"testing"
)

func mustHex(t *testing.T, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

var testStat = Stat{Czxid: 0x2f, Mzxid: 0x30, Ctime: 1, Mtime: 2, Version: 3, Cversion: 4,
	Aversion: 5, EphemeralOwner: 0x100000e363d0008, DataLength: 6, NumChildren: 7, Pzxid: 0x31}

// TestRecordRoundTrip encodes a populated value of every record, decodes
// it into a fresh one and requires equality and the expected size.
func TestRecordRoundTrip(t *testing.T) {
	acl := []ACL{{Perms: PermAll, ID: WorldAnyone}, {Perms: PermRead, ID: Id{"ip", "10.0.0.1"}}}
	tests := []struct {
		rec  Record
		size int // encoded size, 0 to skip the check
	}{
		{&CreateRequest{Path: "/a", Data: []byte("x"), ACL: acl, Flags: ModeEphemeralSequential}, 0},
		{&CreateRequest{Path: "/a"}, 4 + 2 + 4 + 4 + 4},
		{&CreateTTLRequest{Path: "/t", Data: []byte{}, ACL: []ACL{}, Flags: ModePersistentWithTTL, TTL: 1000}, 4 + 2 + 4 + 4 + 4 + 8},
		{&DeleteRequest{Path: "/a", Version: -1}, 10},
		{&DeleteContainerRequest{Path: "/c"}, 6},
		{&ExistsRequest{Path: "/", Watch: true}, 6},
		{&GetDataRequest{Path: "/", Watch: true}, 6},
		{&SetDataRequest{Path: "/a", Data: []byte("v"), Version: 7}, 4 + 2 + 4 + 1 + 4},
		{&GetACLRequest{Path: "/"}, 5},
		{&SetACLRequest{Path: "/", ACL: acl, Version: 1}, 0},
		{&GetChildrenRequest{Path: "/", Watch: true}, 6},
		{&GetChildren2Request{Path: "/"}, 6},
		{&SyncRequest{Path: "/"}, 5},
		{&CheckVersionRequest{Path: "/", Version: 2}, 9},
		{&ReconfigRequest{JoiningServers: "server.4=a:1:2;3", LeavingServers: "2,3", CurConfigID: -1}, 0},
		{&CheckWatchesRequest{Path: "/", Type: WatcherAny}, 9},
		{&RemoveWatchesRequest{Path: "/", Type: WatcherData}, 9},
		{&GetEphemeralsRequest{PrefixPath: "/e"}, 6},
		{&GetAllChildrenNumberRequest{Path: "/"}, 5},
		{&SetWatches{RelativeZxid: 9, DataWatches: []string{"/a"}, ExistWatches: []string{}, ChildWatches: nil}, 8 + 10 + 4 + 4},
		{&SetWatches2{RelativeZxid: 9, PersistentWatches: []string{"/p"}, PersistentRecursiveWatches: []string{"/r", "/s"}}, 0},
		{&AddWatchRequest{Path: "/", Mode: AddWatchPersistentRecursive}, 9},
		{&AuthPacket{Scheme: "digest", Auth: []byte("u:p")}, 4 + 10 + 7},
		{&GetSASLRequest{Token: []byte{1}}, 5},
		{&CreateResponse{Path: "/a0000000001"}, 0},
		{&Create2Response{Path: "/a", Stat: testStat}, 6 + 68},
		{&ExistsResponse{Stat: testStat}, 68},
		{&GetDataResponse{Stat: testStat}, 4 + 68},
		{&SetDataResponse{Stat: testStat}, 68},
		{&GetACLResponse{ACL: acl, Stat: testStat}, 0},
		{&SetACLResponse{Stat: testStat}, 68},
		{&GetChildrenResponse{Children: []string{"a", "b"}}, 4 + 5 + 5},
		{&GetChildren2Response{Children: []string{}, Stat: testStat}, 4 + 68},
		{&SyncResponse{Path: "/"}, 5},
		{&GetEphemeralsResponse{Ephemerals: []string{"/e/1"}}, 12},
		{&GetAllChildrenNumberResponse{TotalNumber: 42}, 4},
		{&WhoAmIResponse{ClientInfo: []ClientInfo{{"ip", "127.0.0.1"}, {"digest", "u"}}}, 0},
		{&WhoAmIResponse{}, 4},
		{&ErrorResponse{Err: ErrNoNode}, 4},
		{&SetSASLResponse{}, 4},
		{&MultiHeader{Type: OpCheck, Err: -1}, 9},
		{&MultiRequest{Ops: []MultiOp{
			{OpCreate, &CreateRequest{Path: "/m", ACL: acl}},
			{OpCreateTTL, &CreateTTLRequest{Path: "/t", ACL: acl, Flags: ModePersistentWithTTL, TTL: 5}},
			{OpDelete, &DeleteRequest{Path: "/m", Version: -1}},
			{OpCheck, &CheckVersionRequest{Path: "/m", Version: 1}},
			{OpSetData, &SetDataRequest{Path: "/m", Version: -1}},
		}}, 0},
		{&MultiRequest{}, 9},
		{&MultiResponse{Results: []MultiResult{
			{OpCreate2, ErrOK, &Create2Response{Path: "/m", Stat: testStat}},
			{OpDelete, ErrOK, nil},
			{OpError, ErrNoNode, &ErrorResponse{Err: ErrNoNode}},
			{OpGetChildren, ErrOK, &GetChildrenResponse{Children: []string{"x"}}},
		}}, 0},
		{&QuorumPacket{Type: PacketRequest, Zxid: -1, Data: []byte{1}, AuthInfo: []Id{{"ip", "127.0.0.1"}}}, 0},
		{&QuorumPacket{Type: PacketAck, Zxid: 1 << 32}, 20},
		{&LearnerInfo{ServerID: 1, ProtocolVersion: LearnerProtocolVersion}, 20},
		{&LearnerRequest{SessionID: 1, Cxid: 2, Type: OpCreateSession, Body: []byte{0, 0, 0x27, 0x10}}, 20},
		{&SessionTouches{Sessions: []SessionTimeout{{1, 4000}, {2, 6000}}}, 24},
		{&RevalidateRequest{SessionID: 1, Timeout: 6000}, 12},
		{&RevalidateReply{SessionID: 1, Valid: true}, 9},
		{&InitialMessage{ProtocolVersion: ElectionProtocolV1, ServerID: 2, Addr: "127.0.0.2:25888"}, 35},
		{&InitialMessage{ProtocolVersion: 3, ServerID: 3}, 8},
		{&Notification{State: ServerLeading, Leader: 2, Zxid: 1, ElectionEpoch: 1, PeerEpoch: 1,
			Version: NotificationVersion, Config: []byte("server.1=a:1:2:participant\nversion=0")}, 0},
		{&MultiTxn{}, 4},
		{&MultiTxn{Txns: []Txn{{Type: OpCreate, Data: []byte{1}}}}, 4 + 4 + 5},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%T", tt.rec), func(t *testing.T) {
			b := Marshal(tt.rec)
			if tt.size != 0 && len(b) != tt.size {
				t.Errorf("encoded size %d, want %d: %x", len(b), tt.size, b)
			}
			got := fresh(tt.rec)
			if err := Unmarshal(b, got); err != nil {
				t.Fatalf("decode %x: %v", b, err)
			}
			if !reflect.DeepEqual(got, tt.rec) {
				t.Fatalf("round trip changed the value:\n got %+v\nwant %+v", got, tt.rec)
			}
		})
	}
}

func TestRequestAndResponseRecordTables(t *testing.T) {
	tests := []struct {
		op        Op
		req, resp Record
	}{
		{OpCreate, &CreateRequest{}, &CreateResponse{}},
		{OpCreate2, &CreateRequest{}, &Create2Response{}},
		{OpCreateContainer, &CreateRequest{}, &Create2Response{}},
		{OpCreateTTL, &CreateTTLRequest{}, &Create2Response{}},
		{OpDelete, &DeleteRequest{}, nil},
		{OpDeleteContainer, &DeleteContainerRequest{}, nil},
		{OpExists, &ExistsRequest{}, &ExistsResponse{}},
		{OpGetData, &GetDataRequest{}, &GetDataResponse{}},
		{OpSetData, &SetDataRequest{}, &SetDataResponse{}},
		{OpGetACL, &GetACLRequest{}, &GetACLResponse{}},
		{OpSetACL, &SetACLRequest{}, &SetACLResponse{}},
		{OpGetChildren, &GetChildrenRequest{}, &GetChildrenResponse{}},
		{OpGetChildren2, &GetChildren2Request{}, &GetChildren2Response{}},
		{OpSync, &SyncRequest{}, &SyncResponse{}},
		{OpCheck, &CheckVersionRequest{}, nil},
		{OpMulti, &MultiRequest{}, &MultiResponse{}},
		{OpMultiRead, &MultiRequest{}, &MultiResponse{}},
		{OpReconfig, &ReconfigRequest{}, &GetDataResponse{}},
		{OpCheckWatches, &CheckWatchesRequest{}, nil},
		{OpRemoveWatches, &RemoveWatchesRequest{}, nil},
		{OpGetEphemerals, &GetEphemeralsRequest{}, &GetEphemeralsResponse{}},
		{OpGetAllChildrenNumber, &GetAllChildrenNumberRequest{}, &GetAllChildrenNumberResponse{}},
		{OpAuth, &AuthPacket{}, nil},
		{OpSetWatches, &SetWatches{}, nil},
		{OpSetWatches2, &SetWatches2{}, nil},
		{OpAddWatch, &AddWatchRequest{}, &ErrorResponse{}},
		{OpSASL, &GetSASLRequest{}, &SetSASLResponse{}},
		{OpWhoAmI, nil, &WhoAmIResponse{}},
		{OpPing, nil, nil},
		{OpCloseSession, nil, nil},
		{OpCreateSession, nil, nil},
		{999, nil, nil},
	}
	for _, tt := range tests {
		if got := RequestRecord(tt.op); !reflect.DeepEqual(got, tt.req) {
			t.Errorf("RequestRecord(%v) = %T, want %T", tt.op, got, tt.req)
		}
		if got := ResponseRecord(tt.op); !reflect.DeepEqual(got, tt.resp) {
			t.Errorf("ResponseRecord(%v) = %T, want %T", tt.op, got, tt.resp)
		}
	}
	if RequestRecord(OpGetData) == RequestRecord(OpGetData) {
		t.Error("RequestRecord must return a fresh record each call")
	}
}

// TestMultiCaptureLayout pins java-multi seqs 4-9 (bodies after the
// headers), so that the layout is checked even without ../shared/wire.
func TestMultiCaptureLayout(t *testing.T) {
	openACL := []ACL{{Perms: PermAll, ID: WorldAnyone}}
	req4 := &MultiRequest{Ops: []MultiOp{
		{OpCreate, &CreateRequest{Path: "/m", Data: []byte("m"), ACL: openACL}},
		{OpCreate, &CreateRequest{Path: "/m/a", Data: []byte("a"), ACL: openACL}},
		{OpSetData, &SetDataRequest{Path: "/m", Data: []byte("m1"), Version: 0}},
		{OpCheck, &CheckVersionRequest{Path: "/m", Version: 1}},
		{OpDelete, &DeleteRequest{Path: "/m/a", Version: 0}},
	}}
	rep7 := &MultiResponse{Results: []MultiResult{
		{OpError, ErrOK, &ErrorResponse{ErrOK}},
		{OpError, ErrBadVersion, &ErrorResponse{ErrBadVersion}},
		{OpError, ErrRuntimeInconsistency, &ErrorResponse{ErrRuntimeInconsistency}},
	}}
	req8 := &MultiRequest{Ops: []MultiOp{
		{OpGetChildren, &GetChildrenRequest{Path: "/m"}},
		{OpGetData, &GetDataRequest{Path: "/m"}},
		{OpGetData, &GetDataRequest{Path: "/nope"}},
	}}
	tests := []struct {
		seq  int
		hex  string
		want Record
	}{
		{4, "0000000100ffffffff000000022f6d000000016d000000010000001f00000005776f726c6400000006616e796f6e65" +
			"000000000000000100ffffffff000000042f6d2f610000000161000000010000001f00000005776f726c640000000661" +
			"6e796f6e65000000000000000500ffffffff000000022f6d000000026d31000000000000000d00ffffffff000000022f" +
			"6d000000010000000200ffffffff000000042f6d2f6100000000ffffffff01ffffffff", req4},
		{7, "ffffffff000000000000000000ffffffff00ffffff99ffffff99ffffffff00fffffffefffffffeffffffff01ffffffff", rep7},
		{8, "0000000800ffffffff000000022f6d000000000400ffffffff000000022f6d000000000400ffffffff000000052f6e6f" +
			"706500ffffffff01ffffffff", req8},
	}
	for _, tt := range tests {
		b := mustHex(t, tt.hex)
		if got := Marshal(tt.want); !bytes.Equal(got, b) {
			t.Errorf("seq %d: encoded\n %x\nwant %x", tt.seq, got, b)
		}
		got := fresh(tt.want)
		if err := Unmarshal(b, got); err != nil || !reflect.DeepEqual(got, tt.want) {
			t.Errorf("seq %d: decoded %+v, %v", tt.seq, got, err)
		}
	}

	// seq 9: multiRead results, a NoNode read among successful ones.
	b := mustHex(t, "00000008000000000000000000000000040000000000000000026d31000000000000002f000000000000002f"+
		"000001a20457779e000001a20457779e00000001000000020000000000000000000000000000000200000000000000000000002f"+
		"ffffffff00ffffff9bffffff9bffffffff01ffffffff")
	var rep9 MultiResponse
	if err := Unmarshal(b, &rep9); err != nil {
		t.Fatal(err)
	}
	if len(rep9.Results) != 3 || rep9.Results[0].Type != OpGetChildren || rep9.Results[1].Type != OpGetData ||
		rep9.Results[2].Type != OpError || rep9.Results[2].Err != ErrNoNode {
		t.Fatalf("seq 9 decoded as %+v", rep9)
	}
	if ch := rep9.Results[0].Record.(*GetChildrenResponse).Children; ch == nil || len(ch) != 0 {
		t.Errorf("seq 9: children %#v, want a non-nil empty list", ch)
	}
	if gd := rep9.Results[1].Record.(*GetDataResponse); string(gd.Data) != "m1" || gd.Stat.Version != 1 {
		t.Errorf("seq 9: getData result %+v", gd)
	}
	if !bytes.Equal(Marshal(&rep9), b) {
		t.Error("seq 9 does not re-encode")
	}
}

func TestMultiEncodeFillsErrorResults(t *testing.T) {
	r := &MultiResponse{Results: []MultiResult{{Type: OpError, Err: ErrBadVersion}}}
	want := Marshal(&MultiResponse{Results: []MultiResult{{OpError, ErrBadVersion, &ErrorResponse{ErrBadVersion}}}})
	if got := Marshal(r); !bytes.Equal(got, want) {
		t.Fatalf("got %x, want %x", got, want)
	}
}

func TestMultiDecodeErrors(t *testing.T) {
	end := &MultiHeader{Type: OpError, Done: true, Err: -1}
	tests := []struct {
		name string
		rec  Record
		in   []byte
		err  error
	}{
		{"unknown op", &MultiRequest{}, join(&MultiHeader{Type: 999, Err: -1}, end), ErrBadMultiOp},
		{"nested multi", &MultiRequest{}, join(&MultiHeader{Type: OpMulti, Err: -1}, end), ErrBadMultiOp},
		{"setACL not allowed", &MultiRequest{}, join(&MultiHeader{Type: OpSetACL, Err: -1}, end), ErrBadMultiOp},
		{"no terminator", &MultiRequest{}, join(&MultiHeader{Type: OpCheck, Err: -1}, &CheckVersionRequest{Path: "/"}), ErrShortBuffer},
		{"empty", &MultiRequest{}, nil, ErrShortBuffer},
		{"truncated op", &MultiRequest{}, join(&MultiHeader{Type: OpDelete, Err: -1}, int32(5)), ErrShortBuffer},
		{"unknown result", &MultiResponse{}, join(&MultiHeader{Type: OpSetACL}, end), ErrBadMultiOp},
		{"no result terminator", &MultiResponse{}, join(&MultiHeader{Type: OpDelete}), ErrShortBuffer},
	}
	for _, tt := range tests {
		if err := Unmarshal(tt.in, tt.rec); !errors.Is(err, tt.err) {
			t.Errorf("%s: err = %v, want %v", tt.name, err, tt.err)
		}
	}
}

// TestReconfigNullStrings pins the rule that "" is a null string in a
// ReconfigRequest, against java-reconfig-ensemble seq 8 (leave server 3).
func TestReconfigNullStrings(t *testing.T) {
	b := mustHex(t, "ffffffff0000000133ffffffffffffffffffffffff")
	r := &ReconfigRequest{LeavingServers: "3", CurConfigID: -1}
	if got := Marshal(r); !bytes.Equal(got, b) {
		t.Fatalf("encoded %x, want %x", got, b)
	}
	var got ReconfigRequest
	if err := Unmarshal(b, &got); err != nil || got != *r {
		t.Fatalf("decoded %+v, %v", got, err)
	}
	// An explicitly empty string reads as "" too, and is written as null.
	if err := Unmarshal(join(int32(0), int32(0), int32(0), int64(5)), &got); err != nil || got != (ReconfigRequest{CurConfigID: 5}) {
		t.Fatalf("empty strings decoded as %+v, %v", got, err)
	}
}

func TestReadQuorumPacket(t *testing.T) {
	// Three packets back to back, as on the quorum stream (ens-01 seq 15-17
	// shapes, then a REQUEST with authinfo).
	pkts := []QuorumPacket{
		{Type: PacketFollowerInfo, Data: Marshal(&LearnerInfo{ServerID: 1, ProtocolVersion: LearnerProtocolVersion})},
		{Type: PacketUpToDate, Zxid: -1},
		{Type: PacketRequest, Zxid: -1, Data: []byte{}, AuthInfo: []Id{{"ip", "127.0.0.1"}, {"digest", "u:x"}}},
	}
	var stream []byte
	for i := range pkts {
		stream = append(stream, Marshal(&pkts[i])...)
	}
	r := bytes.NewReader(stream)
	for i := range pkts {
		got, err := ReadQuorumPacket(r, 1024)
		if err != nil || !reflect.DeepEqual(got, pkts[i]) {
			t.Fatalf("packet %d: %+v, %v; want %+v", i, got, err, pkts[i])
		}
	}
	if _, err := ReadQuorumPacket(r, 1024); err != io.EOF {
		t.Fatalf("at end of stream: err = %v, want io.EOF", err)
	}
	if _, err := ReadQuorumPacket(bytes.NewReader(stream[:30]), 1024); !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Fatalf("truncated: err = %v, want io.ErrUnexpectedEOF", err)
	}
	big := Marshal(&QuorumPacket{Type: PacketProposal, Data: make([]byte, 100)})
	if _, err := ReadQuorumPacket(bytes.NewReader(big), 99); !errors.Is(err, ErrTooLarge) {
		t.Fatalf("over the limit: err = %v, want ErrTooLarge", err)
	}
	hostile := join(PacketAck, int64(0), int32(-1), int32(0x7fffffff))
	if _, err := ReadQuorumPacket(bytes.NewReader(hostile), 1<<20); !errors.Is(err, ErrTooLarge) {
		t.Fatalf("huge authinfo: err = %v, want ErrTooLarge", err)
	}
	neg := join(PacketAck, int64(0), int32(-3))
	if _, err := ReadQuorumPacket(bytes.NewReader(neg), 1<<20); !errors.Is(err, ErrBadLength) {
		t.Fatalf("negative data length: err = %v, want ErrBadLength", err)
	}
}

func TestInitialMessage(t *testing.T) {
	// ens-01 seq 8: sid 2 announcing 127.0.0.2:25888.
	b := mustHex(t, "ffffffffffff000000000000000000020000000f3132372e302e302e323a3235383838")
	want := InitialMessage{ProtocolVersion: ElectionProtocolV1, ServerID: 2, Addr: "127.0.0.2:25888"}
	var got InitialMessage
	if err := Unmarshal(b, &got); err != nil || got != want {
		t.Fatalf("decoded %+v, %v", got, err)
	}
	if m, err := ReadInitialMessage(bytes.NewReader(b), 64); err != nil || m != want {
		t.Fatalf("ReadInitialMessage: %+v, %v", m, err)
	}
	if _, err := ReadInitialMessage(bytes.NewReader(b), 10); !errors.Is(err, ErrTooLarge) {
		t.Fatalf("long address: err = %v, want ErrTooLarge", err)
	}
	old := join(int64(3))
	if m, err := ReadInitialMessage(bytes.NewReader(old), 64); err != nil || m.ServerID != 3 || m.Addr != "" {
		t.Fatalf("pre-3.5 handshake: %+v, %v", m, err)
	}
	if err := Unmarshal(join(ElectionProtocolV1, int64(2), int32(-1)), &got); !errors.Is(err, ErrBadLength) {
		t.Fatalf("negative address length: err = %v", err)
	}
}

func TestNotificationRequiresEveryField(t *testing.T) {
	n := &Notification{State: ServerFollowing, Leader: 2, Version: NotificationVersion, Config: []byte("version=0")}
	b := Marshal(n)
	for cut := 0; cut < len(b); cut++ {
		if err := Unmarshal(b[:cut], &Notification{}); err == nil {
			t.Fatalf("a notification cut to %d bytes decoded", cut)
		}
	}
	bad := join(int32(0), int64(0), int64(0), int64(0), int64(0), NotificationVersion, int32(-1))
	if err := Unmarshal(bad, &Notification{}); !errors.Is(err, ErrBadLength) {
		t.Fatalf("negative config length: err = %v", err)
	}
}

func TestLearnerRequestCreateSession(t *testing.T) {
	// ens-all seq 68: a follower forwards createSession with timeout 10000.
	qp := mustHex(t, "00000001ffffffffffffffff0000001403000008cbb7000000000000fffffff600002710ffffffff")
	var p QuorumPacket
	if err := Unmarshal(qp, &p); err != nil {
		t.Fatal(err)
	}
	var lr LearnerRequest
	if err := Unmarshal(p.Data, &lr); err != nil {
		t.Fatal(err)
	}
	var cs CreateSessionTxn
	if err := Unmarshal(lr.Body, &cs); err != nil || lr.Type != OpCreateSession || lr.SessionID != 0x3000008cbb70000 || cs.TimeOut != 10000 {
		t.Fatalf("got %+v %+v, %v", lr, cs, err)
	}
}

func TestPacketTypeName(t *testing.T) {
	for typ, want := range map[int32]string{PacketRequest: "REQUEST", PacketAckEpoch: "ACKEPOCH",
		PacketInformAndActivate: "INFORMANDACTIVATE", 0: "UNKNOWN(0)", 20: "UNKNOWN(20)", -1: "UNKNOWN(-1)"} {
		if got := PacketTypeName(typ); got != want {
			t.Errorf("PacketTypeName(%d) = %q, want %q", typ, got, want)
		}
	}
}

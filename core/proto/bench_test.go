package proto

import "testing"

// Codec benchmarks: one request or reply as the server decodes and encodes
// it on its hot path. allocs/op shows what a record costs beyond its own
// strings and byte slices.

var benchStat = Stat{Czxid: 0x100000001, Mzxid: 0x100000002, Ctime: 1_700_000_000_000, Mtime: 1_700_000_000_001,
	Version: 3, DataLength: 100, Pzxid: 0x100000001}

func benchEncode(b *testing.B, rec Record) {
	e := NewEncoder(make([]byte, 0, 4096))
	b.ReportAllocs()
	for b.Loop() {
		e.buf = e.buf[:0]
		rec.Encode(e)
	}
	b.SetBytes(int64(e.Len()))
}

func benchDecode(b *testing.B, rec Record, into func() Record) {
	e := NewEncoder(nil)
	rec.Encode(e)
	frame := e.Bytes()
	var d Decoder
	b.ReportAllocs()
	b.SetBytes(int64(len(frame)))
	for b.Loop() {
		d.Reset(frame)
		into().Decode(&d)
		if d.Err() != nil {
			b.Fatal(d.Err())
		}
	}
}

func BenchmarkEncodeRequestHeader(b *testing.B) {
	benchEncode(b, &RequestHeader{Xid: 42, Type: OpGetData})
}

func BenchmarkEncodeGetDataResponse(b *testing.B) {
	benchEncode(b, &GetDataResponse{Data: make([]byte, 100), Stat: benchStat})
}

func BenchmarkEncodeSetDataTxn(b *testing.B) {
	benchEncode(b, &SetDataTxn{Path: "/app/config/node-000042", Data: make([]byte, 100), Version: 7})
}

func BenchmarkDecodeGetDataRequest(b *testing.B) {
	benchDecode(b, &GetDataRequest{Path: "/app/config/node-000042", Watch: true}, func() Record { return &GetDataRequest{} })
}

func BenchmarkDecodeSetDataRequest(b *testing.B) {
	benchDecode(b, &SetDataRequest{Path: "/app/config/node-000042", Data: make([]byte, 100), Version: -1},
		func() Record { return &SetDataRequest{} })
}

func BenchmarkDecodeCreateRequest(b *testing.B) {
	benchDecode(b, &CreateRequest{Path: "/app/locks/lock-", Data: make([]byte, 100), ACL: OpenACLUnsafe, Flags: 3},
		func() Record { return &CreateRequest{} })
}

func BenchmarkDecodeMultiRequest(b *testing.B) {
	m := &MultiRequest{Ops: []MultiOp{
		{Type: OpCheck, Record: &CheckVersionRequest{Path: "/app/leader", Version: 3}},
		{Type: OpSetData, Record: &SetDataRequest{Path: "/app/config", Data: make([]byte, 100), Version: -1}},
		{Type: OpCreate, Record: &CreateRequest{Path: "/app/log/entry-", Data: make([]byte, 100), ACL: OpenACLUnsafe, Flags: 2}},
	}}
	benchDecode(b, m, func() Record { return &MultiRequest{} })
}

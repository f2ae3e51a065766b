package tree

import (
	"fmt"
	"testing"

	"github.com/warrenzk/warren/core/proto"
	"github.com/warrenzk/warren/core/watch"
)

func benchPaths(n int) []string {
	paths := make([]string, n)
	for i := range paths {
		paths[i] = fmt.Sprintf("/bench/n%07d", i)
	}
	return paths
}

func BenchmarkApplyCreate(b *testing.B) {
	tr := New(Options{Watches: watch.NewManager(nil)})
	applyAll(b, tr, 1, mkCreate("/bench", ""))
	paths := benchPaths(b.N)
	txn := &proto.CreateTxn{Data: make([]byte, 100), ACL: proto.OpenACLUnsafe, ParentCversion: -1}
	hdr := &proto.TxnHeader{ClientID: sess, Type: proto.OpCreate}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		txn.Path = paths[i]
		hdr.Zxid = int64(i + 2)
		if r := tr.Apply(hdr, txn); r.Err != proto.ErrOK {
			b.Fatal(r.Err)
		}
	}
}

func BenchmarkApplySetData(b *testing.B) {
	tr := New(Options{Watches: watch.NewManager(nil)})
	applyAll(b, tr, 1, mkCreate("/bench", ""))
	txn := &proto.SetDataTxn{Path: "/bench", Data: make([]byte, 100)}
	hdr := &proto.TxnHeader{ClientID: sess, Type: proto.OpSetData}
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		txn.Version = int32(i + 1)
		hdr.Zxid = int64(i + 2)
		tr.Apply(hdr, txn)
	}
}

func BenchmarkGetData(b *testing.B) {
	tr := New(Options{Watches: watch.NewManager(nil)})
	applyAll(b, tr, 1, mkCreate("/bench", ""))
	paths := benchPaths(10000)
	for i, p := range paths {
		applyAll(b, tr, int64(i+2), mkCreate(p, "0123456789"))
	}
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		i := 0
		for pb.Next() {
			if _, _, err := tr.GetData(paths[i%len(paths)], nil); err != nil {
				b.Fatal(err)
			}
			i++
		}
	})
}

func BenchmarkGetDataWatch(b *testing.B) {
	tr := New(Options{Watches: watch.NewManager(nil)})
	applyAll(b, tr, 1, mkCreate("/bench", "x"))
	w := &recorder{}
	b.ReportAllocs()
	for b.Loop() {
		tr.GetData("/bench", w)
	}
}

func BenchmarkSerialize10k(b *testing.B) {
	tr := New(Options{})
	applyAll(b, tr, 1, mkCreate("/bench", ""))
	for i, p := range benchPaths(10000) {
		applyAll(b, tr, int64(i+2), mkCreate(p, "0123456789"))
	}
	b.ReportAllocs()
	var n int
	for b.Loop() {
		n = len(serialize(tr))
	}
	b.SetBytes(int64(n))
}

package snapshot

import (
	"bytes"
	"fmt"
	"testing"

	"github.com/warrenzk/warren/core/proto"
	"github.com/warrenzk/warren/core/tree"
)

// BenchmarkWrite writes a snapshot of issue 6's tree, 1,000,000 znodes of
// 100 bytes under 10 parents, to io.Discard: the CPU a node spends per
// snapshot, without the disk.
func BenchmarkWrite(b *testing.B) {
	tr := tree.New(opts)
	open := []proto.ACL{{Perms: 31, ID: proto.Id{Scheme: "world", ID: "anyone"}}}
	data := bytes.Repeat([]byte{'v'}, 100)
	zxid := int64(0)
	apply := func(path string) {
		zxid++
		hdr := &proto.TxnHeader{Zxid: zxid, Type: proto.OpCreate}
		if r := tr.Apply(hdr, &proto.CreateTxn{Path: path, Data: data, ACL: open, ParentCversion: -1}); r.Err != proto.ErrOK {
			b.Fatal(path, r.Err)
		}
	}
	for p := range 10 {
		parent := fmt.Sprintf("/p%d", p)
		apply(parent)
		for i := range 100_000 {
			apply(fmt.Sprintf("%s/key-%07d", parent, i))
		}
	}
	sessions := []Session{{ID: 1, Timeout: 30000}}
	var n int64
	b.ReportAllocs()
	for b.Loop() {
		c := &byteCounter{}
		if err := Write(c, sessions, serialized{tr}); err != nil {
			b.Fatal(err)
		}
		n = c.n
	}
	b.SetBytes(n)
}

// byteCounter is an io.Writer that only counts.
type byteCounter struct{ n int64 }

func (c *byteCounter) Write(p []byte) (int, error) { c.n += int64(len(p)); return len(p), nil }

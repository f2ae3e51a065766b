package tree

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/warrenzk/warren/core/proto"
)

// mutator applies random txns to a tree on a small path space, so that
// creates, deletes, re-creates, setData and setACL hit the same nodes often.
type mutator struct {
	tr   *Tree
	rng  *rand.Rand
	zxid int64
}

var mutatorACLs = [][]proto.ACL{
	proto.OpenACLUnsafe,
	proto.ReadACLUnsafe,
	{{Perms: proto.PermAll, ID: proto.Id{Scheme: "digest", ID: "u:x"}}},
}

func (m *mutator) path() string {
	p := ""
	for depth := 1 + m.rng.IntN(3); depth > 0; depth-- {
		p += fmt.Sprintf("/n%d", m.rng.IntN(4))
	}
	return p
}

// step applies one random txn; failures (no parent, not empty) are fine.
func (m *mutator) step() {
	m.zxid++
	p := m.path()
	var o op
	switch m.rng.IntN(5) {
	case 0, 1:
		o = op{proto.OpCreate, &proto.CreateTxn{Path: p, Data: []byte(fmt.Sprint(m.zxid)),
			ACL: mutatorACLs[m.rng.IntN(len(mutatorACLs))], ParentCversion: -1}}
	case 2:
		o = mkDelete(p)
	case 3:
		o = mkSetData(p, fmt.Sprint("d", m.zxid), int32(m.zxid))
	case 4:
		o = op{proto.OpSetACL, &proto.SetACLTxn{Path: p, ACL: mutatorACLs[m.rng.IntN(len(mutatorACLs))], Version: int32(m.zxid)}}
	}
	m.tr.Apply(hdrAt(m.zxid, o.typ), o.txn)
}

// mutatingWriter applies txns every time the walk hands it bytes, which is
// between read-lock holds.
type mutatingWriter struct {
	bytes.Buffer
	m     *mutator
	steps int
}

func (w *mutatingWriter) Write(p []byte) (int, error) {
	for range w.steps {
		w.m.step()
	}
	return w.Buffer.Write(p)
}

// TestSnapshotViewIsExact checks that a view writes the tree as it was when
// it was opened, byte for byte, however much Apply changes the tree while the
// walk runs.
func TestSnapshotViewIsExact(t *testing.T) {
	chunk, flush := chunkNodes, flushBytes
	chunkNodes, flushBytes = 1, 1
	t.Cleanup(func() { chunkNodes, flushBytes = chunk, flush })

	for seed := range uint64(200) {
		tr, _ := newTree(false)
		m := &mutator{tr: tr, rng: rand.New(rand.NewPCG(seed, 7))}
		for range 200 {
			m.step()
		}
		want := serialize(tr)

		v, err := tr.BeginSnapshot()
		if err != nil {
			t.Fatal(err)
		}
		w := &mutatingWriter{m: m, steps: 1 + int(seed%5)}
		if _, err := v.WriteTo(w); err != nil {
			t.Fatal(err)
		}
		v.Close()
		if !bytes.Equal(w.Bytes(), want) {
			t.Fatalf("seed %d: the view wrote the tree as changed during the walk (%d bytes, want %d)", seed, w.Len(), len(want))
		}
		if _, err := Deserialize(proto.NewDecoder(w.Bytes()), Options{}); err != nil {
			t.Fatalf("seed %d: the view's output does not load: %v", seed, err)
		}
		if tr.snap != nil {
			t.Fatal("Close left the view registered")
		}
	}
}

func TestSnapshotViewOneAtATime(t *testing.T) {
	tr, _ := newTree(false)
	v, err := tr.BeginSnapshot()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tr.BeginSnapshot(); err != ErrSnapshotInProgress {
		t.Fatalf("second BeginSnapshot: %v, want ErrSnapshotInProgress", err)
	}
	v.Close()
	v.Close()
	if _, err := v.WriteTo(&bytes.Buffer{}); err == nil {
		t.Fatal("WriteTo after Close succeeded")
	}
	v2, err := tr.BeginSnapshot()
	if err != nil {
		t.Fatalf("BeginSnapshot after Close: %v", err)
	}
	v2.Close()
}

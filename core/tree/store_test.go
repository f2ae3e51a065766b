package tree

import (
	"bytes"
	"fmt"
	"maps"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/warrenzk/warren/core/proto"
)

// model is the simplest tree that follows the rules Apply keeps for
// create, delete, setData and setACL: a map from path to node.
type model map[string]*modelNode

type modelNode struct {
	data []byte
	acl  []proto.ACL
	stat proto.StatPersisted
	kids map[string]bool
}

func (m model) apply(zxid int64, o op) proto.Err {
	switch txn := o.txn.(type) {
	case *proto.CreateTxn:
		parent, name, _ := split(txn.Path)
		p := m[parent]
		if p == nil {
			return proto.ErrNoNode
		}
		if n := m[txn.Path]; n != nil {
			// A create replayed over a fuzzy snapshot moves the parent on.
			n.acl = txn.ACL
			p.stat.Cversion++
			p.stat.Pzxid = zxid
			return proto.ErrNodeExists
		}
		p.stat.Cversion++
		p.stat.Pzxid = zxid
		p.kids[name] = true
		m[txn.Path] = &modelNode{data: bytes.Clone(txn.Data), acl: txn.ACL, kids: map[string]bool{},
			stat: proto.StatPersisted{Czxid: zxid, Mzxid: zxid, Pzxid: zxid, Ctime: zxid, Mtime: zxid}}
	case *proto.DeleteTxn:
		parent, name, _ := split(txn.Path)
		p := m[parent]
		if p == nil {
			return proto.ErrNoNode
		}
		n := m[txn.Path]
		if n != nil && len(n.kids) > 0 {
			return proto.ErrNotEmpty
		}
		p.stat.Pzxid = max(p.stat.Pzxid, zxid)
		if n == nil {
			return proto.ErrNoNode
		}
		delete(p.kids, name)
		delete(m, txn.Path)
	case *proto.SetDataTxn:
		n := m[txn.Path]
		if n == nil {
			return proto.ErrNoNode
		}
		n.data = bytes.Clone(txn.Data)
		n.stat.Mtime, n.stat.Mzxid, n.stat.Version = zxid, zxid, txn.Version
	case *proto.SetACLTxn:
		n := m[txn.Path]
		if n == nil {
			return proto.ErrNoNode
		}
		n.acl = txn.ACL
		n.stat.Aversion = txn.Version
	}
	return proto.ErrOK
}

// check compares every node of the model with the tree, and the tree's
// counts with the model's.
func (m model) check(t *testing.T, tr *Tree, seed uint64, step int) {
	t.Helper()
	size := int64(0)
	for path, want := range m {
		info, ok := tr.Lookup(path)
		if !ok {
			t.Fatalf("seed %d step %d: %s missing", seed, step, path)
		}
		data, _, _ := tr.GetData(path, nil)
		kids, _, _ := tr.GetChildren(path, nil)
		if path == RootPath {
			size += int64(1 + 2*len(want.data))
		} else {
			size += int64(len(path) + len(want.data))
		}
		if !bytes.Equal(data, want.data) || (data == nil) != (want.data == nil) ||
			info.Stat != want.stat || !slices.Equal(info.ACL, aclOrOpen(want.acl)) ||
			!slices.Equal(kids, slices.Sorted(maps.Keys(want.kids))) || int(info.NumChildren) != len(want.kids) {
			t.Fatalf("seed %d step %d: %s is %q %+v %v %v, want %q %+v %v %v", seed, step, path,
				data, info.Stat, info.ACL, kids, want.data, want.stat, want.acl, slices.Sorted(maps.Keys(want.kids)))
		}
	}
	if tr.NodeCount() != len(m)+1 || tr.ApproximateDataSize() != size {
		t.Fatalf("seed %d step %d: %d nodes, %d bytes; want %d, %d", seed, step,
			tr.NodeCount()-1, tr.ApproximateDataSize(), len(m), size)
	}
}

func aclOrOpen(acl []proto.ACL) []proto.ACL {
	if acl == nil {
		return proto.OpenACLUnsafe
	}
	return acl
}

// TestStoreAgainstModel applies random creates, deletes, setData and setACL
// to a tree and to the model and compares them. The path space has one
// parent with thousands of children (kidList blocks split and empty) and
// data of up to 8 KiB and now and then more than a slab (slabs fill, die and
// are compacted); every so often
// the tree goes through a snapshot and a streaming load.
func TestStoreAgainstModel(t *testing.T) {
	seeds := uint64(3)
	if raceOn {
		seeds = 1
	}
	for seed := range seeds {
		rng := rand.New(rand.NewPCG(seed, 11))
		tr := New(Options{})
		m := model{}
		for _, p := range []string{RootPath, ZookeeperPath, QuotaPath, ConfigPath} {
			info, _ := tr.Lookup(p)
			kids, _, _ := tr.GetChildren(p, nil)
			n := &modelNode{data: []byte{}, acl: info.ACL, stat: info.Stat, kids: map[string]bool{}}
			for _, k := range kids {
				n.kids[k] = true
			}
			m[p] = n
		}
		m[ConfigPath].acl = proto.ReadACLUnsafe
		path := func() string {
			switch rng.IntN(3) {
			case 0:
				return fmt.Sprintf("/big/%x", rng.IntN(3000)*7919%100003)
			case 1:
				return fmt.Sprintf("/d%d/e%d", rng.IntN(4), rng.IntN(4))
			}
			return fmt.Sprintf("/d%d", rng.IntN(4))
		}
		data := func() []byte {
			switch k := rng.IntN(400); {
			case k == 0:
				return make([]byte, slabSize+1) // a slab of its own
			case k < 50:
				return nil
			case k < 100:
				return make([]byte, rng.IntN(8<<10))
			}
			return fmt.Appendf(nil, "v%d", rng.IntN(1000))
		}
		zxid := int64(0)
		for step := range 12000 {
			zxid++
			var o op
			switch k := rng.IntN(10); {
			case step < 2000 || k < 4:
				o = op{proto.OpCreate, &proto.CreateTxn{Path: path(), Data: data(),
					ACL: mutatorACLs[rng.IntN(len(mutatorACLs))], ParentCversion: -1}}
			case k < 7:
				o = mkDelete(path())
			case k < 9:
				o = op{proto.OpSetData, &proto.SetDataTxn{Path: path(), Data: data(), Version: int32(zxid)}}
			default:
				o = op{proto.OpSetACL, &proto.SetACLTxn{Path: path(), ACL: mutatorACLs[rng.IntN(len(mutatorACLs))], Version: int32(zxid)}}
			}
			if step == 0 {
				o = mkCreate("/big", "")
			}
			want := m.apply(zxid, o)
			hdr := &proto.TxnHeader{Zxid: zxid, Time: zxid, Type: o.typ}
			if got := tr.Apply(hdr, o.txn); got.Err != want {
				t.Fatalf("seed %d step %d: %+v gives %v, want %v", seed, step, o.txn, got.Err, want)
			}
			if step%2000 == 1999 {
				m.check(t, tr, seed, step)
				b := serialize(tr)
				loaded, err := Load(bytes.NewReader(b), Options{})
				if err != nil {
					t.Fatalf("seed %d step %d: load: %v", seed, step, err)
				}
				if dump(loaded) != dump(tr) || !bytes.Equal(serialize(loaded), b) {
					t.Fatalf("seed %d step %d: the loaded tree differs", seed, step)
				}
				loaded.SetLastZxid(tr.LastZxid())
				tr = loaded // go on with a tree built by Load
			}
		}
		m.check(t, tr, seed, -1)
	}
}

// TestLoadStreams checks that Load reads what Deserialize reads, stops
// right after the tree, and refuses what Deserialize refuses, a truncated
// stream included.
func TestLoadStreams(t *testing.T) {
	raw := snapshotCapture(t)
	want, err := Deserialize(proto.NewDecoder(raw), Options{ExtendedTypes: true})
	if err != nil {
		t.Fatal(err)
	}
	r := bytes.NewReader(append(slices.Clone(raw), "tail"...))
	got, err := Load(r, Options{ExtendedTypes: true})
	if err != nil {
		t.Fatal(err)
	}
	if dump(got) != dump(want) {
		t.Error("Load and Deserialize differ")
	}
	if r.Len() != len("tail") {
		t.Errorf("Load left %d bytes, want 4", r.Len())
	}
	for i := 0; i < len(raw); i += 1 + i/8 {
		if _, err := Load(bytes.NewReader(raw[:i]), Options{ExtendedTypes: true}); err == nil {
			t.Fatalf("truncated at %d accepted", i)
		}
	}
}

// TestDataOutlivesCompaction: what GetData returns stays as it was after
// the slab it came from is compacted and unmapped, and a pre-image saved
// for a snapshot view too (neither aliases the store's memory).
func TestDataOutlivesCompaction(t *testing.T) {
	tr := New(Options{})
	applyAll(t, tr, 1, mkCreate("/d", ""))
	zxid := int64(2)
	for i := range 3000 { // about 3 MiB: past offHeapAfter, several slabs
		applyAll(t, tr, zxid, mkCreate(fmt.Sprintf("/d/n%d", i), strings.Repeat("a", 1000)))
		zxid++
	}
	if b := tr.StoreBytes(); b < 3000*1000 || b > 3000*1000*3/2 {
		t.Errorf("StoreBytes = %d for 3,000 znodes of 1,000 bytes", b)
	}
	kept, _, err := tr.GetData("/d/n2500", nil) // in a mapped slab
	if err != nil {
		t.Fatal(err)
	}
	want := serialize(tr)
	v, err := tr.BeginSnapshot()
	if err != nil {
		t.Fatal(err)
	}
	defer v.Close()
	for round := range 3 {
		for i := range 3000 {
			applyAll(t, tr, zxid, mkSetData(fmt.Sprintf("/d/n%d", i), fmt.Sprint(round), int32(round+1)))
			zxid++
		}
	}
	if string(kept) != strings.Repeat("a", 1000) {
		t.Fatal("data returned by GetData changed after its slab was compacted")
	}
	var got bytes.Buffer
	if _, err := v.WriteTo(&got); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got.Bytes(), want) {
		t.Fatal("the snapshot view wrote the tree as changed, or lost pre-images to compaction")
	}
}

// TestIndexGrowsAndShrinks fills the index through several doublings,
// empties most of it through several halvings (each rehashing from the
// hash bits the slots keep, and each remove shifting its probe run back)
// and checks every lookup on the way.
func TestIndexGrowsAndShrinks(t *testing.T) {
	tr := New(Options{})
	applyAll(t, tr, 1, mkCreate("/p", ""))
	zxid := int64(2)
	const n = 5000
	for i := range n {
		applyAll(t, tr, zxid, mkCreate(fmt.Sprintf("/p/%d", i), ""))
		zxid++
	}
	for i := range n - 100 {
		applyAll(t, tr, zxid, mkDelete(fmt.Sprintf("/p/%d", i*7919%n)))
		zxid++
	}
	if got, want := len(tr.s.index.slots), 1024; got > want {
		t.Errorf("%d slots for %d znodes: the index did not shrink", got, tr.s.index.n)
	}
	for i := range n {
		_, ok := tr.Lookup(fmt.Sprintf("/p/%d", i*7919%n))
		if want := i >= n-100; ok != want {
			t.Fatalf("/p/%d found %v, want %v", i*7919%n, ok, want)
		}
	}
}

// TestIndexComparesNamesWhenHashesAgree: a slot whose hash bits match a
// lookup's is not taken for the node looked up unless its record's
// parent and name match too.
func TestIndexComparesNamesWhenHashesAgree(t *testing.T) {
	tr := New(Options{})
	applyAll(t, tr, 1, mkCreate("/a", ""))
	x, s := &tr.s.index, tr.s
	a := x.find(s, tr.root, "a")
	h := x.hash(tr.root, "b")
	mask := uint64(len(x.slots) - 1)
	i := h & mask
	for x.slots[i] != 0 {
		i = (i + 1) & mask
	}
	x.slots[i] = makeSlot(a, h) // /a's id under /b's hash
	if got := x.find(s, tr.root, "b"); got != 0 {
		t.Errorf("find(b) = %d (/a's id %d), want 0", got, a)
	}
	if got := x.find(s, tr.root, "a"); got != a {
		t.Errorf("find(a) = %d, want %d", got, a)
	}
}

package tree

import (
	"fmt"
	"sort"
	"strings"
	"sync"
	"testing"

	"go.uber.org/goleak"

	"github.com/warrenzk/warren/core/proto"
	"github.com/warrenzk/warren/core/watch"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// sess is the session that owns test ephemerals (java-crud's session id).
const sess int64 = 0x100000e363d0002

// recorder is a Watcher that records events as "type path", and the ACL
// each came with.
type recorder struct {
	mu   sync.Mutex
	evs  []string
	acls [][]proto.ACL
}

func (r *recorder) Notify(ev proto.WatcherEvent, acl []proto.ACL) {
	names := map[proto.EventType]string{
		proto.EventNodeCreated: "created", proto.EventNodeDeleted: "deleted",
		proto.EventNodeDataChanged: "data", proto.EventNodeChildrenChanged: "children",
	}
	r.mu.Lock()
	r.evs = append(r.evs, names[ev.Type]+" "+ev.Path)
	r.acls = append(r.acls, acl)
	r.mu.Unlock()
}

// take returns the events so far, sorted (one Trigger's watchers are
// notified in no particular order), and forgets them.
func (r *recorder) take() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := r.evs
	r.evs = nil
	sort.Strings(out)
	return out
}

// unsorted returns the events in arrival order and forgets them.
func (r *recorder) unsorted() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := r.evs
	r.evs = nil
	return out
}

func newTree(extended bool) (*Tree, *watch.Manager) {
	m := watch.NewManager(nil)
	return New(Options{ExtendedTypes: extended, Watches: m}), m
}

// op is one txn to apply.
type op struct {
	typ proto.Op
	txn proto.Record
}

// hdrAt is the header of a txn at zxid from sess, stamped 1000*zxid ms.
func hdrAt(zxid int64, typ proto.Op) *proto.TxnHeader {
	return &proto.TxnHeader{ClientID: sess, Cxid: int32(zxid), Zxid: zxid, Time: 1000 * zxid, Type: typ}
}

func applyAt(tr *Tree, zxid int64, o op) Result {
	return tr.Apply(hdrAt(zxid, o.typ), o.txn)
}

// applyAll applies ops at zxids from, from+1, ... and fails on any error.
func applyAll(t testing.TB, tr *Tree, from int64, ops ...op) {
	t.Helper()
	for i, o := range ops {
		if r := applyAt(tr, from+int64(i), o); r.Err != proto.ErrOK {
			t.Fatalf("apply %v %+v: %v", o.typ, o.txn, r.Err)
		}
	}
}

func mkCreate(path, data string) op {
	return op{proto.OpCreate, &proto.CreateTxn{Path: path, Data: []byte(data), ACL: proto.OpenACLUnsafe, ParentCversion: -1}}
}

func mkEphemeral(path string) op {
	return op{proto.OpCreate, &proto.CreateTxn{Path: path, Data: []byte("e"), ACL: proto.OpenACLUnsafe, Ephemeral: true, ParentCversion: -1}}
}

func mkContainer(path string) op {
	return op{proto.OpCreateContainer, &proto.CreateContainerTxn{Path: path, ACL: proto.OpenACLUnsafe, ParentCversion: -1}}
}

func mkTTL(path string, ttl int64) op {
	return op{proto.OpCreateTTL, &proto.CreateTTLTxn{Path: path, ACL: proto.OpenACLUnsafe, ParentCversion: -1, TTL: ttl}}
}

func mkDelete(path string) op { return op{proto.OpDelete, &proto.DeleteTxn{Path: path}} }

func mkSetData(path, data string, version int32) op {
	return op{proto.OpSetData, &proto.SetDataTxn{Path: path, Data: []byte(data), Version: version}}
}

func mkError(code proto.Err) op { return op{proto.OpError, &proto.ErrorTxn{Err: code}} }

// sub encodes an op as a multi's sub-txn.
func sub(o op) proto.Txn { return proto.Txn{Type: o.typ, Data: proto.Marshal(o.txn)} }

func mkMulti(ops ...op) op {
	m := &proto.MultiTxn{}
	for _, o := range ops {
		m.Txns = append(m.Txns, sub(o))
	}
	return op{proto.OpMulti, m}
}

func statOf(t testing.TB, tr *Tree, path string) proto.Stat {
	t.Helper()
	st, err := tr.Exists(path, nil)
	if err != nil {
		t.Fatalf("exists %s: %v", path, err)
	}
	return st
}

func childrenOf(t testing.TB, tr *Tree, path string) []string {
	t.Helper()
	c, _, err := tr.GetChildren(path, nil)
	if err != nil {
		t.Fatalf("children %s: %v", path, err)
	}
	return c
}

// dump renders the whole tree (paths, data, stored stats, ACLs) so that two
// trees can be compared, or a tree before and after a no-op.
func dump(tr *Tree) string {
	tr.mu.RLock()
	defer tr.mu.RUnlock()
	nodes := map[string]nodeID{RootPath: tr.root}
	paths := []string{RootPath}
	for i := 0; i < len(paths); i++ {
		for _, c := range tr.s.kidsOf(tr.s.at(nodes[paths[i]])).flat() {
			p := childPath(paths[i], tr.s.name(tr.s.at(c)))
			nodes[p] = c
			paths = append(paths, p)
		}
	}
	sort.Strings(paths)
	var s strings.Builder
	for _, p := range paths {
		n := tr.s.at(nodes[p])
		var kids []string
		for _, c := range tr.s.kidsOf(n).flat() {
			kids = append(kids, tr.s.name(tr.s.at(c)))
		}
		fmt.Fprintf(&s, "%s %q %+v %v %v\n", p, tr.s.data(n), n.stat, tr.acls.get(tr.s.acl(n)), kids)
	}
	fmt.Fprintf(&s, "eph %v cont %v ttl %v quota %v size %d\n", tr.ephemerals, tr.containers, tr.ttls, tr.quotas, tr.dataSize)
	return s.String()
}

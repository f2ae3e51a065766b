package tree

import (
	"errors"
	"io"
	"maps"
	"slices"

	"github.com/warrenzk/warren/core/proto"
)

// A SnapshotView serializes the tree as it was when BeginSnapshot was
// called, while Apply goes on changing it. ZooKeeper's snapshots are fuzzy
// (each node as it is when the walk reaches it) and recovery papers over the
// difference by replaying txns that may already be in the snapshot. Here the
// view is exact instead: while it is open, the first change to each node
// saves a copy of the node as it was (a pre-image, keyed by the node), and
// the walk reads pre-images in place of the nodes they stand for. Nodes
// created after the start are never reached, since their parent's pre-image
// does not list them; nodes deleted after it are, through their parent's
// pre-image. The walk holds the read lock only a chunk of nodes at a time,
// so writes are held up for microseconds, not for the whole snapshot.
type SnapshotView struct {
	t    *Tree
	zxid int64
	acls map[int64][]proto.ACL // the ACL cache at the start; lists are immutable
	pre  map[*znode]*znode     // written under t.mu by Apply, read by the walk
	done bool
}

// The walk serializes chunkNodes nodes per read-lock hold and hands its
// buffer to the writer once it holds flushBytes (variables for tests).
var (
	chunkNodes = 512
	flushBytes = 32 << 10
)

// ErrSnapshotInProgress is returned by BeginSnapshot while another view is
// open.
var ErrSnapshotInProgress = errors.New("tree: a snapshot is already in progress")

// BeginSnapshot opens a view of the tree as it is now, at LastZxid. Call it
// where no txn is being applied (between Applies, on the applying
// goroutine) so that the view is consistent with what the caller records
// beside it (the session table). Only one view may be open at a time; Close
// it when done, written or not.
func (t *Tree) BeginSnapshot() (*SnapshotView, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.snap != nil {
		return nil, ErrSnapshotInProgress
	}
	v := &SnapshotView{t: t, zxid: t.lastZxid.Load(), acls: maps.Clone(t.acls.byID), pre: map[*znode]*znode{}}
	t.snap = v
	return v, nil
}

// Zxid is the last zxid applied when the view was opened.
func (v *SnapshotView) Zxid() int64 { return v.zxid }

// preserve saves n's pre-image if a view is open and n has none yet. Apply
// calls it before changing any field of a node, or its children.
func (t *Tree) preserve(n *znode) {
	v := t.snap
	if v == nil {
		return
	}
	if _, ok := v.pre[n]; ok {
		return
	}
	c := *n
	c.children = maps.Clone(n.children)
	v.pre[n] = &c
}

// at returns n as it was when the view was opened; the caller holds t.mu.
func (v *SnapshotView) at(n *znode) *znode {
	if p, ok := v.pre[n]; ok {
		return p
	}
	return n
}

// Close ends the view: Apply stops saving pre-images and those saved are
// dropped. Calling it again does nothing.
func (v *SnapshotView) Close() {
	t := v.t
	t.mu.Lock()
	defer t.mu.Unlock()
	if !v.done {
		v.done = true
		t.snap = nil
		v.pre = nil
	}
}

// WriteTo writes the view in ZooKeeper's snapshot format, as Serialize
// does: the ACL cache, then every node parents first, then "/". It
// implements io.WriterTo; it may be called once.
func (v *SnapshotView) WriteTo(w io.Writer) (int64, error) {
	type item struct {
		path string
		n    *znode
	}
	e := proto.NewEncoder(make([]byte, 0, 64<<10))
	var written int64
	flush := func() error {
		n, err := w.Write(e.Bytes())
		written += int64(n)
		e.Reset()
		return err
	}

	ids := slices.Sorted(maps.Keys(v.acls))
	e.Int(int32(len(ids)))
	for _, id := range ids {
		e.Long(id)
		proto.EncodeACLs(e, v.acls[id])
	}

	t := v.t
	t.mu.RLock()
	if v.done {
		t.mu.RUnlock()
		return 0, errors.New("tree: snapshot view closed")
	}
	stack := []item{{"", t.nodes[RootPath]}}
	t.mu.RUnlock()
	for len(stack) > 0 {
		t.mu.RLock()
		for i := 0; i < chunkNodes && len(stack) > 0; i++ {
			it := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			n := v.at(it.n)
			e.String(it.path)
			e.Buffer(n.data)
			e.Long(n.acl)
			n.stat.Encode(e)
			// Pushed in reverse so that children come out in name order.
			names := sortedKeys(n.children)
			for j := len(names) - 1; j >= 0; j-- {
				stack = append(stack, item{it.path + "/" + names[j], n.children[names[j]]})
			}
		}
		t.mu.RUnlock()
		if e.Len() >= flushBytes {
			if err := flush(); err != nil {
				return written, err
			}
		}
	}
	e.String(RootPath)
	return written, flush()
}

package tree

import (
	"bytes"
	"errors"
	"io"
	"maps"
	"runtime"
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
// pre-image, and ids of deleted nodes are not reused while the view is
// open. Children are kept sorted, so the walk sorts nothing. It holds the
// read lock only a chunk of nodes at a time, so writes are held up for
// microseconds, not for the whole snapshot.
type SnapshotView struct {
	t    *Tree
	zxid int64
	acls map[int64][]proto.ACL // the ACL cache at the start; lists are immutable
	pre  map[nodeID]*preImage  // written under t.mu by Apply, read by the walk
	// saved has bit id set if pre holds node id: a test the walk makes
	// per node, far cheaper than a map lookup. It covers the ids in use
	// when the view opened, the only ones the walk reaches.
	saved []uint64
	done  bool
}

// preImage is a node as it was when the view was opened. A saved one owns
// its name and data; one from at aliases the store's, for use under the
// lock.
type preImage struct {
	name, data []byte
	acl        int64
	stat       proto.StatPersisted
	kids       []nodeID // the children, in name order
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
	v := &SnapshotView{t: t, zxid: t.lastZxid.Load(), acls: maps.Clone(t.acls.byID), pre: map[nodeID]*preImage{},
		saved: make([]uint64, t.s.next/64+1)}
	t.snap = v
	t.s.setHold(true)
	return v, nil
}

// Zxid is the last zxid applied when the view was opened.
func (v *SnapshotView) Zxid() int64 { return v.zxid }

// preserve saves a node's pre-image if a view is open and the node has
// none yet. Apply calls it before changing any field of a node, its
// children, or deleting it.
func (t *Tree) preserve(id nodeID) {
	v := t.snap
	if v == nil {
		return
	}
	if _, ok := v.pre[id]; ok {
		return
	}
	v.pre[id] = v.live(id)
	if w := int(id / 64); w < len(v.saved) {
		v.saved[w] |= 1 << (id % 64)
	}
}

// preImage returns node id's pre-image, or nil if it has none and is
// unchanged since the view opened; the caller holds t.mu and id existed
// then.
func (v *SnapshotView) preImage(id nodeID) *preImage {
	if v.saved[id/64]&(1<<(id%64)) == 0 {
		return nil
	}
	return v.pre[id]
}

// live is node id as it is now; the caller holds t.mu.
func (v *SnapshotView) live(id nodeID) *preImage {
	s := v.t.s
	n := s.at(id)
	e := s.entryOf(n)
	return &preImage{name: bytes.Clone(e.name), data: bytes.Clone(e.data), acl: e.acl, stat: n.stat,
		kids: s.kidsOf(n).flat()}
}

// at returns node id as it was when the view was opened, leaving out its
// children; the caller holds t.mu.
func (v *SnapshotView) at(id nodeID) preImage {
	if p := v.preImage(id); p != nil {
		return *p
	}
	s := v.t.s
	n := s.at(id)
	e := s.entryOf(n)
	return preImage{name: e.name, data: e.data, acl: e.acl, stat: n.stat}
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
		v.pre, v.saved = nil, nil
		t.s.setHold(false)
	}
}

// WriteTo writes the view in ZooKeeper's snapshot format, as Serialize
// does: the ACL cache, then every node parents first, children in name
// order, then "/". It implements io.WriterTo; it may be called once.
func (v *SnapshotView) WriteTo(w io.Writer) (int64, error) {
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
	root := v.at(t.root)
	encodeNode(e, nil, nil, &root)
	stack := []walkFrame{{id: t.root}}
	t.mu.RUnlock()
	for len(stack) > 0 {
		t.mu.RLock()
		for i := 0; i < chunkNodes && len(stack) > 0; {
			f := &stack[len(stack)-1]
			c, ok := v.nextChild(f)
			if !ok {
				stack = stack[:len(stack)-1]
				continue
			}
			img := v.at(c)
			encodeNode(e, f.path, img.name, &img)
			if v.hasKids(c) {
				// Only a parent needs its path kept: a leaf's is
				// written from its parent's and its name.
				path := append(append(append(make([]byte, 0, len(f.path)+1+len(img.name)), f.path...), '/'), img.name...)
				stack = append(stack, walkFrame{id: c, path: path})
			}
			i++
		}
		t.mu.RUnlock()
		// Let waiting goroutines (requests) run: the walk would otherwise
		// keep its processor until the scheduler preempts it, up to 10 ms
		// later, which on a node with few cores is a request's latency.
		// It costs the walk a fifth of its speed on an idle node, and
		// took pipelined writes' p99 from 9 to 7 ms on a busy one.
		runtime.Gosched()
		if e.Len() >= flushBytes {
			if err := flush(); err != nil {
				return written, err
			}
		}
	}
	e.String(RootPath)
	return written, flush()
}

// encodeNode writes a node record whose path is parent + "/" + name, or
// "" for the root (no parent).
func encodeNode(e *proto.Encoder, parent, name []byte, n *preImage) {
	if parent == nil && name == nil {
		e.String("")
	} else {
		e.Int(int32(len(parent) + 1 + len(name)))
		e.Raw(parent)
		e.Raw([]byte{'/'})
		e.Raw(name)
	}
	e.Buffer(n.data)
	e.Long(n.acl)
	n.stat.Encode(e)
}

// walkFrame is a node whose children the walk is visiting: next is the
// position of the next one in name order, and blk, off the same position
// in the live kidList's blocks (valid while the node has no pre-image:
// until then its children are as they were when the view opened).
type walkFrame struct {
	id       nodeID
	path     []byte // nil for the root
	next     int
	blk, off int
}

// hasKids reports whether node id had children when the view was opened;
// the caller holds t.mu.
func (v *SnapshotView) hasKids(id nodeID) bool {
	if p := v.preImage(id); p != nil {
		return len(p.kids) > 0
	}
	return v.t.s.at(id).kids != 0
}

// nextChild returns f's next child as of the view's start, if any; the
// caller holds t.mu.
func (v *SnapshotView) nextChild(f *walkFrame) (nodeID, bool) {
	if p := v.preImage(f.id); p != nil {
		if f.next >= len(p.kids) {
			return 0, false
		}
		f.next++
		return p.kids[f.next-1], true
	}
	l := v.t.s.kidsOf(v.t.s.at(f.id))
	if l == nil || f.blk >= len(l.blocks) {
		return 0, false
	}
	c := l.blocks[f.blk][f.off]
	f.next++
	if f.off++; f.off == len(l.blocks[f.blk]) {
		f.blk, f.off = f.blk+1, 0
	}
	return c, true
}

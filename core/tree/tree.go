// Package tree is the in-memory znode tree: znodes with their data, ACLs and
// stats, the per-session ephemeral index, the container and TTL sets that the
// container manager scans, quota accounting, and the snapshot format. It
// follows Apache ZooKeeper's DataTree: committed txns are applied in zxid
// order by Apply, reads run concurrently with each other, and watch events
// are handed to a watch.Manager under the same lock that orders the change,
// so that no reply can reflect a change before its event is queued.
package tree

import (
	"bytes"
	"runtime"
	"slices"
	"sort"
	"sync"
	"sync/atomic"

	"github.com/warrenzk/warren/core/proto"
	"github.com/warrenzk/warren/core/watch"
)

// The system znodes every tree has.
const (
	RootPath      = "/"
	ZookeeperPath = "/zookeeper"        // ZooKeeper's "proc" node
	QuotaPath     = "/zookeeper/quota"  // quota limits and stats live below
	ConfigPath    = "/zookeeper/config" // the ensemble's dynamic config; world-readable only
)

// Options configures a Tree.
type Options struct {
	// ExtendedTypes enables TTL nodes (zookeeper.extendedTypesEnabled): an
	// ephemeralOwner carrying the extended marker is a TTL, not a session.
	ExtendedTypes bool
	// Watches receives the watches reads set and the events Apply fires;
	// nil means the tree keeps no watches.
	Watches *watch.Manager
}

// Tree is the znode tree. Reads take a read lock; Apply takes the write lock.
type Tree struct {
	mu       sync.RWMutex
	extended bool
	watches  *watch.Manager

	s          *store // the znodes (store.go)
	root       nodeID
	acls       aclCache
	ephemerals map[int64]map[string]struct{} // session → paths
	containers map[string]struct{}
	ttls       map[string]struct{}
	quotas     map[string]struct{} // paths that have a quota limit node
	dataSize   int64               // DataTree.cachedApproximateDataSize

	lastZxid atomic.Int64
	snap     *SnapshotView // the open snapshot view, if any (under mu)
}

// New returns a tree holding what a fresh ZooKeeper DataTree holds: "/",
// "/zookeeper", "/zookeeper/quota" and "/zookeeper/config", with empty data
// and zero stats. The config node is readable by anyone and writable by no
// one (ZOOKEEPER-2014): ZooKeeper sets READ_ACL_UNSAFE on it with setACL
// version -1, so its aversion is -1.
func New(opts Options) *Tree {
	t := newEmpty(opts)
	t.root, _ = t.s.add(0, openACLID, "", []byte{})
	proc := t.attach(t.root, openACLID, "zookeeper", []byte{})
	t.attach(proc, openACLID, "quota", []byte{})
	cfg := t.attach(proc, t.acls.intern(proto.ReadACLUnsafe), "config", []byte{})
	t.s.at(cfg).stat.Aversion = -1
	t.dataSize = t.computeDataSize()
	return t
}

func newEmpty(opts Options) *Tree {
	t := &Tree{
		extended:   opts.ExtendedTypes,
		watches:    opts.Watches,
		s:          newStore(),
		acls:       newACLCache(),
		ephemerals: make(map[int64]map[string]struct{}),
		containers: make(map[string]struct{}),
		ttls:       make(map[string]struct{}),
		quotas:     make(map[string]struct{}),
	}
	runtime.AddCleanup(t, (*store).unmap, t.s)
	return t
}

// attach adds a node called name with ACL id acl, a copy of data and zero
// stats under parent, and returns it; no stat changes.
func (t *Tree) attach(parent nodeID, acl int64, name string, data []byte) nodeID {
	t.preserve(parent)
	id, _ := t.s.add(parent, acl, name, data) // the callers checked it is new
	t.s.link(parent, id)
	return id
}

// stat is a node's Stat as clients see it (DataNode.copyStat): the stored
// cversion counts creates only, and the client's cversion counts creates and
// deletes, so it is 2*cversion - numChildren; container and TTL markers read
// as ephemeralOwner 0.
func (t *Tree) stat(n *node) proto.Stat {
	nc := int32(t.s.numKids(n))
	owner := n.stat.EphemeralOwner
	if OwnerType(owner, t.extended) != EphemeralNormal {
		owner = 0
	}
	return proto.Stat{
		Czxid:          n.stat.Czxid,
		Mzxid:          n.stat.Mzxid,
		Ctime:          n.stat.Ctime,
		Mtime:          n.stat.Mtime,
		Version:        n.stat.Version,
		Cversion:       n.stat.Cversion*2 - nc,
		Aversion:       n.stat.Aversion,
		EphemeralOwner: owner,
		DataLength:     int32(t.s.dataLen(n)),
		NumChildren:    nc,
		Pzxid:          n.stat.Pzxid,
	}
}

// GetData returns a copy of a node's data and its stat, registering a
// one-shot data watch for w (if not nil) under the read lock.
func (t *Tree) GetData(path string, w watch.Watcher) ([]byte, proto.Stat, error) {
	data, st, _, err := t.getData(path, w)
	return data, st, err
}

// GetDataACL is GetData without a watch that also returns the node's ACL,
// so that a reader can check its permission and answer from one lookup.
// The ACL is the cache's list: do not modify it.
func (t *Tree) GetDataACL(path string) ([]byte, proto.Stat, []proto.ACL, error) {
	return t.getData(path, nil)
}

func (t *Tree) getData(path string, w watch.Watcher) ([]byte, proto.Stat, []proto.ACL, error) {
	t.mu.RLock()
	defer t.mu.RUnlock()
	id := t.lookup(path)
	if id == 0 {
		return nil, proto.Stat{}, nil, proto.ErrNoNode
	}
	if w != nil && t.watches != nil {
		t.watches.AddData(path, w)
	}
	n := t.s.at(id)
	return bytes.Clone(t.s.data(n)), t.stat(n), t.acls.get(t.s.acl(n)), nil
}

// Exists returns a node's stat. With w it registers a data watch if the node
// exists and an exist watch (fired by NodeCreated) if it does not.
func (t *Tree) Exists(path string, w watch.Watcher) (proto.Stat, error) {
	t.mu.RLock()
	defer t.mu.RUnlock()
	id := t.lookup(path)
	if w != nil && t.watches != nil {
		if id != 0 {
			t.watches.AddData(path, w)
		} else {
			t.watches.AddExist(path, w)
		}
	}
	if id == 0 {
		return proto.Stat{}, proto.ErrNoNode
	}
	return t.stat(t.s.at(id)), nil
}

// GetChildren returns a node's child names, sorted (ZooKeeper's order is a
// hash set's; any order is legal), and its stat, registering a one-shot child
// watch for w (if not nil).
func (t *Tree) GetChildren(path string, w watch.Watcher) ([]string, proto.Stat, error) {
	t.mu.RLock()
	defer t.mu.RUnlock()
	id := t.lookup(path)
	if id == 0 {
		return nil, proto.Stat{}, proto.ErrNoNode
	}
	if w != nil && t.watches != nil {
		t.watches.AddChild(path, w)
	}
	n := t.s.at(id)
	names := make([]string, 0, t.s.numKids(n))
	if l := t.s.kidsOf(n); l != nil {
		for _, blk := range l.blocks {
			for _, c := range blk {
				names = append(names, t.s.name(t.s.at(c)))
			}
		}
	}
	return names, t.stat(n), nil
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// GetACL returns a copy of a node's ACL and its stat.
func (t *Tree) GetACL(path string) ([]proto.ACL, proto.Stat, error) {
	t.mu.RLock()
	defer t.mu.RUnlock()
	id := t.lookup(path)
	if id == 0 {
		return nil, proto.Stat{}, proto.ErrNoNode
	}
	n := t.s.at(id)
	return slices.Clone(t.acls.get(t.s.acl(n))), t.stat(n), nil
}

// AllChildrenNumber counts all descendants of a node, as
// getAllChildrenNumber: for "/" that includes the /zookeeper nodes.
func (t *Tree) AllChildrenNumber(path string) (int32, error) {
	t.mu.RLock()
	defer t.mu.RUnlock()
	id := t.lookup(path)
	if id == 0 {
		return 0, proto.ErrNoNode
	}
	if id == t.root {
		return int32(t.s.count - 1), nil
	}
	count := 0
	t.walk(id, func(nodeID) { count++ })
	return int32(count - 1), nil
}

// walk calls f for id and each of its descendants.
func (t *Tree) walk(id nodeID, f func(nodeID)) {
	stack := []nodeID{id}
	for len(stack) > 0 {
		id := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		f(id)
		if l := t.s.kidsOf(t.s.at(id)); l != nil {
			for _, blk := range l.blocks {
				stack = append(stack, blk...)
			}
		}
	}
}

// Ephemerals returns the paths of a session's ephemeral nodes, sorted.
func (t *Tree) Ephemerals(session int64) []string {
	t.mu.RLock()
	defer t.mu.RUnlock()
	return sortedKeys(t.ephemerals[session])
}

// AllEphemerals returns every session's ephemeral paths, each list sorted,
// for the dump word.
func (t *Tree) AllEphemerals() map[int64][]string {
	t.mu.RLock()
	defer t.mu.RUnlock()
	out := make(map[int64][]string, len(t.ephemerals))
	for s, paths := range t.ephemerals {
		out[s] = sortedKeys(paths)
	}
	return out
}

// NodeInfo is what the request preprocessor needs to know about a node.
type NodeInfo struct {
	Stat        proto.StatPersisted // as stored: cversion counts creates, owner markers kept
	NumChildren int32
	ACL         []proto.ACL // shared: must not be modified
	DataLength  int32
}

// Lookup returns a node's stored stat, child count, ACL and data length.
func (t *Tree) Lookup(path string) (NodeInfo, bool) {
	t.mu.RLock()
	defer t.mu.RUnlock()
	id := t.lookup(path)
	if id == 0 {
		return NodeInfo{}, false
	}
	n := t.s.at(id)
	return NodeInfo{
		Stat:        n.stat,
		NumChildren: int32(t.s.numKids(n)),
		ACL:         t.acls.get(t.s.acl(n)),
		DataLength:  int32(t.s.dataLen(n)),
	}, true
}

// SetWatches re-registers a reconnecting client's watches (setWatches and
// setWatches2) as DataTree.setWatches: a watch whose node changed after
// relZxid fires at once (NodeDeleted or NodeDataChanged for data watches,
// NodeCreated for exist watches, NodeDeleted or NodeChildrenChanged for child
// watches) instead of being registered; persistent and recursive watches are
// registered unconditionally.
func (t *Tree) SetWatches(relZxid int64, data, exist, child, persistent, recursive []string, w watch.Watcher) {
	t.mu.RLock()
	defer t.mu.RUnlock()
	notify := func(typ proto.EventType, path string) {
		// Unfiltered, as ZooKeeper's DataTree.setWatches.
		w.Notify(proto.WatcherEvent{Type: typ, State: proto.StateSyncConnected, Path: path}, nil)
	}
	m := t.watches
	get := func(p string) *node {
		if id := t.lookup(p); id != 0 {
			return t.s.at(id)
		}
		return nil
	}
	for _, p := range data {
		switch n := get(p); {
		case n == nil:
			notify(proto.EventNodeDeleted, p)
		case n.stat.Mzxid > relZxid:
			notify(proto.EventNodeDataChanged, p)
		case m != nil:
			m.AddData(p, w)
		}
	}
	for _, p := range exist {
		switch n := get(p); {
		case n != nil:
			notify(proto.EventNodeCreated, p)
		case m != nil:
			m.AddExist(p, w)
		}
	}
	for _, p := range child {
		switch n := get(p); {
		case n == nil:
			notify(proto.EventNodeDeleted, p)
		case n.stat.Pzxid > relZxid:
			notify(proto.EventNodeChildrenChanged, p)
		case m != nil:
			m.AddChild(p, w)
		}
	}
	if m == nil {
		return
	}
	for _, p := range persistent {
		m.AddPersistent(p, w, false)
	}
	for _, p := range recursive {
		m.AddPersistent(p, w, true)
	}
}

// ContainerCandidates lists, sorted, the nodes the container manager should
// delete (ContainerManager.getCandidates): containers without children whose
// cversion is above 0 (they had a child once), and TTL nodes without
// children not modified for longer than their TTL at nowMs.
func (t *Tree) ContainerCandidates(nowMs int64) []string {
	t.mu.RLock()
	defer t.mu.RUnlock()
	var out []string
	for p := range t.containers {
		if id := t.lookup(p); id != 0 {
			if n := t.s.at(id); n.kids == 0 && n.stat.Cversion > 0 {
				out = append(out, p)
			}
		}
	}
	for p := range t.ttls {
		id := t.lookup(p)
		if id == 0 || t.s.at(id).kids != 0 {
			continue
		}
		n := t.s.at(id)
		if ttl, ok := OwnerTTL(n.stat.EphemeralOwner); ok && ttl != 0 && nowMs-n.stat.Mtime > ttl {
			out = append(out, p)
		}
	}
	sort.Strings(out)
	return out
}

// LastZxid is the zxid of the last txn applied (or of the loaded snapshot).
func (t *Tree) LastZxid() int64 { return t.lastZxid.Load() }

// SetLastZxid records the zxid a loaded snapshot is known to include; the
// snapshot format itself does not carry it.
func (t *Tree) SetLastZxid(zxid int64) { t.lastZxid.Store(zxid) }

// NodeCount is the znode count as ZooKeeper reports it (zk_znode_count,
// "Node count"): one more than the number of znodes, because its DataTree
// maps the root under both "" and "/". A fresh tree reports 5.
func (t *Tree) NodeCount() int {
	t.mu.RLock()
	defer t.mu.RUnlock()
	return t.s.count + 1
}

// ApproximateDataSize is zk_approximate_data_size: the sum over znodes of
// path length plus data length, maintained as ZooKeeper maintains its cached
// value (the root counts under "" and "/"; quota stat rewrites do not count).
func (t *Tree) ApproximateDataSize() int64 {
	t.mu.RLock()
	defer t.mu.RUnlock()
	return t.dataSize
}

// computeDataSize is DataTree.approximateDataSize: the root counts under
// "" and "/", every other node under its path.
func (t *Tree) computeDataSize() int64 {
	root := t.s.at(t.root)
	size := int64(1 + 2*t.s.dataLen(root))
	type item struct {
		id      nodeID
		pathLen int
	}
	stack := []item{{t.root, 0}}
	for len(stack) > 0 {
		it := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		l := t.s.kidsOf(t.s.at(it.id))
		if l == nil {
			continue
		}
		for _, blk := range l.blocks {
			for _, c := range blk {
				n := t.s.at(c)
				pl := it.pathLen + 1 + len(t.s.nameBytes(n))
				size += int64(pl + t.s.dataLen(n))
				stack = append(stack, item{c, pl})
			}
		}
	}
	return size
}

// StoreBytes is the memory the znodes' store holds: records, entries
// (names and data, with the dead ones not yet compacted) and index. Past
// its first MiB it is mapped outside the Go heap, so runtime memory
// statistics do not show it: a process's resident set is about this plus
// the Go heap.
func (t *Tree) StoreBytes() int64 {
	t.mu.RLock()
	defer t.mu.RUnlock()
	return int64(t.s.size)
}

// EphemeralCount is the number of ephemeral nodes (zk_ephemerals_count).
func (t *Tree) EphemeralCount() int {
	t.mu.RLock()
	defer t.mu.RUnlock()
	n := 0
	for _, paths := range t.ephemerals {
		n += len(paths)
	}
	return n
}

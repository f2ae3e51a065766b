// Package watch holds the server's watch tables: one-shot data, exist and
// child watches, and the persistent and persistent-recursive watches of
// addWatch. It follows Apache ZooKeeper 3.9's WatchManager, of which the
// DataTree keeps two (data watches and child watches); Manager keeps both
// behind one mutex so that a single Trigger can notify each watcher once.
package watch

import (
	"sort"
	"sync"

	"github.com/warrenzk/warren/core/proto"
)

// Watcher receives watch events. Notify must not block (implementations queue
// the event) and must not call back into the Manager or the tree: the tree
// triggers watches while holding its write lock. Watchers are used as map
// keys, so an implementation must be comparable (a pointer, typically).
//
// acl is the ACL of the znode the event is about (its parent's, for
// NodeChildrenChanged). A watcher serving a client session delivers the
// event only if the session may READ that znode, as ZooKeeper does since
// CVE-2024-23944; a one-shot watch is used up either way. A nil acl means
// the event is not filtered (setWatches' immediate events, as ZooKeeper).
type Watcher interface {
	Notify(ev proto.WatcherEvent, acl []proto.ACL)
}

// Staler is optionally implemented by a Watcher whose connection may already
// be closed; a stale watcher's new watches are ignored, so that a read racing
// with the connection's close cannot leave watches behind after
// RemoveWatcher (ZooKeeper's WatchManager.isDeadWatcher).
type Staler interface {
	Stale() bool
}

// Watcher types of checkWatches/removeWatches that core/proto does not name
// (Watcher.WatcherType in ZooKeeper 3.9): Persistent and PersistentRecursive
// select the addWatch watches; Children and Data select only one-shot ones.
const (
	WatcherPersistent          proto.WatcherType = 4
	WatcherPersistentRecursive proto.WatcherType = 5
)

// Manager is the set of watch tables of one server. All methods are safe for
// concurrent use.
type Manager struct {
	mu    sync.Mutex
	data  table // getData, exists, persistent and recursive watches
	child table // getChildren and persistent watches
	fired func(typ proto.EventType, watchers int)
}

// NewManager returns an empty Manager. fired, if not nil, is told how many
// watchers each Trigger that notified any notified (ZooKeeper's
// node_*_watch_count summaries); it must be quick and safe for concurrent use.
func NewManager(fired func(typ proto.EventType, watchers int)) *Manager {
	return &Manager{data: newTable(), child: newTable(), fired: fired}
}

func stale(w Watcher) bool {
	s, ok := w.(Staler)
	return ok && s.Stale()
}

// AddData registers a one-shot data watch (getData, or exists on an existing
// node) on path.
func (m *Manager) AddData(path string, w Watcher) {
	m.add(&m.data, path, w, modeStandard)
}

// AddExist registers a one-shot watch set by exists on a missing node. As in
// ZooKeeper it lives in the data table, so NodeCreated fires it.
func (m *Manager) AddExist(path string, w Watcher) {
	m.add(&m.data, path, w, modeStandard)
}

// AddChild registers a one-shot child watch (getChildren) on path.
func (m *Manager) AddChild(path string, w Watcher) {
	m.add(&m.child, path, w, modeStandard)
}

// AddPersistent registers an addWatch watch on path. A persistent watch is
// kept in both tables, so it sees every event on path; a recursive one only
// in the data table, so it never sees NodeChildrenChanged but does see
// NodeCreated, NodeDeleted and NodeDataChanged of every descendant.
func (m *Manager) AddPersistent(path string, w Watcher, recursive bool) {
	if stale(w) {
		return
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if recursive {
		m.data.add(path, w, modeRecursive)
		return
	}
	m.data.add(path, w, modePersistent)
	m.child.add(path, w, modePersistent)
}

func (m *Manager) add(t *table, path string, w Watcher, md mode) {
	if stale(w) {
		return
	}
	m.mu.Lock()
	t.add(path, w, md)
	m.mu.Unlock()
}

// Trigger delivers a tree event on path as DataTree does: NodeCreated and
// NodeDataChanged reach the data table; NodeChildrenChanged the child table;
// NodeDeleted both. Watches on path fire whatever their mode (one-shot ones
// are removed); recursive watches on an ancestor of path fire too, except
// for NodeChildrenChanged (they live only in the data table). Each watcher
// is notified at most once per call, after the Manager's lock is released.
// acl goes to each watcher's Notify. Trigger returns the number of watchers
// notified.
func (m *Manager) Trigger(path string, typ proto.EventType, acl []proto.ACL) int {
	var fired firedSet
	m.mu.Lock()
	switch typ {
	case proto.EventNodeCreated, proto.EventNodeDataChanged:
		m.data.collect(path, &fired)
	case proto.EventNodeChildrenChanged:
		m.child.collect(path, &fired)
	case proto.EventNodeDeleted:
		m.data.collect(path, &fired)
		m.child.collect(path, &fired)
	}
	m.mu.Unlock()
	if len(fired.list) == 0 {
		return 0
	}
	ev := proto.WatcherEvent{Type: typ, State: proto.StateSyncConnected, Path: path}
	for _, w := range fired.list {
		w.Notify(ev, acl)
	}
	if m.fired != nil {
		m.fired(typ, len(fired.list))
	}
	return len(fired.list)
}

// Remove implements removeWatches for one watcher, as DataTree.removeWatch of
// ZooKeeper 3.9: WatcherChildren removes the one-shot child watch,
// WatcherData the one-shot data (or exist) watch, WatcherPersistent the
// persistent watch, WatcherPersistentRecursive the recursive one, and
// WatcherAny every watch of w on path. It reports whether anything was
// removed (the server answers NoWatcher otherwise).
func (m *Manager) Remove(path string, w Watcher, typ proto.WatcherType) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	switch typ {
	case proto.WatcherChildren:
		return m.child.remove(path, w, modeStandard)
	case proto.WatcherData:
		return m.data.remove(path, w, modeStandard)
	case WatcherPersistent:
		c := m.child.remove(path, w, modePersistent)
		d := m.data.remove(path, w, modePersistent)
		return c || d
	case WatcherPersistentRecursive:
		return m.data.remove(path, w, modeRecursive)
	case proto.WatcherAny:
		c := m.child.remove(path, w, modeAll)
		d := m.data.remove(path, w, modeAll)
		return c || d
	}
	return false
}

// Contains implements checkWatches, as DataTree.containsWatcher of ZooKeeper
// 3.9: WatcherChildren and WatcherData look for a one-shot watch, the
// persistent types for the addWatch watch of that mode, WatcherAny for any.
func (m *Manager) Contains(path string, w Watcher, typ proto.WatcherType) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	switch typ {
	case proto.WatcherChildren:
		return m.child.contains(path, w, modeStandard)
	case proto.WatcherData:
		return m.data.contains(path, w, modeStandard)
	case WatcherPersistent:
		return m.data.contains(path, w, modePersistent)
	case WatcherPersistentRecursive:
		return m.data.contains(path, w, modeRecursive)
	case proto.WatcherAny:
		return m.child.contains(path, w, modeAll) || m.data.contains(path, w, modeAll)
	}
	return false
}

// RemoveWatcher drops every watch of w; the server calls it when w's
// connection closes.
func (m *Manager) RemoveWatcher(w Watcher) {
	m.mu.Lock()
	m.data.removeWatcher(w)
	m.child.removeWatcher(w)
	m.mu.Unlock()
}

// Count is the number of watches as ZooKeeper's mntr reports zk_watch_count:
// (path, watcher) pairs in the data table plus those in the child table, so
// a persistent watch counts twice and several modes on one pair once.
func (m *Manager) Count() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.data.pairs + m.child.pairs
}

// Summary is what the wchs word prints: watchers, paths and (path, watcher)
// pairs. Like ZooKeeper (DataTree.getWatchesSummary) it describes the data
// table only, so one-shot child watches do not appear.
func (m *Manager) Summary() (connections, paths, watches int) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.data.byWatcher), len(m.data.byPath), m.data.pairs
}

// ByWatcher lists the watched paths of each watcher, sorted, for wchc. Like
// ZooKeeper it covers the data table only.
func (m *Manager) ByWatcher() map[Watcher][]string {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := make(map[Watcher][]string, len(m.data.byWatcher))
	for w, paths := range m.data.byWatcher {
		ps := make([]string, 0, len(paths))
		for p := range paths {
			ps = append(ps, p)
		}
		sort.Strings(ps)
		out[w] = ps
	}
	return out
}

// ByPath lists the watchers of each watched path, in no particular order,
// for wchp. Like ZooKeeper it covers the data table only.
func (m *Manager) ByPath() map[string][]Watcher {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := make(map[string][]Watcher, len(m.data.byPath))
	for p, ws := range m.data.byPath {
		l := make([]Watcher, 0, len(ws))
		for w := range ws {
			l = append(l, w)
		}
		out[p] = l
	}
	return out
}

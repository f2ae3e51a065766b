package watch

// mode is a set of watch modes one watcher holds on one path, as ZooKeeper's
// WatchStats: since 3.9 (ZOOKEEPER-4466) a standard, a persistent and a
// persistent-recursive watch may coexist for one (path, watcher) pair.
type mode uint8

const (
	modeStandard   mode = 1 << iota // one-shot: removed when it fires
	modePersistent                  // stays; events for the path itself
	modeRecursive                   // stays; events for the path and its descendants
	modeAll        = modeStandard | modePersistent | modeRecursive
)

// table is one of ZooKeeper's two WatchManager instances (the data table or
// the child table): a path → watchers index and its inverse, watcher → path
// → modes. Callers hold Manager.mu.
type table struct {
	byPath    map[string]map[Watcher]struct{}
	byWatcher map[Watcher]map[string]mode
	pairs     int // number of (path, watcher) pairs: ZooKeeper's WatchManager.size()
	recursive int // pairs holding modeRecursive; 0 means triggers skip the ancestor walk
}

func newTable() table {
	return table{
		byPath:    make(map[string]map[Watcher]struct{}),
		byWatcher: make(map[Watcher]map[string]mode),
	}
}

// add registers m for (path, w) and reports whether anything changed.
func (t *table) add(path string, w Watcher, m mode) bool {
	paths := t.byWatcher[w]
	old := paths[path]
	if old&m == m {
		return false
	}
	if paths == nil {
		paths = make(map[string]mode)
		t.byWatcher[w] = paths
	}
	if old == 0 {
		ws := t.byPath[path]
		if ws == nil {
			ws = make(map[Watcher]struct{}, 1)
			t.byPath[path] = ws
		}
		ws[w] = struct{}{}
		t.pairs++
	}
	paths[path] = old | m
	if m&modeRecursive != 0 && old&modeRecursive == 0 {
		t.recursive++
	}
	return true
}

// remove clears the modes in m for (path, w) and reports whether any was set.
func (t *table) remove(path string, w Watcher, m mode) bool {
	paths := t.byWatcher[w]
	old, ok := paths[path]
	if !ok || old&m == 0 {
		return false
	}
	t.set(path, w, paths, old, old&^m)
	return true
}

// set changes the modes of (path, w) from old to now, keeping both indexes
// and the counters in step; now == 0 drops the pair.
func (t *table) set(path string, w Watcher, paths map[string]mode, old, now mode) {
	if old&modeRecursive != 0 && now&modeRecursive == 0 {
		t.recursive--
	}
	if now != 0 {
		paths[path] = now
		return
	}
	delete(paths, path)
	if len(paths) == 0 {
		delete(t.byWatcher, w)
	}
	if ws := t.byPath[path]; ws != nil {
		delete(ws, w)
		if len(ws) == 0 {
			delete(t.byPath, path)
		}
	}
	t.pairs--
}

// contains reports whether (path, w) holds any of the modes in m.
func (t *table) contains(path string, w Watcher, m mode) bool {
	return t.byWatcher[w][path]&m != 0
}

// removeWatcher drops every watch of w.
func (t *table) removeWatcher(w Watcher) {
	paths, ok := t.byWatcher[w]
	if !ok {
		return
	}
	delete(t.byWatcher, w)
	for p, m := range paths {
		if ws := t.byPath[p]; ws != nil {
			delete(ws, w)
			if len(ws) == 0 {
				delete(t.byPath, p)
			}
		}
		if m&modeRecursive != 0 {
			t.recursive--
		}
		t.pairs--
	}
}

// collect adds to fired the watchers an event on path reaches and consumes
// one-shot watches on path, as WatchManager.triggerWatch: every watch on path
// itself fires (standard ones are removed, persistent ones stay); on an
// ancestor only recursive watches fire. Ancestors are walked only while some
// recursive watch exists.
func (t *table) collect(path string, fired *firedSet) {
	walk := t.recursive > 0
	for p := path; ; {
		if ws := t.byPath[p]; ws != nil {
			atPath := p == path
			for w := range ws {
				paths := t.byWatcher[w]
				m := paths[p]
				if !atPath && m&modeRecursive == 0 {
					continue
				}
				fired.add(w)
				if atPath && m&modeStandard != 0 {
					t.set(p, w, paths, m, m&^modeStandard)
				}
			}
		}
		if !walk || p == "/" || p == "" {
			return
		}
		p = parent(p)
	}
}

// firedSet is the set of watchers one trigger notifies, in the order found.
// Most triggers reach a handful of watchers, so membership is a linear scan
// until the set grows past a few entries, then a map.
type firedSet struct {
	list []Watcher
	seen map[Watcher]struct{}
}

const firedScanMax = 16

func (f *firedSet) add(w Watcher) {
	if f.seen != nil {
		if _, ok := f.seen[w]; ok {
			return
		}
		f.seen[w] = struct{}{}
		f.list = append(f.list, w)
		return
	}
	for _, x := range f.list {
		if x == w {
			return
		}
	}
	f.list = append(f.list, w)
	if len(f.list) > firedScanMax {
		f.seen = make(map[Watcher]struct{}, 2*len(f.list))
		for _, x := range f.list {
			f.seen[x] = struct{}{}
		}
	}
}

// parent is the parent of an absolute path; "/" for top-level nodes.
func parent(p string) string {
	for i := len(p) - 1; i > 0; i-- {
		if p[i] == '/' {
			return p[:i]
		}
	}
	return "/"
}

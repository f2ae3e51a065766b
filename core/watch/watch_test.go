package watch

import (
	"fmt"
	"reflect"
	"sort"
	"sync"
	"testing"

	"go.uber.org/goleak"

	"github.com/warrenzk/warren/core/proto"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// rec is a Watcher that records its events.
type rec struct {
	name  string
	mu    sync.Mutex
	evs   []proto.WatcherEvent
	stale bool
}

func (r *rec) Notify(ev proto.WatcherEvent, _ []proto.ACL) {
	r.mu.Lock()
	r.evs = append(r.evs, ev)
	r.mu.Unlock()
}

func (r *rec) Stale() bool { return r.stale }

// take returns the recorded events as "type path" strings and forgets them.
func (r *rec) take() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []string
	for _, ev := range r.evs {
		if ev.State != proto.StateSyncConnected {
			out = append(out, "bad state")
		}
		out = append(out, fmt.Sprintf("%s %s", evName(ev.Type), ev.Path))
	}
	r.evs = nil
	return out
}

func evName(t proto.EventType) string {
	switch t {
	case proto.EventNodeCreated:
		return "created"
	case proto.EventNodeDeleted:
		return "deleted"
	case proto.EventNodeDataChanged:
		return "data"
	case proto.EventNodeChildrenChanged:
		return "children"
	}
	return fmt.Sprint(int32(t))
}

const (
	created  = proto.EventNodeCreated
	deleted  = proto.EventNodeDeleted
	dataChg  = proto.EventNodeDataChanged
	children = proto.EventNodeChildrenChanged
)

type trig struct {
	path string
	typ  proto.EventType
}

func TestTriggerRules(t *testing.T) {
	type setup func(m *Manager, w Watcher)
	all := []trig{
		{"/a", created}, {"/a", dataChg}, {"/a", children}, {"/a", deleted},
		{"/a/b", created}, {"/a/b", dataChg}, {"/a/b", children}, {"/a/b", deleted},
		{"/", children}, {"/x", created},
	}
	tests := []struct {
		name  string
		setup setup
		want  []string // events received over the whole sequence `all`
		left  int      // Count() afterwards
	}{
		{"data one-shot fires once", func(m *Manager, w Watcher) { m.AddData("/a", w) },
			[]string{"created /a"}, 0},
		{"exist one-shot fires on create", func(m *Manager, w Watcher) { m.AddExist("/a", w) },
			[]string{"created /a"}, 0},
		{"child one-shot fires on children", func(m *Manager, w Watcher) { m.AddChild("/a", w) },
			[]string{"children /a"}, 0},
		{"persistent sees every event on its path only", func(m *Manager, w Watcher) { m.AddPersistent("/a", w, false) },
			[]string{"created /a", "data /a", "children /a", "deleted /a"}, 2},
		{"recursive sees path and descendants, never children", func(m *Manager, w Watcher) { m.AddPersistent("/a", w, true) },
			[]string{"created /a", "data /a", "deleted /a", "created /a/b", "data /a/b", "deleted /a/b"}, 1},
		{"recursive on root sees everything but children", func(m *Manager, w Watcher) { m.AddPersistent("/", w, true) },
			[]string{"created /a", "data /a", "deleted /a", "created /a/b", "data /a/b", "deleted /a/b", "created /x"}, 1},
		{"data and child one-shot", func(m *Manager, w Watcher) { m.AddData("/a/b", w); m.AddChild("/a/b", w) },
			[]string{"created /a/b", "children /a/b"}, 0},
		{"standard and recursive coexist", func(m *Manager, w Watcher) { m.AddChild("/a", w); m.AddPersistent("/a", w, true) },
			[]string{"created /a", "data /a", "children /a", "deleted /a", "created /a/b", "data /a/b", "deleted /a/b"}, 1},
		{"all three modes coexist", func(m *Manager, w Watcher) {
			m.AddData("/a", w)
			m.AddPersistent("/a", w, false)
			m.AddPersistent("/a", w, true)
		}, []string{"created /a", "data /a", "children /a", "deleted /a", "created /a/b", "data /a/b", "deleted /a/b"}, 2},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m := NewManager(nil)
			w := &rec{}
			tc.setup(m, w)
			for _, tr := range all {
				m.Trigger(tr.path, tr.typ, nil)
			}
			if got := w.take(); !reflect.DeepEqual(got, tc.want) {
				t.Errorf("events\n got %q\nwant %q", got, tc.want)
			}
			if got := m.Count(); got != tc.left {
				t.Errorf("Count after = %d, want %d", got, tc.left)
			}
		})
	}
}

func TestNodeDeletedNotifiesOnce(t *testing.T) {
	m := NewManager(nil)
	w, other := &rec{}, &rec{}
	m.AddData("/n", w)
	m.AddChild("/n", w)
	m.AddPersistent("/n", w, false)
	m.AddChild("/n", other)
	if n := m.Trigger("/n", deleted, nil); n != 2 {
		t.Fatalf("Trigger = %d notifications, want 2", n)
	}
	if got := w.take(); !reflect.DeepEqual(got, []string{"deleted /n"}) {
		t.Errorf("w got %q", got)
	}
	if got := other.take(); !reflect.DeepEqual(got, []string{"deleted /n"}) {
		t.Errorf("other got %q", got)
	}
	// Both one-shot watches of w are consumed, even the suppressed child one;
	// the persistent watch stays in both tables.
	if m.Contains("/n", w, proto.WatcherData) || m.Contains("/n", w, proto.WatcherChildren) {
		t.Error("one-shot watch survived NodeDeleted")
	}
	if !m.Contains("/n", w, WatcherPersistent) || m.Count() != 2 {
		t.Errorf("persistent watch lost: count %d", m.Count())
	}
}

func TestRecursiveAncestorsNotifyOnce(t *testing.T) {
	m := NewManager(nil)
	w := &rec{}
	m.AddPersistent("/", w, true)
	m.AddPersistent("/a", w, true)
	m.AddPersistent("/a/b", w, true)
	m.AddData("/a/b/c", w)
	if n := m.Trigger("/a/b/c", dataChg, nil); n != 1 {
		t.Fatalf("Trigger = %d, want 1", n)
	}
	if got := w.take(); len(got) != 1 {
		t.Errorf("got %q", got)
	}
}

// ZooKeeper 3.8 kept one mode per (path, watcher), so the java-reconnect
// capture shows a recursive watch re-registered after a one-shot child watch
// swallowing NodeChildrenChanged. 3.9 keeps both.
func TestReconnectModesCoexist(t *testing.T) {
	m := NewManager(nil)
	w := &rec{}
	m.AddChild("/rc", w)
	m.AddPersistent("/rc", w, false)
	m.AddPersistent("/rc", w, true)
	m.Trigger("/rc/new", created, nil)
	m.Trigger("/rc", children, nil)
	want := []string{"created /rc/new", "children /rc"}
	if got := w.take(); !reflect.DeepEqual(got, want) {
		t.Errorf("got %q, want %q", got, want)
	}
}

func TestRemoveAndContains(t *testing.T) {
	types := []proto.WatcherType{proto.WatcherChildren, proto.WatcherData, WatcherPersistent, WatcherPersistentRecursive, proto.WatcherAny}
	names := map[proto.WatcherType]string{1: "children", 2: "data", 3: "any", 4: "persistent", 5: "recursive"}
	setups := map[string]func(m *Manager, w Watcher){
		"data":       func(m *Manager, w Watcher) { m.AddData("/p", w) },
		"exist":      func(m *Manager, w Watcher) { m.AddExist("/p", w) },
		"child":      func(m *Manager, w Watcher) { m.AddChild("/p", w) },
		"persistent": func(m *Manager, w Watcher) { m.AddPersistent("/p", w, false) },
		"recursive":  func(m *Manager, w Watcher) { m.AddPersistent("/p", w, true) },
	}
	// matches[setup] is the set of watcher types that check/remove it.
	matches := map[string][]string{
		"data":       {"data", "any"},
		"exist":      {"data", "any"},
		"child":      {"children", "any"},
		"persistent": {"persistent", "any"},
		"recursive":  {"recursive", "any"},
	}
	for sname, setup := range setups {
		for _, typ := range types {
			t.Run(sname+"/"+names[typ], func(t *testing.T) {
				want := false
				for _, n := range matches[sname] {
					want = want || n == names[typ]
				}
				m := NewManager(nil)
				w, other := &rec{}, &rec{}
				setup(m, w)
				if m.Contains("/p", other, typ) || m.Remove("/p", other, typ) {
					t.Error("matched another watcher")
				}
				if m.Contains("/q", w, typ) || m.Remove("/q", w, typ) {
					t.Error("matched another path")
				}
				if got := m.Contains("/p", w, typ); got != want {
					t.Errorf("Contains = %v, want %v", got, want)
				}
				before := m.Count()
				if got := m.Remove("/p", w, typ); got != want {
					t.Errorf("Remove = %v, want %v", got, want)
				}
				if want && m.Count() != 0 {
					t.Errorf("Count after remove = %d (before %d)", m.Count(), before)
				}
				if !want && m.Count() != before {
					t.Errorf("Count changed %d -> %d by a non-matching remove", before, m.Count())
				}
				if m.Remove("/p", w, typ) {
					t.Error("second Remove reported true")
				}
				if m.data.recursive != 0 && sname != "recursive" || want && m.data.recursive != 0 {
					t.Errorf("recursive counter = %d", m.data.recursive)
				}
			})
		}
	}
}

func TestRemoveOneModeKeepsOthers(t *testing.T) {
	m := NewManager(nil)
	w := &rec{}
	m.AddData("/p", w)
	m.AddChild("/p", w)
	m.AddPersistent("/p", w, false)
	m.AddPersistent("/p", w, true)
	if !m.Remove("/p", w, proto.WatcherChildren) {
		t.Fatal("remove children")
	}
	if !m.Contains("/p", w, proto.WatcherData) || !m.Contains("/p", w, WatcherPersistent) ||
		!m.Contains("/p", w, WatcherPersistentRecursive) || m.Contains("/p", w, proto.WatcherChildren) {
		t.Fatal("wrong modes left after removing the child watch")
	}
	// The child table still holds the persistent watch.
	if !m.Contains("/p", w, proto.WatcherAny) || m.Count() != 2 {
		t.Fatalf("count %d", m.Count())
	}
	if !m.Remove("/p", w, WatcherPersistentRecursive) || m.data.recursive != 0 {
		t.Fatal("remove recursive")
	}
	m.Trigger("/p/child", created, nil) // no recursive watch left: nothing fires
	if got := w.take(); len(got) != 0 {
		t.Fatalf("got %q", got)
	}
	if !m.Remove("/p", w, proto.WatcherAny) || m.Count() != 0 || m.Remove("/p", w, proto.WatcherAny) {
		t.Fatal("remove any")
	}
	if m.Remove("/p", w, proto.WatcherType(9)) || m.Contains("/p", w, proto.WatcherType(0)) {
		t.Fatal("unknown type matched")
	}
}

func TestRemoveWatcher(t *testing.T) {
	m := NewManager(nil)
	w, other := &rec{}, &rec{}
	for _, p := range []string{"/a", "/b", "/c"} {
		m.AddData(p, w)
		m.AddChild(p, w)
		m.AddPersistent(p, w, true)
		m.AddPersistent(p, w, false)
	}
	m.AddData("/a", other)
	m.RemoveWatcher(w)
	m.RemoveWatcher(w)
	if m.Count() != 1 || m.data.recursive != 0 || len(m.child.byPath) != 0 {
		t.Fatalf("count %d recursive %d", m.Count(), m.data.recursive)
	}
	if n := m.Trigger("/a", deleted, nil); n != 1 {
		t.Fatalf("Trigger = %d", n)
	}
	if len(w.take()) != 0 {
		t.Fatal("removed watcher notified")
	}
}

func TestStaleWatcherIgnored(t *testing.T) {
	m := NewManager(nil)
	w := &rec{stale: true}
	m.AddData("/a", w)
	m.AddExist("/a", w)
	m.AddChild("/a", w)
	m.AddPersistent("/a", w, false)
	m.AddPersistent("/a", w, true)
	if m.Count() != 0 {
		t.Fatalf("count %d", m.Count())
	}
}

// The 4lw capture holds a getData watch on /fourlw, a getChildren watch on /
// and a persistent watch on /zookeeper: mntr says zk_watch_count 4, wchs
// "1 connections watching 2 paths / Total watches:2", wchc and wchp list
// /fourlw and /zookeeper only (ZooKeeper reports the data table).
func TestIntrospectionMatches4lwCapture(t *testing.T) {
	m := NewManager(nil)
	w := &rec{name: "0x100000456e4001e"}
	m.AddData("/fourlw", w)
	m.AddChild("/", w)
	m.AddPersistent("/zookeeper", w, false)
	if got := m.Count(); got != 4 {
		t.Errorf("Count = %d, want 4", got)
	}
	c, p, n := m.Summary()
	if c != 1 || p != 2 || n != 2 {
		t.Errorf("Summary = %d %d %d, want 1 2 2", c, p, n)
	}
	if got := m.ByWatcher(); !reflect.DeepEqual(got, map[Watcher][]string{w: {"/fourlw", "/zookeeper"}}) {
		t.Errorf("ByWatcher = %v", got)
	}
	bp := m.ByPath()
	var paths []string
	for p, ws := range bp {
		paths = append(paths, p)
		if len(ws) != 1 || ws[0] != w {
			t.Errorf("ByPath[%s] = %v", p, ws)
		}
	}
	sort.Strings(paths)
	if !reflect.DeepEqual(paths, []string{"/fourlw", "/zookeeper"}) {
		t.Errorf("ByPath paths = %q", paths)
	}
}

func TestManyWatchersOnePath(t *testing.T) {
	m := NewManager(nil)
	ws := make([]*rec, 1000)
	for i := range ws {
		ws[i] = &rec{}
		m.AddData("/hot", ws[i])
		m.AddChild("/hot", ws[i])
		m.AddPersistent("/", ws[i], true)
	}
	if n := m.Trigger("/hot", deleted, nil); n != len(ws) {
		t.Fatalf("Trigger = %d, want %d", n, len(ws))
	}
	for _, w := range ws {
		if got := w.take(); len(got) != 1 {
			t.Fatalf("got %q", got)
		}
	}
}

func TestConcurrentUse(t *testing.T) {
	m := NewManager(nil)
	var wg sync.WaitGroup
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			w := &rec{}
			for i := 0; i < 500; i++ {
				p := fmt.Sprintf("/n%d", i%7)
				switch i % 6 {
				case 0:
					m.AddData(p, w)
				case 1:
					m.AddChild(p, w)
				case 2:
					m.AddPersistent(p, w, g%2 == 0)
				case 3:
					m.Trigger(p+"/x", created, nil)
				case 4:
					m.Remove(p, w, proto.WatcherAny)
				case 5:
					m.Trigger(p, deleted, nil)
					m.Summary()
					m.ByWatcher()
					m.ByPath()
				}
			}
			m.RemoveWatcher(w)
		}(g)
	}
	wg.Wait()
	if m.Count() != 0 || m.data.recursive != 0 {
		t.Fatalf("count %d recursive %d after every watcher left", m.Count(), m.data.recursive)
	}
}

func BenchmarkTriggerNoWatch(b *testing.B) {
	m := NewManager(nil)
	m.AddData("/other", &rec{})
	b.ReportAllocs()
	for b.Loop() {
		m.Trigger("/a/b/c", dataChg, nil)
	}
}

func BenchmarkTriggerOneShot(b *testing.B) {
	m := NewManager(nil)
	w := &rec{}
	b.ReportAllocs()
	for b.Loop() {
		m.AddData("/a/b/c", w)
		m.Trigger("/a/b/c", dataChg, nil)
		w.evs = w.evs[:0]
	}
}

package tree

import (
	"fmt"
	"reflect"
	"sync"
	"testing"

	"github.com/warrenzk/warren/core/proto"
)

func TestWatchEventsFromApply(t *testing.T) {
	tr, m := newTree(false)
	applyAll(t, tr, 1, mkCreate("/a", ""), mkCreate("/a/b", "x"))
	w := &recorder{}

	// One-shot watches set by reads fire once.
	tr.GetData("/a/b", w)
	tr.GetChildren("/a", w)
	tr.Exists("/a/new", w)
	applyAll(t, tr, 3, mkSetData("/a/b", "y", 1), mkSetData("/a/b", "z", 2), mkCreate("/a/new", ""))
	want := []string{"children /a", "created /a/new", "data /a/b"}
	if got := w.take(); !reflect.DeepEqual(got, want) {
		t.Errorf("one-shot: %q, want %q", got, want)
	}
	if m.Count() != 0 {
		t.Errorf("%d watches left", m.Count())
	}

	// NodeDeleted reaches a data and a child watch of the same watcher once.
	tr.GetData("/a/new", w)
	tr.GetChildren("/a/new", w)
	tr.Exists("/a", w)
	applyAll(t, tr, 6, mkDelete("/a/new"))
	if got := w.take(); !reflect.DeepEqual(got, []string{"deleted /a/new"}) {
		t.Errorf("delete: %q", got)
	}
	if m.Count() != 1 { // the exists watch on /a is untouched by a child's delete
		t.Errorf("%d watches left", m.Count())
	}

	// Persistent watches stay; recursive ones see descendants but not
	// NodeChildrenChanged.
	p, r := &recorder{}, &recorder{}
	m.AddPersistent("/a", p, false)
	m.AddPersistent("/a", r, true)
	applyAll(t, tr, 7, mkCreate("/a/c", ""), mkSetData("/a", "v", 1), mkCreate("/a/c/d", ""), mkDelete("/a/c/d"))
	wantP := []string{"children /a", "data /a"}
	if got := p.take(); !reflect.DeepEqual(got, wantP) {
		t.Errorf("persistent: %q, want %q", got, wantP)
	}
	wantR := []string{"created /a/c", "created /a/c/d", "data /a", "deleted /a/c/d"}
	if got := r.take(); !reflect.DeepEqual(got, wantR) {
		t.Errorf("recursive: %q, want %q", got, wantR)
	}
	if got := w.take(); !reflect.DeepEqual(got, []string{"data /a"}) {
		t.Errorf("exists watch on /a: %q", got)
	}
	applyAll(t, tr, 11, mkDelete("/a/c"))
	if len(p.take()) != 1 || len(r.take()) != 1 {
		t.Error("persistent watches did not stay")
	}
}

// Events are queued before Apply returns, so a read that follows Apply
// can never reflect a change whose event the watcher has not received.
func TestEventQueuedBeforeApplyReturns(t *testing.T) {
	tr, _ := newTree(false)
	w := &recorder{}
	tr.Exists("/x", w)
	applyAt(tr, 1, mkCreate("/x", ""))
	if got := w.unsorted(); len(got) != 1 {
		t.Fatalf("event not delivered during Apply: %q", got)
	}
}

func TestSetWatches(t *testing.T) {
	tr, m := newTree(false)
	applyAll(t, tr, 1,
		mkCreate("/same", ""), mkCreate("/kids", ""), // zxid 1, 2
		mkCreate("/changed", ""), mkCreate("/new", ""), // 3, 4
	)
	const rel = 2 // the client saw everything up to zxid 2
	applyAll(t, tr, 5, mkSetData("/changed", "x", 1), mkCreate("/kids/k", ""))
	w := &recorder{}
	tr.SetWatches(rel,
		[]string{"/same", "/changed", "/gone"}, // data
		[]string{"/new", "/absent"},            // exist
		[]string{"/same", "/kids", "/gone2"},   // child
		[]string{"/p"}, []string{"/r"}, w)
	want := []string{
		"children /kids", "created /new", "data /changed", "deleted /gone", "deleted /gone2",
	}
	if got := w.take(); !reflect.DeepEqual(got, want) {
		t.Errorf("fired %q\n want %q", got, want)
	}
	checks := []struct {
		path string
		typ  proto.WatcherType
		want bool
	}{
		{"/same", proto.WatcherData, true},
		{"/same", proto.WatcherChildren, true},
		{"/absent", proto.WatcherData, true},
		{"/changed", proto.WatcherData, false},
		{"/new", proto.WatcherData, false},
		{"/kids", proto.WatcherChildren, false},
		{"/p", 4, true},
		{"/r", 5, true},
	}
	for _, c := range checks {
		if got := m.Contains(c.path, w, c.typ); got != c.want {
			t.Errorf("Contains(%s, %d) = %v", c.path, c.typ, got)
		}
	}
	applyAll(t, tr, 7, mkCreate("/absent", ""), mkCreate("/r", ""), mkCreate("/r/x", ""))
	want = []string{"created /absent", "created /r", "created /r/x"}
	if got := w.take(); !reflect.DeepEqual(got, want) {
		t.Errorf("after: %q", got)
	}
}

func TestSetWatchesWithoutManager(t *testing.T) {
	tr := New(Options{})
	w := &recorder{}
	tr.SetWatches(0, []string{"/zookeeper", "/gone"}, nil, nil, []string{"/p"}, nil, w)
	if got := w.take(); !reflect.DeepEqual(got, []string{"deleted /gone"}) {
		t.Errorf("%q", got)
	}
	tr.GetData("/zookeeper", w) // no manager: no watch, no panic
}

func TestContainerCandidates(t *testing.T) {
	tr := New(Options{ExtendedTypes: true})
	applyAll(t, tr, 1,
		mkContainer("/unused"),                                                      // 1: never had a child
		mkContainer("/emptied"), mkCreate("/emptied/x", ""), mkDelete("/emptied/x"), // 2-4
		mkContainer("/full"), mkCreate("/full/x", ""), // 5, 6
		mkTTL("/ttl-old", 1000),                                   // 7: mtime 7000
		mkTTL("/ttl-young", 5000),                                 // 8: mtime 8000
		mkTTL("/ttl-parent", 1000), mkCreate("/ttl-parent/x", ""), // 9, 10
		mkTTL("/ttl-touched", 1000), mkSetData("/ttl-touched", "x", 1), // 11, 12: mtime 12000
	)
	got := tr.ContainerCandidates(12500)
	want := []string{"/emptied", "/ttl-old"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("at 12500: %q, want %q", got, want)
	}
	if got := tr.ContainerCandidates(13001); !reflect.DeepEqual(got, []string{"/emptied", "/ttl-old", "/ttl-touched", "/ttl-young"}) {
		t.Errorf("at 13001: %q", got)
	}
	// Without extended types a TTL marker is a session and never a candidate.
	plain := New(Options{})
	applyAll(t, plain, 1, mkTTL("/t", 1))
	if got := plain.ContainerCandidates(1 << 40); len(got) != 0 {
		t.Errorf("plain: %q", got)
	}
}

// Readers setting watches race with a writer; -race checks the locking, and
// every watcher that saw a node's data must get that node's later events.
func TestConcurrentReadersAndWriter(t *testing.T) {
	tr, m := newTree(false)
	applyAll(t, tr, 1, mkCreate("/c", "0"))
	const writes = 300
	var wg sync.WaitGroup
	stop := make(chan struct{})
	for g := 0; g < 4; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			w := &recorder{}
			for i := 0; ; i++ {
				select {
				case <-stop:
					m.RemoveWatcher(w)
					return
				default:
				}
				p := fmt.Sprintf("/c/n%d", i%10)
				data, st, err := tr.GetData("/c", w)
				if err != nil || string(data) != fmt.Sprint(st.Version) {
					t.Errorf("inconsistent read %q %+v %v", data, st, err)
					return
				}
				tr.Exists(p, w)
				tr.GetChildren("/c", w)
				tr.AllChildrenNumber("/c")
				tr.Ephemerals(sess)
				tr.Lookup(p)
				if g == 0 && i%50 == 0 {
					serialize(tr)
				}
			}
		}(g)
	}
	for i := 0; i < writes; i++ {
		z := int64(2 + 3*i)
		p := fmt.Sprintf("/c/n%d", i%10)
		applyAt(tr, z, mkSetData("/c", fmt.Sprint(i+1), int32(i+1)))
		applyAt(tr, z+1, mkEphemeral(p))
		applyAt(tr, z+2, mkDelete(p))
	}
	close(stop)
	wg.Wait()
	if m.Count() != 0 {
		t.Errorf("%d watches left after every watcher left", m.Count())
	}
}

// TestWatchEventsCarryACL checks the ACL each event hands its watchers, which
// the server checks for READ before delivering (CVE-2024-23944): the
// znode's own for NodeCreated, NodeDataChanged and NodeDeleted, its
// parent's for NodeChildrenChanged.
func TestWatchEventsCarryACL(t *testing.T) {
	parentACL := []proto.ACL{{Perms: proto.PermAll, ID: proto.Id{Scheme: "digest", ID: "parent:x"}}}
	childACL := []proto.ACL{{Perms: proto.PermRead, ID: proto.Id{Scheme: "ip", ID: "10.0.0.1"}}}
	tr, m := newTree(false)
	applyAll(t, tr, 1, op{proto.OpCreate, &proto.CreateTxn{Path: "/p", ACL: parentACL, ParentCversion: -1}})
	w := &recorder{}
	m.AddPersistent("/p", w, false)
	m.AddPersistent("/p/c", w, false)
	applyAll(t, tr, 2,
		op{proto.OpCreate, &proto.CreateTxn{Path: "/p/c", ACL: childACL, ParentCversion: -1}},
		mkSetData("/p/c", "x", 1),
		mkDelete("/p/c"))
	want := map[string][]proto.ACL{
		"created /p/c": childACL, "children /p": parentACL,
		"data /p/c": childACL, "deleted /p/c": childACL,
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if len(w.evs) != 5 {
		t.Fatalf("events %q, want created, children, data, deleted, children", w.evs)
	}
	for i, ev := range w.evs {
		if !reflect.DeepEqual(w.acls[i], want[ev]) {
			t.Errorf("%s came with ACL %v, want %v", ev, w.acls[i], want[ev])
		}
	}
}

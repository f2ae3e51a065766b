package cli

import (
	"context"
	"maps"
	"slices"
	"strings"
	"sync"

	"github.com/warrenzk/warren/core/client"
	"github.com/warrenzk/warren/core/proto"
)

// watchKind is one of the watches a session can hold on a path.
type watchKind uint8

const (
	watchData       watchKind = 1 << iota // get -w, stat -w of a znode that exists
	watchExist                            // stat -w of a znode that does not
	watchChild                            // ls -w
	watchPersistent                       // addWatch -m PERSISTENT
	watchRecursive                        // addWatch (-m PERSISTENT_RECURSIVE)

	watchAny      = watchData | watchExist | watchChild | watchPersistent | watchRecursive
	watchDataLike = watchData | watchExist // what removewatches -d removes
)

// watchTable mirrors the watches this shell left on the server, as the
// Java client's watch manager does: removewatches consults it (a path with
// no watch of the type is NoWatcher without asking the server) and, once
// the server agrees, reports each removed kind as a *WatchRemoved event;
// a session resumed on a new connection sets them all again.
type watchTable struct {
	mu    sync.Mutex
	paths map[string]watchKind
}

func (t *watchTable) add(path string, k watchKind) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.paths == nil {
		t.paths = map[string]watchKind{}
	}
	t.paths[path] |= k
}

// has reports the kinds of k path holds.
func (t *watchTable) has(path string, k watchKind) watchKind {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.paths[path] & k
}

func (t *watchTable) remove(path string, k watchKind) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.paths[path] &^= k; t.paths[path] == 0 {
		delete(t.paths, path)
	}
}

// fired forgets the one-shot watches a notification used up.
func (t *watchTable) fired(ev proto.WatcherEvent) {
	switch ev.Type {
	case proto.EventNodeCreated, proto.EventNodeDataChanged:
		t.remove(ev.Path, watchDataLike)
	case proto.EventNodeChildrenChanged:
		t.remove(ev.Path, watchChild)
	case proto.EventNodeDeleted:
		t.remove(ev.Path, watchDataLike|watchChild)
	}
}

// setWatches lists the watches for a setWatches2 request, paths sorted.
func (t *watchTable) setWatches(relativeZxid int64) *proto.SetWatches2 {
	t.mu.Lock()
	defer t.mu.Unlock()
	w := &proto.SetWatches2{RelativeZxid: relativeZxid}
	for _, path := range slices.Sorted(maps.Keys(t.paths)) {
		k := t.paths[path]
		for _, l := range []struct {
			kind watchKind
			list *[]string
		}{{watchData, &w.DataWatches}, {watchExist, &w.ExistWatches}, {watchChild, &w.ChildWatches},
			{watchPersistent, &w.PersistentWatches}, {watchRecursive, &w.PersistentRecursiveWatches}} {
			if k&l.kind != 0 {
				*l.list = append(*l.list, path)
			}
		}
	}
	return w
}

func (t *watchTable) empty() bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	return len(t.paths) == 0
}

// reset forgets everything: a new session starts with no watches.
func (t *watchTable) reset() {
	t.mu.Lock()
	t.paths = nil
	t.mu.Unlock()
}

// removedEvents are the events the Java client delivers when watches of
// kinds k on path are removed, in its order.
func removedEvents(path string, k watchKind) []proto.WatcherEvent {
	var evs []proto.WatcherEvent
	for _, r := range []struct {
		kind watchKind
		typ  proto.EventType
	}{{watchDataLike, proto.EventDataWatchRemoved}, {watchChild, proto.EventChildWatchRemoved}, {watchPersistent | watchRecursive, proto.EventPersistentWatchRemoved}} {
		if k&r.kind != 0 {
			evs = append(evs, proto.WatcherEvent{Type: r.typ, State: proto.StateSyncConnected, Path: path})
		}
	}
	return evs
}

// The watch commands: addWatch and removewatches (printwatches is the
// shell's own).

func (s *Shell) addWatch(p *parsed) error {
	if len(p.args) != 2 {
		return errUsage
	}
	mode, kind := proto.AddWatchPersistentRecursive, watchRecursive
	if m, ok := p.value("m"); ok {
		switch strings.ToUpper(m) {
		case "PERSISTENT":
			mode, kind = proto.AddWatchPersistent, watchPersistent
		case "PERSISTENT_RECURSIVE":
		default:
			return errUsage
		}
	}
	path := p.args[1]
	return s.call(path, func(ctx context.Context, c *client.Conn) error {
		err := c.AddWatch(ctx, path, mode)
		if err == nil {
			s.sess.watches.add(path, kind)
		}
		return err
	})
}

func (s *Shell) removeWatches(p *parsed) error {
	typ, kinds := proto.WatcherAny, watchAny
	switch {
	case p.has('c'):
		typ, kinds = proto.WatcherChildren, watchChild
	case p.has('d'):
		typ, kinds = proto.WatcherData, watchDataLike
	}
	path := p.args[1]
	if err := validatePath(path); err != nil {
		return err
	}
	held := s.sess.watches.has(path, kinds)
	if held == 0 { // the Java client answers from its own table
		return wrapError(proto.ErrNoWatcher, path)
	}
	err := s.do(path, func(ctx context.Context, c *client.Conn) error {
		return c.RemoveWatches(ctx, path, typ)
	})
	if err != nil && !p.has('l') {
		return err
	}
	s.sess.watches.remove(path, held)
	for _, ev := range removedEvents(path, held) {
		s.sess.notify(ev)
	}
	return nil
}

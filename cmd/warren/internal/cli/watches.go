package cli

import (
	"context"
	"strings"
	"sync"

	"github.com/warrenzk/warren/core/client"
	"github.com/warrenzk/warren/core/proto"
)

// watchKind is one of the watches a session can hold on a path.
type watchKind uint8

const (
	watchData       watchKind = 1 << iota // get -w, stat -w (exists watches included)
	watchChild                            // ls -w
	watchPersistent                       // addWatch, either mode
)

// watchTable mirrors the watches this shell left on the server, as the
// Java client's watch manager does: removewatches consults it (a path with
// no watch of the type is NoWatcher without asking the server) and, once
// the server agrees, reports each removed kind as a *WatchRemoved event.
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
		t.remove(ev.Path, watchData)
	case proto.EventNodeChildrenChanged:
		t.remove(ev.Path, watchChild)
	case proto.EventNodeDeleted:
		t.remove(ev.Path, watchData|watchChild)
	}
}

// reset forgets everything: a new connection starts with no watches.
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
	}{{watchData, proto.EventDataWatchRemoved}, {watchChild, proto.EventChildWatchRemoved}, {watchPersistent, proto.EventPersistentWatchRemoved}} {
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
	mode := proto.AddWatchPersistentRecursive
	if m, ok := p.opts['m']; ok {
		switch strings.ToUpper(m) {
		case "PERSISTENT":
			mode = proto.AddWatchPersistent
		case "PERSISTENT_RECURSIVE":
		default:
			return errUsage
		}
	}
	path := p.args[1]
	return s.call(path, func(ctx context.Context, c *client.Conn) error {
		err := c.AddWatch(ctx, path, mode)
		if err == nil {
			s.sess.watches.add(path, watchPersistent)
		}
		return err
	})
}

func (s *Shell) removeWatches(p *parsed) error {
	typ, kinds := proto.WatcherAny, watchData|watchChild|watchPersistent
	switch {
	case p.has('c'):
		typ, kinds = proto.WatcherChildren, watchChild
	case p.has('d'):
		typ, kinds = proto.WatcherData, watchData
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

// Package registry is the name → factory table behind every kind of plugin
// (storage backends, transports): built-ins register at init, config names
// the one to use. Each plugin kind wraps a Registry with its own typed Open.
package registry

import (
	"fmt"
	"slices"
	"sync"
)

// Registry maps names to factories of type F. It is safe for concurrent use.
type Registry[F any] struct {
	kind      string // "storage backend", "transport": used in panics
	mu        sync.RWMutex
	factories map[string]F
}

// New returns an empty registry for plugins of the given kind.
func New[F any](kind string) *Registry[F] {
	return &Registry[F]{kind: kind, factories: map[string]F{}}
}

// Register adds f under name. It panics on an empty name or a duplicate:
// registration happens at init time, and two plugins claiming one name is a
// build error, not a runtime condition.
func (r *Registry[F]) Register(name string, f F) {
	if name == "" {
		panic(fmt.Sprintf("registry: %s registered with an empty name", r.kind))
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if _, dup := r.factories[name]; dup {
		panic(fmt.Sprintf("registry: %s %q registered twice", r.kind, name))
	}
	r.factories[name] = f
}

// Lookup returns the factory registered as name.
func (r *Registry[F]) Lookup(name string) (F, bool) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	f, ok := r.factories[name]
	return f, ok
}

// Names returns the registered names, sorted.
func (r *Registry[F]) Names() []string {
	r.mu.RLock()
	defer r.mu.RUnlock()
	names := make([]string, 0, len(r.factories))
	for name := range r.factories {
		names = append(names, name)
	}
	slices.Sort(names)
	return names
}

package storage

import (
	"fmt"
	"slices"
	"strings"
	"sync"
)

// Registry maps backend names to factories. Built-in backends register in
// Default from an init function; tests build their own Registry rather than
// change Default. A Registry is safe for concurrent use.
type Registry struct {
	mu        sync.RWMutex
	factories map[string]Factory
}

// NewRegistry returns an empty Registry.
func NewRegistry() *Registry {
	return &Registry{factories: make(map[string]Factory)}
}

// Register adds a backend under name. It panics if name is empty, f is nil
// or name is already taken: registration happens at init time, and two
// plugins claiming one name is a build error, not a runtime condition.
func (r *Registry) Register(name string, f Factory) {
	if name == "" {
		panic("storage: Register with an empty name")
	}
	if f == nil {
		panic(fmt.Sprintf("storage: Register %q with a nil factory", name))
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if _, dup := r.factories[name]; dup {
		panic(fmt.Sprintf("storage: backend %q registered twice", name))
	}
	r.factories[name] = f
}

// Open opens the backend registered as name with cfg. An unknown name
// yields an error wrapping ErrUnknownBackend that lists the known names;
// a factory's error is wrapped with the backend's name.
func (r *Registry) Open(name string, cfg Config) (Backend, error) {
	r.mu.RLock()
	f, ok := r.factories[name]
	r.mu.RUnlock()
	if !ok {
		return nil, fmt.Errorf("%w %q (known: %s)", ErrUnknownBackend, name, strings.Join(r.Names(), ", "))
	}
	b, err := f(cfg)
	if err != nil {
		return nil, fmt.Errorf("storage: open %q backend: %w", name, err)
	}
	return b, nil
}

// Names returns the registered names, sorted.
func (r *Registry) Names() []string {
	r.mu.RLock()
	defer r.mu.RUnlock()
	names := make([]string, 0, len(r.factories))
	for name := range r.factories {
		names = append(names, name)
	}
	slices.Sort(names)
	return names
}

// Default is the registry built-in backends register in and the server
// opens from.
var Default = NewRegistry()

// Register adds a backend to Default; see Registry.Register.
func Register(name string, f Factory) { Default.Register(name, f) }

package storage

import (
	"fmt"
	"strings"

	"github.com/warrenzk/warren/core/registry"
)

// Registry maps storage backend names to factories. Built-in storage backends register in
// Default from an init function; tests build their own Registry rather than
// change Default. A Registry is safe for concurrent use.
type Registry struct {
	*registry.Registry[Factory]
}

// NewRegistry returns an empty Registry.
func NewRegistry() *Registry {
	return &Registry{registry.New[Factory]("storage backend")}
}

// Register adds a storage backend under name. It panics if name is empty, f is nil
// or name is already taken: registration happens at init time, and two
// plugins claiming one name is a build error, not a runtime condition.
func (r *Registry) Register(name string, f Factory) {
	if f == nil {
		panic(fmt.Sprintf("storage: Register %q with a nil factory", name))
	}
	r.Registry.Register(name, f)
}

// Open builds the storage backend registered as name with cfg. An unknown name
// yields an error wrapping ErrUnknownBackend that lists the known names;
// a factory's error is wrapped with the name.
func (r *Registry) Open(name string, cfg Config) (Backend, error) {
	f, ok := r.Lookup(name)
	if !ok {
		return nil, fmt.Errorf("%w %q (known: %s)", ErrUnknownBackend, name, strings.Join(r.Names(), ", "))
	}
	v, err := f(cfg)
	if err != nil {
		return nil, fmt.Errorf("storage: open %q backend: %w", name, err)
	}
	return v, nil
}

// Default is the registry built-in backends register in and the server
// opens from.
var Default = NewRegistry()

// Register adds a backend to Default; see Registry.Register.
func Register(name string, f Factory) { Default.Register(name, f) }

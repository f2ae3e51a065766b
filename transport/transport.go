// Package transport defines how Warren opens its sockets: a [Transport]
// listens on the client and peer ports and dials peers. Transports are
// plugins: each registers a [Factory] under a name in a [Registry]
// (built-ins in an init function, into [Default]), and configuration names
// the one to use for each port. The server only ever sees net.Listener and
// net.Conn, so TCP, TLS and the in-memory fault-injecting network of the
// tests are interchangeable.
package transport

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"

	"github.com/warrenzk/warren/core/registry"
)

// Errors returned by the registry; test for them with errors.Is.
var (
	// ErrUnknownTransport is returned by Registry.Open for a name nobody
	// registered.
	ErrUnknownTransport = errors.New("transport: unknown transport")
)

// Transport opens listeners and dials. Its methods are safe for concurrent
// use. A Transport holds no resources of its own: closing what it returned
// is enough.
type Transport interface {
	// Listen listens on addr (host:port; port 0 picks a free one, which the
	// listener's Addr reports). Accepted connections are ready for
	// ZooKeeper's small request/reply frames (for TCP: Nagle off, keepalive
	// on).
	Listen(addr string) (net.Listener, error)

	// Dial connects to addr, giving up when ctx is done. The connection is
	// set up like an accepted one.
	Dial(ctx context.Context, addr string) (net.Conn, error)
}

// Config is what a Factory receives. Options are the transport's own, as
// decoded from the config file; a transport must reject keys it does not
// know, so that a typo is an error rather than a silent default.
type Config struct {
	Options map[string]any
}

// Factory builds a Transport from its configuration.
type Factory func(cfg Config) (Transport, error)

// Registry maps transport names to factories. Built-in transports register in
// Default from an init function; tests build their own Registry rather than
// change Default. A Registry is safe for concurrent use.
type Registry struct {
	*registry.Registry[Factory]
}

// NewRegistry returns an empty Registry.
func NewRegistry() *Registry {
	return &Registry{registry.New[Factory]("transport")}
}

// Register adds a transport under name. It panics if name is empty, f is nil
// or name is already taken: registration happens at init time, and two
// plugins claiming one name is a build error, not a runtime condition.
func (r *Registry) Register(name string, f Factory) {
	if f == nil {
		panic(fmt.Sprintf("transport: Register %q with a nil factory", name))
	}
	r.Registry.Register(name, f)
}

// Open builds the transport registered as name with cfg. An unknown name
// yields an error wrapping ErrUnknownTransport that lists the known names;
// a factory's error is wrapped with the name.
func (r *Registry) Open(name string, cfg Config) (Transport, error) {
	f, ok := r.Lookup(name)
	if !ok {
		return nil, fmt.Errorf("%w %q (known: %s)", ErrUnknownTransport, name, strings.Join(r.Names(), ", "))
	}
	v, err := f(cfg)
	if err != nil {
		return nil, fmt.Errorf("transport: open %q: %w", name, err)
	}
	return v, nil
}

// Default is the registry built-in transports register in and the server
// opens from.
var Default = NewRegistry()

// Register adds a transport to Default; see Registry.Register.
func Register(name string, f Factory) { Default.Register(name, f) }

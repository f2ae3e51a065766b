// Package auth holds Warren's ACL schemes and the evaluation of ZooKeeper
// ACLs: which ids a session gains by addauth, whether those ids grant a
// permission on a znode, and how an ACL list from a create or setACL is
// validated and expanded before it is stored.
//
// A scheme is a small plugin (Scheme) kept in a Registry under its name, the
// way Caddy keeps modules. The built-in schemes world, digest and ip register
// themselves in Default; the pseudo-schemes "auth" (expanded when an ACL is
// fixed up) and "super" (the super user, which matches everything) are not
// schemes but rules of the Checker, as they are rules of ZooKeeper's
// PrepRequestProcessor and ZooKeeperServer rather than providers.
//
// Semantics follow Apache ZooKeeper 3.9 (AuthenticationProvider and its
// digest and ip implementations, ZooKeeperServer.checkACL,
// PrepRequestProcessor.fixupACL); where Warren differs, the doc comment says so.
package auth

import (
	"context"
	"fmt"
	"net"
	"slices"
	"sort"
	"strings"
	"sync"

	"github.com/warrenzk/warren/core/proto"
)

// Names of the schemes and pseudo-schemes ZooKeeper clients use.
const (
	SchemeWorld  = "world"  // world:anyone, everyone
	SchemeDigest = "digest" // digest:user:base64(sha1(user:password))
	SchemeIP     = "ip"     // ip:addr or ip:addr/bits
	SchemeAuth   = "auth"   // in an ACL being set: every authenticated id of the session
	SchemeSuper  = "super"  // in a session's ids: the super user, allowed everything
)

// ConnInfo describes the client connection a request arrived on, for schemes
// that look at the transport rather than at the addauth bytes.
type ConnInfo struct {
	// RemoteAddr is the client's address, or nil when the transport has none.
	RemoteAddr net.Addr
}

// Scheme is one ACL scheme (ZooKeeper's AuthenticationProvider). A Scheme is
// shared by every connection and must be safe for concurrent use. Matches and
// ValidID sit on the request path and should not block; Authenticate may (an
// external plugin), and must give up when ctx is done.
type Scheme interface {
	// Name is the scheme as it appears in an Id and in addauth ("digest").
	Name() string
	// Authenticate turns addauth bytes into the ids the session gains; an
	// error, or no ids, means AuthFailed.
	Authenticate(ctx context.Context, conn ConnInfo, auth []byte) ([]proto.Id, error)
	// Matches reports whether id, an authenticated id of this scheme held by
	// the session, matches aclID, the id part of an ACL entry of this scheme.
	Matches(ctx context.Context, conn ConnInfo, id proto.Id, aclID string) bool
	// ValidID reports whether aclID is well formed for this scheme; an ACL
	// entry with an invalid id is refused with InvalidACL.
	ValidID(aclID string) bool
}

// AuthenticatedScheme is implemented by a Scheme whose ids identify a
// principal (ZooKeeper's isAuthenticated): those ids are the ones an "auth"
// ACL entry expands to. A Scheme that does not implement it is treated as
// false, like ip, whose addresses are too transient to name a creator.
type AuthenticatedScheme interface {
	IsAuthenticated() bool
}

// Registry maps scheme names to schemes. The zero value is an empty registry
// ready to use; it is safe for concurrent use.
type Registry struct {
	mu      sync.RWMutex
	schemes map[string]Scheme
}

// Default is the registry the built-in schemes register themselves in.
var Default = &Registry{}

// Register adds s to Default; see Registry.Register.
func Register(s Scheme) { Default.Register(s) }

// NewRegistry returns a registry holding schemes; it panics as Register does.
func NewRegistry(schemes ...Scheme) *Registry {
	r := &Registry{}
	for _, s := range schemes {
		r.Register(s)
	}
	return r
}

// Register adds s under s.Name(). Registration happens at start-up (init or
// wiring), so a programming error panics: an empty name, a name already
// registered, or one of the pseudo-schemes "auth" and "super", which the
// Checker handles itself and would never ask a Scheme about.
func (r *Registry) Register(s Scheme) {
	if err := r.Add(s); err != nil {
		panic(err.Error())
	}
}

// Add is Register for schemes that configuration, not code, brings in
// (external plugins): it returns the error Register panics with.
func (r *Registry) Add(s Scheme) error {
	name := s.Name()
	switch name {
	case "":
		return fmt.Errorf("auth: a scheme with an empty name")
	case SchemeAuth, SchemeSuper:
		return fmt.Errorf("auth: %q is a pseudo-scheme and cannot be registered", name)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if _, dup := r.schemes[name]; dup {
		return fmt.Errorf("auth: scheme %q registered twice", name)
	}
	if r.schemes == nil {
		r.schemes = make(map[string]Scheme)
	}
	r.schemes[name] = s
	return nil
}

// Get returns the scheme registered under name.
func (r *Registry) Get(name string) (Scheme, bool) {
	r.mu.RLock()
	s, ok := r.schemes[name]
	r.mu.RUnlock()
	return s, ok
}

// Names returns the registered scheme names, sorted.
func (r *Registry) Names() []string {
	r.mu.RLock()
	names := make([]string, 0, len(r.schemes))
	for name := range r.schemes {
		names = append(names, name)
	}
	r.mu.RUnlock()
	sort.Strings(names)
	return names
}

// Subset returns a new registry holding only the named schemes of r, for a
// server configured to enable some schemes only. An unknown name is an error.
func (r *Registry) Subset(names ...string) (*Registry, error) {
	sub := &Registry{}
	for _, name := range names {
		s, ok := r.Get(name)
		if !ok {
			return nil, fmt.Errorf("auth: unknown scheme %q (registered: %s)", name, strings.Join(r.Names(), ", "))
		}
		if _, dup := sub.Get(name); !dup {
			sub.Register(s)
		}
	}
	return sub, nil
}

// AddIDs returns ids with each of add appended unless already present. A
// session's authenticated ids are a set in ZooKeeper (ServerCnxn.authInfo),
// so adding the same credentials twice changes nothing.
func AddIDs(ids []proto.Id, add ...proto.Id) []proto.Id {
	for _, id := range add {
		if !slices.Contains(ids, id) {
			ids = append(ids, id)
		}
	}
	return ids
}

package auth

import (
	"context"
	"fmt"
	"slices"

	"github.com/warrenzk/warren/core/proto"
)

// superID is the id a session gains by authenticating as the super user;
// a session holding it passes every ACL check (ZooKeeper's Id("super", "")).
var superID = proto.Id{Scheme: SchemeSuper, ID: ""}

// Checker evaluates ACLs for the server: it answers addauth, gives a new
// connection its ids, checks a permission against a znode's ACL, and fixes up
// an ACL list before it is stored. Its fields are set once at start-up; a
// Checker is then safe for concurrent use.
type Checker struct {
	// Schemes are the enabled schemes; nil means Default.
	Schemes *Registry
	// SuperDigest is "super:<base64 sha1>" as DigestOf("super:password")
	// returns it (zookeeper.DigestAuthenticationProvider.superDigest). A
	// session whose addauth digest produces exactly this id becomes the
	// super user. Empty disables the super user.
	SuperDigest string
	// SkipACL turns every Check into a pass (zookeeper.skipACL=yes). FixupACL
	// still validates, as in ZooKeeper.
	SkipACL bool
}

func (c *Checker) registry() *Registry {
	if c.Schemes != nil {
		return c.Schemes
	}
	return Default
}

// Check implements ZooKeeperServer.checkACL: it returns nil if ids, the
// session's authenticated ids (including the ip id added at connect), grant
// perm under acl, and proto.ErrNoAuth otherwise. The rules, in order:
// SkipACL passes; an empty ACL passes; a session holding the super id passes;
// then any entry sharing a bit with perm passes if it is world:anyone, or if
// the session holds an id of the entry's scheme that the scheme says matches.
// Entries of schemes that are not enabled match nothing.
func (c *Checker) Check(ctx context.Context, conn ConnInfo, acl []proto.ACL, perm int32, ids []proto.Id) error {
	if c.SkipACL || len(acl) == 0 {
		return nil
	}
	for _, id := range ids {
		if id.Scheme == SchemeSuper {
			return nil
		}
	}
	reg := c.registry()
	for _, a := range acl {
		if a.Perms&perm == 0 {
			continue
		}
		if a.ID == proto.WorldAnyone {
			return nil
		}
		s, ok := reg.Get(a.ID.Scheme)
		if !ok {
			continue
		}
		for _, id := range ids {
			if id.Scheme == a.ID.Scheme && s.Matches(ctx, conn, id, a.ID.ID) {
				return nil
			}
		}
	}
	return proto.ErrNoAuth
}

// FixupACL implements PrepRequestProcessor.fixupACL for a create or setACL
// on path: it removes duplicate entries, then checks every entry and returns
// the list to store. world:anyone is kept; an "auth" entry (whatever its id)
// is replaced by one entry with its perms for each of ids whose scheme is
// enabled and authenticated (AuthenticatedScheme), and is invalid if there is
// none; any other entry is kept if its scheme is enabled and its id valid.
// The expansion lists the ids in SessionOrder, as ZooKeeper does.
// An empty list or an invalid entry gives an error wrapping
// proto.ErrInvalidACL. As in ZooKeeper, duplicates are removed before "auth"
// is expanded, so the expansion may repeat an explicit entry.
func (c *Checker) FixupACL(path string, ids []proto.Id, acl []proto.ACL) ([]proto.ACL, error) {
	uniq := make([]proto.ACL, 0, len(acl))
	for _, a := range acl {
		if !slices.Contains(uniq, a) {
			uniq = append(uniq, a)
		}
	}
	if len(uniq) == 0 {
		return nil, fmt.Errorf("acl of %s: empty ACL list: %w", path, proto.ErrInvalidACL)
	}
	reg := c.registry()
	out := make([]proto.ACL, 0, len(uniq))
	for _, a := range uniq {
		switch {
		case a.ID == proto.WorldAnyone:
			out = append(out, a)
		case a.ID.Scheme == SchemeAuth:
			n := len(out)
			for _, id := range SessionOrder(ids) {
				s, ok := reg.Get(id.Scheme)
				if !ok {
					continue
				}
				if as, ok := s.(AuthenticatedScheme); ok && as.IsAuthenticated() {
					out = append(out, proto.ACL{Perms: a.Perms, ID: id})
				}
			}
			if len(out) == n {
				return nil, fmt.Errorf("acl of %s: %q entry but the session has no authenticated id: %w",
					path, SchemeAuth, proto.ErrInvalidACL)
			}
		default:
			s, ok := reg.Get(a.ID.Scheme)
			if !ok {
				return nil, fmt.Errorf("acl of %s: unknown scheme %q: %w", path, a.ID.Scheme, proto.ErrInvalidACL)
			}
			if !s.ValidID(a.ID.ID) {
				return nil, fmt.Errorf("acl of %s: malformed %s id %q: %w", path, a.ID.Scheme, a.ID.ID, proto.ErrInvalidACL)
			}
			out = append(out, a)
		}
	}
	return out, nil
}

// Authenticate handles addauth of scheme with the auth bytes and returns the
// ids the session gains (add them with AddIDs). An unknown or disabled
// scheme, a scheme error, no ids, an id of another scheme, or a panic in the
// scheme all give an error
// wrapping proto.ErrAuthFailed, on which ZooKeeper also closes the
// connection. When a digest id equals SuperDigest, the super id comes first.
func (c *Checker) Authenticate(ctx context.Context, conn ConnInfo, scheme string, auth []byte) (ids []proto.Id, err error) {
	s, ok := c.registry().Get(scheme)
	if !ok {
		return nil, fmt.Errorf("auth: no scheme %q: %w", scheme, proto.ErrAuthFailed)
	}
	// ZooKeeper turns a provider's RuntimeException into AuthFailed; a scheme
	// that panics on client bytes must not take the server down either.
	defer func() {
		if r := recover(); r != nil {
			ids, err = nil, fmt.Errorf("auth: scheme %q panicked: %v: %w", scheme, r, proto.ErrAuthFailed)
		}
	}()
	ids, err = s.Authenticate(ctx, conn, auth)
	if err != nil {
		return nil, fmt.Errorf("auth: scheme %q: %w: %w", scheme, proto.ErrAuthFailed, err)
	}
	if len(ids) == 0 {
		return nil, fmt.Errorf("auth: scheme %q gave no ids: %w", scheme, proto.ErrAuthFailed)
	}
	// A scheme vouches for ids of its own scheme only: one that handed out
	// "super" or another scheme's ids would grant what it does not own.
	for _, id := range ids {
		if id.Scheme != scheme {
			return nil, fmt.Errorf("auth: scheme %q gave an id of scheme %q: %w", scheme, id.Scheme, proto.ErrAuthFailed)
		}
	}
	if c.SuperDigest != "" && slices.Contains(ids, proto.Id{Scheme: SchemeDigest, ID: c.SuperDigest}) {
		ids = append([]proto.Id{superID}, ids...)
	}
	return ids, nil
}

// ConnectIDs returns the ids a new connection starts with: ip:<remote
// address> (formatted as ZooKeeper's getHostAddress), or none when the
// transport has no IP address. ZooKeeper adds it whatever schemes are enabled.
func (c *Checker) ConnectIDs(conn ConnInfo) []proto.Id {
	host, ok := hostAddress(conn.RemoteAddr)
	if !ok {
		return nil
	}
	return []proto.Id{{Scheme: SchemeIP, ID: host}}
}

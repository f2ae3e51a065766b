package auth

import (
	"context"
	"errors"
	"net"
	"slices"
	"testing"

	"github.com/warrenzk/warren/core/proto"
)

var (
	ctx        = context.Background()
	localConn  = ConnInfo{RemoteAddr: &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 40000}}
	ipLocal    = proto.Id{Scheme: "ip", ID: "127.0.0.1"}
	ipRemote   = proto.Id{Scheme: "ip", ID: "192.0.2.10"}
	userTest   = proto.Id{Scheme: "digest", ID: "user:tl+z3z0vO6PfPfEENfLF96E6pM0="}  // user:test
	superTest  = proto.Id{Scheme: "digest", ID: "super:D/InIHSb7yEEbrWz8b9l71RjZJU="} // super:test
	allPerms   = []int32{proto.PermRead, proto.PermWrite, proto.PermCreate, proto.PermDelete, proto.PermAdmin}
	permsNames = map[int32]string{proto.PermRead: "read", proto.PermWrite: "write", proto.PermCreate: "create", proto.PermDelete: "delete", proto.PermAdmin: "admin"}
)

func acl(perms int32, scheme, id string) proto.ACL {
	return proto.ACL{Perms: perms, ID: proto.Id{Scheme: scheme, ID: id}}
}

// TestCheckEveryPerm grants one bit at a time and checks that exactly that
// bit is allowed, for every scheme.
func TestCheckEveryPerm(t *testing.T) {
	entries := []struct {
		name  string
		entry func(perms int32) proto.ACL
		ids   []proto.Id
	}{
		{"world", func(p int32) proto.ACL { return acl(p, "world", "anyone") }, nil},
		{"digest", func(p int32) proto.ACL { return acl(p, "digest", userTest.ID) }, []proto.Id{ipLocal, userTest}},
		{"ip", func(p int32) proto.ACL { return acl(p, "ip", "127.0.0.1") }, []proto.Id{ipLocal}},
		{"ip cidr", func(p int32) proto.ACL { return acl(p, "ip", "127.0.0.0/8") }, []proto.Id{ipLocal}},
	}
	c := &Checker{}
	for _, e := range entries {
		for _, granted := range allPerms {
			for _, asked := range allPerms {
				err := c.Check(ctx, localConn, []proto.ACL{e.entry(granted)}, asked, e.ids)
				allowed := err == nil
				if allowed != (granted == asked) {
					t.Errorf("%s: grant %s, ask %s: err = %v", e.name, permsNames[granted], permsNames[asked], err)
				}
				if err != nil && !errors.Is(err, proto.ErrNoAuth) {
					t.Errorf("%s: error %v is not ErrNoAuth", e.name, err)
				}
			}
		}
	}
}

func TestCheck(t *testing.T) {
	tests := []struct {
		name    string
		checker Checker
		acl     []proto.ACL
		perm    int32
		ids     []proto.Id
		allowed bool
	}{
		{"empty ACL allows", Checker{}, nil, proto.PermAdmin, nil, true},
		{"empty non-nil ACL allows", Checker{}, []proto.ACL{}, proto.PermRead, nil, true},
		{"open ACL", Checker{}, proto.OpenACLUnsafe, proto.PermDelete, nil, true},
		{"read ACL refuses write", Checker{}, proto.ReadACLUnsafe, proto.PermWrite, nil, false},
		{"combined perms: any common bit", Checker{}, []proto.ACL{acl(proto.PermRead, "world", "anyone")}, proto.PermRead | proto.PermWrite, nil, true},
		{"world other id matches nothing", Checker{}, []proto.ACL{acl(proto.PermAll, "world", "someone")}, proto.PermRead, nil, false},
		{"digest wrong user", Checker{}, []proto.ACL{acl(proto.PermAll, "digest", userTest.ID)}, proto.PermRead, []proto.Id{superTest}, false},
		{"digest id under another scheme", Checker{}, []proto.ACL{acl(proto.PermAll, "digest", "127.0.0.1")}, proto.PermRead, []proto.Id{ipLocal}, false},
		{"ip other address", Checker{}, []proto.ACL{acl(proto.PermAll, "ip", "127.0.0.1")}, proto.PermRead, []proto.Id{ipRemote}, false},
		{"ip v6 session vs v4 entry", Checker{}, []proto.ACL{acl(proto.PermAll, "ip", "0.0.0.0/0")}, proto.PermRead, []proto.Id{{Scheme: "ip", ID: "0:0:0:0:0:0:0:1"}}, false},
		{"ip v6 cidr", Checker{}, []proto.ACL{acl(proto.PermAll, "ip", "2001:db8::/32")}, proto.PermRead, []proto.Id{{Scheme: "ip", ID: "2001:db8:0:0:0:0:0:7"}}, true},
		{"second entry matches", Checker{}, []proto.ACL{acl(proto.PermAll, "ip", "10.0.0.1"), acl(proto.PermRead, "digest", userTest.ID)}, proto.PermRead, []proto.Id{ipLocal, userTest}, true},
		{"matching entry lacks the bit", Checker{}, []proto.ACL{acl(proto.PermRead, "digest", userTest.ID)}, proto.PermWrite, []proto.Id{userTest}, false},
		{"unknown scheme matches nothing", Checker{}, []proto.ACL{acl(proto.PermAll, "x509", "CN=a")}, proto.PermRead, []proto.Id{{Scheme: "x509", ID: "CN=a"}}, false},
		{"super passes anything", Checker{}, []proto.ACL{acl(proto.PermRead, "digest", userTest.ID)}, proto.PermAdmin, []proto.Id{{Scheme: "super", ID: ""}}, true},
		{"super id value ignored", Checker{}, []proto.ACL{acl(proto.PermRead, "ip", "10.0.0.1")}, proto.PermDelete, []proto.Id{{Scheme: "super", ID: "x"}}, true},
		{"skipACL passes", Checker{SkipACL: true}, []proto.ACL{acl(proto.PermRead, "digest", userTest.ID)}, proto.PermAdmin, nil, true},
		{"disabled scheme matches nothing", Checker{Schemes: NewRegistry(World{}, IP{})}, []proto.ACL{acl(proto.PermAll, "digest", userTest.ID)}, proto.PermRead, []proto.Id{userTest}, false},
		{"world:anyone even when world disabled", Checker{Schemes: NewRegistry(Digest{})}, proto.OpenACLUnsafe, proto.PermRead, nil, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.checker.Check(ctx, localConn, tt.acl, tt.perm, tt.ids)
			if (err == nil) != tt.allowed {
				t.Fatalf("Check = %v, want allowed=%v", err, tt.allowed)
			}
			if err != nil && err != proto.ErrNoAuth {
				t.Fatalf("Check = %v, want proto.ErrNoAuth", err)
			}
		})
	}
}

func TestFixupACL(t *testing.T) {
	digestOnly := []proto.Id{ipLocal, userTest}
	tests := []struct {
		name    string
		checker Checker
		ids     []proto.Id
		acl     []proto.ACL
		want    []proto.ACL // nil: ErrInvalidACL
	}{
		{"open ACL kept", Checker{}, nil, proto.OpenACLUnsafe, proto.OpenACLUnsafe},
		{"empty list", Checker{}, digestOnly, []proto.ACL{}, nil},
		{"nil list", Checker{}, digestOnly, nil, nil},
		{"duplicates removed", Checker{}, nil,
			[]proto.ACL{acl(31, "world", "anyone"), acl(1, "ip", "10.0.0.0/8"), acl(31, "world", "anyone"), acl(1, "ip", "10.0.0.0/8")},
			[]proto.ACL{acl(31, "world", "anyone"), acl(1, "ip", "10.0.0.0/8")}},
		{"same id different perms kept", Checker{}, nil,
			[]proto.ACL{acl(1, "world", "anyone"), acl(2, "world", "anyone")},
			[]proto.ACL{acl(1, "world", "anyone"), acl(2, "world", "anyone")}},
		{"auth expands to digest ids only", Checker{}, []proto.Id{ipLocal, userTest, superTest},
			[]proto.ACL{acl(31, "auth", "")},
			[]proto.ACL{{Perms: 31, ID: userTest}, {Perms: 31, ID: superTest}}},
		{"auth id value ignored", Checker{}, digestOnly,
			[]proto.ACL{acl(3, "auth", "whatever")},
			[]proto.ACL{{Perms: 3, ID: userTest}}},
		{"auth skips super and unknown schemes", Checker{}, []proto.Id{{Scheme: "super"}, {Scheme: "sasl", ID: "x"}, userTest},
			[]proto.ACL{acl(31, "auth", "")},
			[]proto.ACL{{Perms: 31, ID: userTest}}},
		{"auth without authenticated ids", Checker{}, []proto.Id{ipLocal},
			[]proto.ACL{acl(31, "auth", "")}, nil},
		{"auth with no ids at all", Checker{}, nil,
			[]proto.ACL{acl(31, "auth", "")}, nil},
		{"auth with digest disabled", Checker{Schemes: NewRegistry(World{}, IP{})}, digestOnly,
			[]proto.ACL{acl(31, "auth", "")}, nil},
		{"auth expansion is not deduplicated (as ZooKeeper)", Checker{}, digestOnly,
			[]proto.ACL{{Perms: 31, ID: userTest}, acl(31, "auth", "")},
			[]proto.ACL{{Perms: 31, ID: userTest}, {Perms: 31, ID: userTest}}},
		{"authenticated plugin scheme", Checker{Schemes: NewRegistry(fakeScheme{name: "x509", authed: true})},
			[]proto.Id{{Scheme: "x509", ID: "CN=a"}},
			[]proto.ACL{acl(31, "auth", "")},
			[]proto.ACL{acl(31, "x509", "CN=a")}},
		{"unknown scheme", Checker{}, nil, []proto.ACL{acl(31, "x509", "CN=a")}, nil},
		{"super is not a scheme", Checker{}, nil, []proto.ACL{acl(31, "super", "")}, nil},
		{"malformed digest", Checker{}, nil, []proto.ACL{acl(31, "digest", "no-colon")}, nil},
		{"malformed ip", Checker{}, nil, []proto.ACL{acl(31, "ip", "10.0.0.0/40")}, nil},
		{"world other id", Checker{}, nil, []proto.ACL{acl(31, "world", "everyone")}, nil},
		{"one bad entry spoils the list", Checker{}, nil, []proto.ACL{acl(31, "world", "anyone"), acl(31, "digest", "bad")}, nil},
		{"valid mix", Checker{}, digestOnly,
			[]proto.ACL{acl(1, "ip", "127.0.0.1"), acl(31, "digest", superTest.ID), acl(16, "auth", "")},
			[]proto.ACL{acl(1, "ip", "127.0.0.1"), acl(31, "digest", superTest.ID), {Perms: 16, ID: userTest}}},
		{"disabled scheme refused", Checker{Schemes: NewRegistry(World{})}, nil, []proto.ACL{acl(31, "ip", "127.0.0.1")}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.checker.FixupACL("/n", tt.ids, tt.acl)
			if tt.want == nil {
				if !errors.Is(err, proto.ErrInvalidACL) || proto.Code(err) != proto.ErrInvalidACL {
					t.Fatalf("FixupACL = %v, %v; want ErrInvalidACL", got, err)
				}
				return
			}
			if err != nil {
				t.Fatalf("FixupACL: %v", err)
			}
			if !slices.Equal(got, tt.want) {
				t.Fatalf("FixupACL = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestFixupACLDoesNotAlias(t *testing.T) {
	in := []proto.ACL{acl(31, "world", "anyone")}
	out, err := (&Checker{}).FixupACL("/", nil, in)
	if err != nil {
		t.Fatal(err)
	}
	out[0].Perms = 1
	if in[0].Perms != 31 {
		t.Error("FixupACL returned the caller's backing array")
	}
}

func TestAuthenticate(t *testing.T) {
	plugins := NewRegistry(
		Digest{},
		fakeScheme{name: "fails", err: errors.New("bad certificate")},
		fakeScheme{name: "empty"},
		fakeScheme{name: "panics", panics: true},
		fakeScheme{name: "grabs-super", ids: []proto.Id{{Scheme: "super"}}},
		fakeScheme{name: "grabs-digest", ids: []proto.Id{{Scheme: "grabs-digest", ID: "me"}, superTest}},
	)
	tests := []struct {
		name    string
		checker Checker
		scheme  string
		auth    string
		want    []proto.Id // nil: ErrAuthFailed
	}{
		{"digest", Checker{}, "digest", "user:test", []proto.Id{userTest}},
		{"digest super", Checker{SuperDigest: superTest.ID}, "digest", "super:test", []proto.Id{{Scheme: "super"}, superTest}},
		{"digest super wrong password", Checker{SuperDigest: superTest.ID}, "digest", "super:nope", []proto.Id{{Scheme: "digest", ID: DigestOf("super:nope")}}},
		{"super digest unset", Checker{}, "digest", "super:test", []proto.Id{superTest}},
		{"ip gives the remote address", Checker{}, "ip", "anything", []proto.Id{ipLocal}},
		{"world cannot addauth", Checker{}, "world", "anyone", nil},
		{"auth is not a scheme", Checker{}, "auth", "", nil},
		{"super is not a scheme", Checker{}, "super", "test", nil},
		{"unknown scheme", Checker{}, "bogus", "x", nil},
		{"disabled scheme", Checker{Schemes: NewRegistry(World{})}, "digest", "user:test", nil},
		{"scheme error", Checker{Schemes: plugins}, "fails", "x", nil},
		{"scheme gives no ids", Checker{Schemes: plugins}, "empty", "x", nil},
		{"scheme panics", Checker{Schemes: plugins}, "panics", "x", nil},
		{"scheme gives the super id", Checker{Schemes: plugins}, "grabs-super", "x", nil},
		{"scheme gives another scheme's id", Checker{Schemes: plugins, SuperDigest: superTest.ID}, "grabs-digest", "x", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.checker.Authenticate(ctx, localConn, tt.scheme, []byte(tt.auth))
			if tt.want == nil {
				if proto.Code(err) != proto.ErrAuthFailed {
					t.Fatalf("Authenticate = %v, %v; want ErrAuthFailed", got, err)
				}
				return
			}
			if err != nil || !slices.Equal(got, tt.want) {
				t.Fatalf("Authenticate = %v, %v; want %v", got, err, tt.want)
			}
		})
	}
}

func TestAuthenticateKeepsSchemeError(t *testing.T) {
	cause := errors.New("bad certificate")
	c := &Checker{Schemes: NewRegistry(fakeScheme{name: "x509", err: cause})}
	_, err := c.Authenticate(ctx, localConn, "x509", nil)
	if !errors.Is(err, cause) || !errors.Is(err, proto.ErrAuthFailed) {
		t.Fatalf("error %v must wrap both the cause and ErrAuthFailed", err)
	}
}

// TestSuperSession follows a session from connect through addauth of the
// super digest to an operation on a znode whose ACL names someone else.
func TestSuperSession(t *testing.T) {
	c := &Checker{SuperDigest: DigestOf("super:test")}
	ids := c.ConnectIDs(localConn)
	closed := []proto.ACL{acl(proto.PermRead, "digest", userTest.ID)}
	if err := c.Check(ctx, localConn, closed, proto.PermAdmin, ids); err != proto.ErrNoAuth {
		t.Fatalf("before addauth: %v, want ErrNoAuth", err)
	}
	add, err := c.Authenticate(ctx, localConn, "digest", []byte("super:test"))
	if err != nil {
		t.Fatal(err)
	}
	ids = AddIDs(ids, add...)
	if err := c.Check(ctx, localConn, closed, proto.PermAdmin, ids); err != nil {
		t.Fatalf("super: %v", err)
	}
	// The super id is not a scheme, so "auth" stores the digest id only.
	got, err := c.FixupACL("/n", ids, []proto.ACL{acl(proto.PermAll, "auth", "")})
	if err != nil || !slices.Equal(got, []proto.ACL{{Perms: proto.PermAll, ID: superTest}}) {
		t.Fatalf("FixupACL = %v, %v", got, err)
	}
}

func TestConnectIDs(t *testing.T) {
	c := &Checker{}
	tests := []struct {
		conn ConnInfo
		want []proto.Id
	}{
		{localConn, []proto.Id{ipLocal}},
		{ConnInfo{RemoteAddr: &net.TCPAddr{IP: net.IPv6loopback}}, []proto.Id{{Scheme: "ip", ID: "0:0:0:0:0:0:0:1"}}},
		{ConnInfo{}, nil},
	}
	for _, tt := range tests {
		if got := c.ConnectIDs(tt.conn); !slices.Equal(got, tt.want) {
			t.Errorf("ConnectIDs(%v) = %v, want %v", tt.conn.RemoteAddr, got, tt.want)
		}
	}
}

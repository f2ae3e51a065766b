package auth

import (
	"slices"
	"testing"

	"github.com/warrenzk/warren/core/proto"
)

// TestSessionOrder checks the order against what ZooKeeper 3.8 answered
// (the acl-auth-scheme differential scenario): a session that added u1,
// then u2, gets an "auth" ACL listing u2 first.
func TestSessionOrder(t *testing.T) {
	ip := proto.Id{Scheme: "ip", ID: "127.0.0.1"}
	u1 := proto.Id{Scheme: "digest", ID: DigestOf("u1:p1")}
	u2 := proto.Id{Scheme: "digest", ID: DigestOf("u2:p2")}
	if got := SessionOrder([]proto.Id{ip, u1, u2}); !slices.Equal(got, []proto.Id{ip, u2, u1}) &&
		!slices.Equal(got, []proto.Id{u2, ip, u1}) && !slices.Equal(got, []proto.Id{u2, u1, ip}) {
		t.Errorf("SessionOrder = %v, want u2 before u1", got)
	}
	c := &Checker{}
	acl, err := c.FixupACL("/n", []proto.Id{ip, u1, u2}, []proto.ACL{acl(31, "auth", "")})
	if err != nil || !slices.Equal(acl, []proto.ACL{{Perms: 31, ID: u2}, {Perms: 31, ID: u1}}) {
		t.Errorf("auth expansion = %v, %v; want u2, u1", acl, err)
	}
	// Java's String.hashCode, checked against values the JVM computes.
	for s, want := range map[string]int32{"": 0, "digest": -1331913276, "ip": 3367, "super": 109801339, "ü€𝄞": 17317530} {
		if got := javaHash(s); got != want {
			t.Errorf("javaHash(%q) = %d, want %d", s, got, want)
		}
	}
}

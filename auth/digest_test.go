package auth

import (
	"context"
	"crypto/sha1"
	"encoding/base64"
	"testing"

	"github.com/warrenzk/warren/core/proto"
)

// sha1b64 computes the expected hash independently of DigestOf.
func sha1b64(s string) string {
	h := sha1.New()
	h.Write([]byte(s))
	return base64.StdEncoding.EncodeToString(h.Sum(nil))
}

func TestDigestOf(t *testing.T) {
	tests := []struct {
		in, want string
	}{
		// Published in ZooKeeper's own build and tests ("password is test").
		{"super:test", "super:D/InIHSb7yEEbrWz8b9l71RjZJU="},
		{"user:test", "user:tl+z3z0vO6PfPfEENfLF96E6pM0="},
		{"user:password", "user:" + sha1b64("user:password")},
		// The user is everything before the first colon; the hash covers all.
		{"a:b:c", "a:" + sha1b64("a:b:c")},
		{"nocolon", "nocolon:" + sha1b64("nocolon")},
		{":pw", ":" + sha1b64(":pw")},
		{"", ":" + sha1b64("")},
		{"üser:pässword", "üser:" + sha1b64("üser:pässword")},
	}
	for _, tt := range tests {
		if got := DigestOf(tt.in); got != tt.want {
			t.Errorf("DigestOf(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestDigestAuthenticate(t *testing.T) {
	tests := []struct {
		auth []byte
		want string
	}{
		{[]byte("user:test"), "user:tl+z3z0vO6PfPfEENfLF96E6pM0="},
		{[]byte("nocolon"), "nocolon:" + sha1b64("nocolon")},
		// Bytes that are not UTF-8 are decoded as Java does before hashing:
		// one U+FFFD per maximal ill-formed subsequence.
		{[]byte("u:\xff\xff"), "u:" + sha1b64("u:\uFFFD\uFFFD")},
		{[]byte("u:\xe2\x82A"), "u:" + sha1b64("u:\uFFFDA")},
		{[]byte("u:\xf0\x9f\x98"), "u:" + sha1b64("u:\uFFFD")},
		{[]byte("u:\xed\xa0\x80"), "u:" + sha1b64("u:\uFFFD\uFFFD\uFFFD")}, // surrogate
		{[]byte("u:\xc0\xaf"), "u:" + sha1b64("u:\uFFFD\uFFFD")},           // overlong
		{[]byte("u:\uFFFD"), "u:" + sha1b64("u:\uFFFD")},                   // a real U+FFFD is kept
	}
	for _, tt := range tests {
		ids, err := Digest{}.Authenticate(context.Background(), ConnInfo{}, tt.auth)
		if err != nil {
			t.Fatalf("Authenticate(%q): %v", tt.auth, err)
		}
		if len(ids) != 1 || ids[0] != (proto.Id{Scheme: "digest", ID: tt.want}) {
			t.Errorf("Authenticate(%q) = %v, want digest:%s", tt.auth, ids, tt.want)
		}
	}
}

func TestDigestValidID(t *testing.T) {
	tests := []struct {
		id   string
		want bool
	}{
		{"user:tl+z3z0vO6PfPfEENfLF96E6pM0=", true},
		{"no-colon", false},
		{"", false},
		{"a:b:c", false},
		{"user:", false}, // Java's split drops the trailing empty field
		{"::", false},
		{":hash", true},
		{"a:b:", true},
		{"a:b::", true},
	}
	for _, tt := range tests {
		if got := (Digest{}).ValidID(tt.id); got != tt.want {
			t.Errorf("ValidID(%q) = %v, want %v", tt.id, got, tt.want)
		}
	}
}

func TestDigestMatches(t *testing.T) {
	id := proto.Id{Scheme: "digest", ID: DigestOf("user:test")}
	if !(Digest{}).Matches(context.Background(), ConnInfo{}, id, "user:tl+z3z0vO6PfPfEENfLF96E6pM0=") {
		t.Error("same digest does not match")
	}
	if (Digest{}).Matches(context.Background(), ConnInfo{}, id, DigestOf("user:other")) {
		t.Error("other password matches")
	}
}

func TestMaskDigest(t *testing.T) {
	// Expected values from Java's "...".replaceAll(":.*", ":x").
	for in, want := range map[string]string{
		"user:tl+z3z0vO6PfPfEENfLF96E6pM0=": "user:x",
		"nocolon":                           "nocolon",
		":hash":                             ":x",
		"u:":                                "u:x",
		"u:a\ndef":                          "u:x\ndef",
		"u:a\nb:c":                          "u:x\nb:x",
		"u:a\r\nb":                          "u:x\r\nb",
		"u:a\u2028b:c\u0085d":               "u:x\u2028b:x\u0085d",
		"a:b:c":                             "a:x",
	} {
		if got := MaskDigest(in); got != want {
			t.Errorf("MaskDigest(%q) = %q, want %q", in, got, want)
		}
	}
}

package auth

import (
	"context"
	"crypto/sha1"
	"encoding/base64"
	"strings"
	"unicode/utf8"

	"github.com/warrenzk/warren/core/proto"
)

func init() { Register(Digest{}) }

// Digest is the digest scheme: addauth "user:password" gives the id
// "user:base64(sha1(user:password))", and an ACL entry matches when its id is
// that exact string. Digest ids name a principal, so "auth" entries expand
// to them.
type Digest struct{}

// Name returns "digest".
func (Digest) Name() string { return SchemeDigest }

// Authenticate returns the digest id of auth, read as "user:password". Like
// ZooKeeper it never fails: bytes without a colon hash to "bytes:hash". The
// Checker adds the super id when the result is the configured super digest.
func (Digest) Authenticate(_ context.Context, _ ConnInfo, auth []byte) ([]proto.Id, error) {
	return []proto.Id{{Scheme: SchemeDigest, ID: DigestOf(javaString(auth))}}, nil
}

// Matches reports whether the session's digest id is exactly aclID.
func (Digest) Matches(_ context.Context, _ ConnInfo, id proto.Id, aclID string) bool {
	return id.ID == aclID
}

// ValidID reports whether aclID is "user:hash". It copies ZooKeeper's test,
// Java's id.split(":").length == 2, which drops trailing empty fields: so
// "user:" and "a:b:c" are invalid, while ":hash" and "a:b:" are valid.
func (Digest) ValidID(aclID string) bool {
	parts := strings.Split(aclID, ":")
	for len(parts) > 0 && parts[len(parts)-1] == "" {
		parts = parts[:len(parts)-1]
	}
	return len(parts) == 2
}

// IsAuthenticated is true: a digest id names a user.
func (Digest) IsAuthenticated() bool { return true }

// DigestOf returns the digest id for userPass, "user:password": the user
// (everything before the first colon, or all of userPass if there is none), a
// colon, and the base64 (standard, padded) SHA-1 of all of userPass in UTF-8.
// It is ZooKeeper's DigestAuthenticationProvider.generateDigest, the value
// an ACL or superDigest must hold.
func DigestOf(userPass string) string {
	user, _, _ := strings.Cut(userPass, ":")
	sum := sha1.Sum([]byte(userPass))
	return user + ":" + base64.StdEncoding.EncodeToString(sum[:])
}

// javaString converts addauth bytes to a string the way ZooKeeper's
// new String(authData) does with a UTF-8 default charset: valid UTF-8 is kept,
// and each maximal ill-formed subsequence becomes one U+FFFD (the Unicode
// "maximal subpart" practice Java's decoder follows), so that a password that
// is not UTF-8 hashes to the same digest as on ZooKeeper.
func javaString(b []byte) string {
	if utf8.Valid(b) {
		return string(b)
	}
	var sb strings.Builder
	sb.Grow(len(b) + 8)
	for len(b) > 0 {
		r, n := utf8.DecodeRune(b)
		if r != utf8.RuneError || n > 1 {
			sb.Write(b[:n])
			b = b[n:]
			continue
		}
		sb.WriteRune(utf8.RuneError)
		b = b[maximalSubpart(b):]
	}
	return sb.String()
}

// maximalSubpart returns the length of the ill-formed sequence at the start
// of b: the lead byte plus the continuation bytes that could still have begun
// a well-formed character (Unicode 15, table 3-7), at least 1.
func maximalSubpart(b []byte) int {
	lo, hi := byte(0x80), byte(0xBF) // range of the second byte
	var need int                     // continuation bytes a lead byte wants
	switch lead := b[0]; {
	case lead >= 0xC2 && lead <= 0xDF:
		need = 1
	case lead == 0xE0:
		need, lo = 2, 0xA0
	case lead == 0xED:
		need, hi = 2, 0x9F
	case lead >= 0xE1 && lead <= 0xEF:
		need = 2
	case lead == 0xF0:
		need, lo = 3, 0x90
	case lead == 0xF4:
		need, hi = 3, 0x8F
	case lead >= 0xF1 && lead <= 0xF3:
		need = 3
	default:
		return 1
	}
	n := 1
	for ; n <= need && n < len(b); n++ {
		c := b[n]
		if n == 1 && (c < lo || c > hi) || n > 1 && (c < 0x80 || c > 0xBF) {
			break
		}
	}
	return n
}

// Interface guards.
var (
	_ Scheme              = Digest{}
	_ AuthenticatedScheme = Digest{}
)

// MaskDigest hides the hash of a digest ACL id from a session without ADMIN
// on the znode, as ZooKeeper's getACL does with id.replaceAll(":.*", ":x"):
// every colon and the rest of its line become ":x" (a Java regex "." stops at
// \n, \r, U+0085, U+2028 and U+2029).
func MaskDigest(id string) string {
	var sb strings.Builder
	for {
		i := strings.IndexByte(id, ':')
		if i < 0 {
			sb.WriteString(id)
			return sb.String()
		}
		sb.WriteString(id[:i])
		sb.WriteString(":x")
		id = id[i+1:]
		if j := strings.IndexFunc(id, isJavaLineTerminator); j >= 0 {
			id = id[j:]
		} else {
			id = ""
		}
	}
}

func isJavaLineTerminator(r rune) bool {
	return r == '\n' || r == '\r' || r == '\u0085' || r == '\u2028' || r == '\u2029'
}

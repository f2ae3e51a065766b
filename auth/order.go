package auth

import (
	"slices"
	"unicode/utf16"

	"github.com/warrenzk/warren/core/proto"
)

// SessionOrder returns ids in the order ZooKeeper iterates a session's
// authenticated ids, which it keeps in a set backed by a ConcurrentHashMap
// (ServerCnxn.authInfo): by hash bucket of Id.hashCode, then in the order
// they were added. That order shows where ZooKeeper lists the ids: an
// "auth" ACL entry expands to them in it, and whoAmI reports them in it.
// ids must be in the order they were added; the result is a new slice.
func SessionOrder(ids []proto.Id) []proto.Id {
	// The table starts at 16 buckets and doubles when it is three
	// quarters full.
	n := 16
	for len(ids) >= n-n/4 {
		n *= 2
	}
	out := slices.Clone(ids)
	slices.SortStableFunc(out, func(a, b proto.Id) int {
		return javaBucket(a, n) - javaBucket(b, n)
	})
	return out
}

// javaBucket is the ConcurrentHashMap bucket of id in a table of n.
func javaBucket(id proto.Id, n int) int {
	h := 37*(37*17+javaHash(id.Scheme)) + javaHash(id.ID) // jute's Id.hashCode
	spread := (h ^ int32(uint32(h)>>16)) & 0x7fffffff     // ConcurrentHashMap.spread
	return int(spread) & (n - 1)
}

// javaHash is Java's String.hashCode, over UTF-16 code units.
func javaHash(s string) int32 {
	var h int32
	for _, u := range utf16.Encode([]rune(s)) {
		h = 31*h + int32(u)
	}
	return h
}

package tree

import (
	"math"
	"testing"
)

func TestTTLOwner(t *testing.T) {
	tests := []struct {
		ttl   int64
		owner uint64
		ok    bool
	}{
		{1, 0xff00000000000001, true},
		{60000, 0xff0000000000ea60, true},
		{0xffffffffff, 0xff0000ffffffffff, true},
		{0, 0, false},
		{-1, 0, false},
		{0x10000000000, 0, false},
		{math.MaxInt64, 0, false},
	}
	for _, tc := range tests {
		owner, err := TTLOwner(tc.ttl)
		if (err == nil) != tc.ok || tc.ok && uint64(owner) != tc.owner {
			t.Errorf("TTLOwner(%d) = %#x, %v", tc.ttl, uint64(owner), err)
			continue
		}
		if !tc.ok {
			continue
		}
		if got, ok := OwnerTTL(owner); !ok || got != tc.ttl {
			t.Errorf("OwnerTTL(%#x) = %d, %v", uint64(owner), got, ok)
		}
		if OwnerType(owner, true) != EphemeralTTL || OwnerType(owner, false) != EphemeralNormal {
			t.Errorf("OwnerType(%#x) wrong", uint64(owner))
		}
	}
}

func TestOwnerType(t *testing.T) {
	session := int64(0x100000e363d0002)
	bad := int64(-0x0100000000000000 | 0x0000010000000005) // extended marker, feature 1
	tests := []struct {
		owner    int64
		extended bool
		want     EphemeralType
	}{
		{0, true, EphemeralVoid},
		{0, false, EphemeralVoid},
		{session, true, EphemeralNormal},
		{session, false, EphemeralNormal},
		{ContainerOwner, true, EphemeralContainer},
		{ContainerOwner, false, EphemeralContainer},
		{bad, true, EphemeralInvalid},
		{bad, false, EphemeralNormal},
		{-1, true, EphemeralInvalid}, // 0xffff...: marker with feature 0xffff
		{-1, false, EphemeralNormal},
	}
	for _, tc := range tests {
		if got := OwnerType(tc.owner, tc.extended); got != tc.want {
			t.Errorf("OwnerType(%#x, %v) = %d, want %d", uint64(tc.owner), tc.extended, got, tc.want)
		}
	}
	if s, ok := EphemeralSession(session); !ok || s != session {
		t.Error("EphemeralSession(session)")
	}
	for _, o := range []int64{0, ContainerOwner, extendedMaskOwner(5), bad} {
		if _, ok := EphemeralSession(o); ok {
			t.Errorf("EphemeralSession(%#x) ok", uint64(o))
		}
	}
	if !IsContainer(ContainerOwner) || IsContainer(0) || IsContainer(session) {
		t.Error("IsContainer")
	}
	if _, ok := OwnerTTL(session); ok {
		t.Error("OwnerTTL(session) ok")
	}
}

func extendedMaskOwner(ttl int64) int64 {
	o, _ := TTLOwner(ttl)
	return o
}

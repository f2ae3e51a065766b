package tree

import (
	"fmt"
	"math"
)

// A znode's ephemeralOwner is a session id for an ephemeral node, 0 for a
// persistent one, or a marker for containers and TTL nodes, as ZooKeeper's
// EphemeralType.java encodes them.

// ContainerOwner is the ephemeralOwner of a container node.
const ContainerOwner int64 = math.MinInt64

const (
	extendedMask     = -0x0100000000000000 // 0xff00000000000000: the extended-type marker byte
	reservedBitsMask = 0x00ffff0000000000  // which extended feature; TTL is 0
	ttlValueMask     = 0x000000ffffffffff  // the feature's value: the TTL in ms
)

// MaxTTL is the largest TTL in milliseconds a TTL node may have.
const MaxTTL int64 = ttlValueMask

// TTLOwner returns the ephemeralOwner of a TTL node with the given TTL in
// milliseconds, or an error if ttl is not in 1..MaxTTL.
func TTLOwner(ttl int64) (int64, error) {
	if ttl <= 0 || ttl > MaxTTL {
		return 0, fmt.Errorf("ttl must be positive and cannot be larger than: %d", MaxTTL)
	}
	return extendedMask | ttl, nil
}

// OwnerTTL returns the TTL encoded in a TTL node's ephemeralOwner; ok is
// false if owner is not a TTL marker. It assumes extended types are enabled.
func OwnerTTL(owner int64) (ttl int64, ok bool) {
	if OwnerType(owner, true) != EphemeralTTL {
		return 0, false
	}
	return owner & ttlValueMask, true
}

// IsContainer reports whether owner marks a container node.
func IsContainer(owner int64) bool { return owner == ContainerOwner }

// EphemeralSession returns the session owning an ephemeral node; ok is false
// for persistent, container and TTL owners. It assumes extended types are
// enabled, as Warren's session ids never set the extended marker byte; use
// OwnerType for a server running without them.
func EphemeralSession(owner int64) (int64, bool) {
	if OwnerType(owner, true) != EphemeralNormal {
		return 0, false
	}
	return owner, true
}

// EphemeralType is what a znode's ephemeralOwner denotes.
type EphemeralType int

// Ephemeral types (EphemeralType.java, plus EphemeralInvalid for an owner
// with the extended marker and an unknown feature, which ZooKeeper rejects).
const (
	EphemeralVoid      EphemeralType = iota // persistent: owner 0
	EphemeralNormal                         // ephemeral: owner is a session id
	EphemeralContainer                      // container: ContainerOwner
	EphemeralTTL                            // TTL node: see TTLOwner
	EphemeralInvalid                        // extended marker with an unknown feature
)

// OwnerType classifies owner. When extended types (TTL nodes,
// zookeeper.extendedTypesEnabled) are off, an owner with the extended marker
// byte is an ordinary session id, as in ZooKeeper.
func OwnerType(owner int64, extended bool) EphemeralType {
	if extended && owner&extendedMask == extendedMask {
		if owner&reservedBitsMask != 0 {
			return EphemeralInvalid
		}
		return EphemeralTTL
	}
	switch owner {
	case ContainerOwner:
		return EphemeralContainer
	case 0:
		return EphemeralVoid
	}
	return EphemeralNormal
}

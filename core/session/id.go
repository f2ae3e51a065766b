package session

import (
	"fmt"
	"math"
	"sync/atomic"
	"time"
)

// MaxServerID is the largest server id an IDGenerator accepts. The id fills
// the top byte of every session id, and ZooKeeper reserves a top byte of 0xff
// for TTL nodes' ephemeralOwner (EphemeralType.TTL), so 255 is excluded.
const MaxServerID = 254

// containerOwner is the ephemeralOwner ZooKeeper gives container znodes
// (EphemeralType.CONTAINER_EPHEMERAL_OWNER); no session may have this id.
const containerOwner = math.MinInt64

// IDGenerator hands out session ids that are unique across the ensemble and
// across restarts of this server, as ZooKeeper's
// SessionTrackerImpl.initializeNextSessionId does: the first id is
//
//	serverID<<56 | (milliseconds<<24)>>>8
//
// that is, the server id in the top byte and the low 40 bits of a
// millisecond timestamp in the next five bytes, leaving 16 zero bits; each
// later id is the previous plus one.
//
// Ids of different servers differ in the top byte. Ids of two runs of one
// server do not collide as long as the earlier run created fewer than 65536
// sessions per millisecond between the two starts, and as long as the clock
// did not go back; the 40-bit timestamp wraps every 34.8 years.
//
// Unlike ZooKeeper 3.5+, which uses Time.currentElapsedTime (a monotonic
// clock that restarts at boot, visible in the captured ids
// 0x0100000e363d00xx: 0xe363d ms is 15.5 minutes of uptime), Warren is given
// wall-clock time, so a reboot does not reuse ids; this is the behaviour
// ZooKeeper had before 3.5.
//
// An IDGenerator is safe for concurrent use.
type IDGenerator struct {
	next atomic.Int64
}

// NewIDGenerator returns a generator for server serverID started at now.
// It panics if serverID is outside [0, MaxServerID]; configuration loading
// must reject such ids first.
func NewIDGenerator(serverID int64, now time.Time) *IDGenerator {
	if serverID < 0 || serverID > MaxServerID {
		panic(fmt.Sprintf("session: server id %d outside [0, %d]", serverID, MaxServerID))
	}
	ms := uint64(now.UnixMilli())
	first := (ms<<24)>>8 | uint64(serverID)<<56
	g := &IDGenerator{}
	g.next.Store(int64(first))
	return g
}

// Next returns a new session id. It never returns 0 (which means "no
// session" on the wire) nor ZooKeeper's container owner marker.
func (g *IDGenerator) Next() int64 {
	for {
		id := g.next.Add(1) - 1
		if id != 0 && id != containerOwner {
			return id
		}
	}
}

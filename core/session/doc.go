// Package session holds what a Warren server knows about client sessions
// apart from the tree: how their ids are made, how their passwords are
// derived, and when they expire.
//
// Nothing here owns a goroutine, a timer or a clock. The caller passes the
// current time in, asks [Tracker.NextExpiry] when to wake up next, and calls
// [Tracker.Expired] when it does; tests therefore drive time by hand and
// never sleep.
//
// The pieces follow Apache ZooKeeper so that a Warren server is
// indistinguishable from a ZooKeeper one to a client:
//
//   - [Tracker] is ZooKeeper's SessionTrackerImpl with its ExpiryQueue:
//     deadlines are rounded up to tick-wide buckets, so expiring sessions
//     costs O(expired), not O(sessions).
//   - [IDGenerator] is SessionTrackerImpl.initializeNextSessionId: the server
//     id in the top byte and a millisecond timestamp shifted left by 16 bits
//     below it, then a counter.
//   - [Password] is ZooKeeperServer.generatePasswd: 16 bytes of
//     java.util.Random seeded with the session id XOR a fixed constant.
package session

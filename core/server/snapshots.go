package server

import (
	"cmp"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"sync/atomic"
	"time"

	"github.com/warrenzk/warren/core/snapshot"
	"github.com/warrenzk/warren/core/tree"
	"github.com/warrenzk/warren/storage"
)

// snapshotter decides when the apply goroutine starts a snapshot, as
// ZooKeeper's SyncRequestProcessor: after snapCount/2 plus a random share of
// snapCount/2 txns, so that the servers of an ensemble do not all snapshot
// at once. A snapshot that falls due while the last one is still being
// written is skipped, and the count starts again: a node whose tree takes
// longer to write than its txns take to fill an interval writes every
// other one, not one after another.
//
// With a logFraction, a snapshot also waits until the txns logged since
// the last one fell due add up to that fraction of the last snapshot's
// bytes. ZooKeeper's rule alone makes a node write its whole tree every
// snapCount txns, so the bigger the tree and the faster the node commits,
// the more of its CPU and disk go to snapshots (a node at 100,000 txns/s
// with 2,500,000 znodes writes 500 MB a second); with the fraction, the
// snapshot bytes written stay within 1/logFraction of the log's, whatever
// the tree, and recovery replays at most about that fraction of the
// tree's bytes more than snapCount alone would leave it.
type snapshotter struct {
	snapCount   int
	logFraction float64
	since       int          // txns applied since the last snapshot fell due
	sinceBytes  int64        // and their bytes, as logged
	lastSize    atomic.Int64 // bytes of the snapshot last written, or recovered from
	threshold   int
	running     atomic.Bool  // a snapshot is being written
	written     atomic.Int64 // snapshots committed since start
	skipped     atomic.Int64 // snapshots skipped since start, one being written
	// last is the snapshot most recently written, or the one the node
	// started from: the AdminServer's last_snapshot.
	last atomic.Pointer[snapshotInfo]
}

// snapshotInfo is what ZooKeeper's SnapshotInfo holds: a snapshot's zxid and
// when it was written.
type snapshotInfo struct {
	zxid int64
	at   time.Time
}

func (s *snapshotter) init(snapCount int, logFraction float64) {
	s.snapCount, s.logFraction = snapCount, logFraction
	s.roll()
}

// due reports whether a snapshot is due after the txns counted so far.
func (s *snapshotter) due() bool {
	return s.since >= s.threshold && float64(s.sinceBytes) >= s.logFraction*float64(s.lastSize.Load())
}

func (s *snapshotter) roll() {
	half := s.snapCount / 2
	s.threshold = half + rand.IntN(half)
}

// maybeSnapshot runs on the apply goroutine after n more txns, logged in
// size bytes, were applied, between two Applies: the tree and the session
// table agree there.
func (s *Server) maybeSnapshot(n int, size int64) {
	sn := &s.snaps
	sn.since += n
	sn.sinceBytes += size
	if !sn.due() {
		return
	}
	sn.since, sn.sinceBytes = 0, 0
	sn.roll()
	if sn.running.Load() {
		sn.skipped.Add(1)
		s.log.Info("too busy to snapshot, skipping: the last snapshot is still being written", "zxid", fmt.Sprintf("%#x", s.tree.LastZxid()))
		return
	}
	v, err := s.tree.BeginSnapshot()
	if err != nil {
		s.log.Error("cannot start a snapshot", "err", err)
		return
	}
	sessions := s.sessionList()
	sn.running.Store(true)
	s.loops.Add(1)
	go func() {
		defer s.loops.Done()
		defer sn.running.Store(false)
		defer v.Close()
		s.writeSnapshot(v, sessions)
	}()
}

// sessionList is the session table as a snapshot records it, in id order.
func (s *Server) sessionList() []snapshot.Session {
	m := s.sessions.snapshot()
	out := make([]snapshot.Session, 0, len(m))
	for id, timeout := range m {
		out = append(out, snapshot.Session{ID: id, Timeout: int32(timeout / time.Millisecond)})
	}
	slices.SortFunc(out, func(a, b snapshot.Session) int { return cmp.Compare(a.ID, b.ID) })
	return out
}

// writeSnapshot streams v into the store. A failure is logged and costs
// only a longer replay at the next start: the log still holds every txn.
func (s *Server) writeSnapshot(v *tree.SnapshotView, sessions []snapshot.Session) {
	start := time.Now()
	zxid := fmt.Sprintf("%#x", v.Zxid())
	sink, err := s.store.Snapshots().Create(v.Zxid())
	if err != nil {
		s.log.Error("cannot create a snapshot", "zxid", zxid, "err", err)
		return
	}
	defer sink.Abort()
	w := &countingWriter{w: sink, quit: s.quit}
	if err := snapshot.Write(w, sessions, v); errors.Is(err, errShuttingDown) {
		s.log.Info("snapshot abandoned: the server is shutting down; the log holds every txn", "zxid", zxid)
		return
	} else if err != nil {
		s.log.Error("snapshot failed", "zxid", zxid, "err", err)
		return
	}
	if err := sink.Commit(); err != nil {
		s.log.Error("snapshot failed", "zxid", zxid, "err", err)
		return
	}
	s.snaps.written.Add(1)
	s.snaps.lastSize.Store(w.n)
	s.snaps.last.Store(&snapshotInfo{zxid: v.Zxid(), at: s.cfg.Now()})
	s.zk.snapshotTime.Add(millis(time.Since(start)))
	s.cfg.Observer.SnapshotWritten(time.Since(start))
	s.log.Info("snapshot written", "zxid", zxid, "bytes", w.n, "sessions", len(sessions),
		"took", time.Since(start).Round(time.Millisecond))
}

// snapshotLoaded records the snapshot recovery started from. Its time is the
// file's modification time where the backend keeps it as a file under the
// data dir (wal), as ZooKeeper reports it, and the time it was loaded
// otherwise (badger, memory).
func (s *Server) snapshotLoaded(meta storage.SnapshotMeta) {
	at := s.cfg.Now()
	if s.cfg.DataDir != "" {
		if fi, err := os.Stat(filepath.Join(s.cfg.DataDir, "snapshots", meta.ID)); err == nil {
			at = fi.ModTime()
		}
	}
	s.snaps.last.Store(&snapshotInfo{zxid: meta.Zxid, at: at})
	s.snaps.lastSize.Store(meta.Size)
}

var errShuttingDown = errors.New("server shutting down")

// countingWriter counts bytes, and fails once the server is stopping so
// that shutdown does not wait for a long snapshot.
type countingWriter struct {
	w    io.Writer
	quit <-chan struct{}
	n    int64
}

func (c *countingWriter) Write(p []byte) (int, error) {
	select {
	case <-c.quit:
		return 0, errShuttingDown
	default:
	}
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}

// purge is ZooKeeper's autopurge (DatadirCleanupManager): it keeps the
// newest SnapRetainCount snapshots and the log the oldest of them needs.
func (s *Server) purge() {
	snaps := s.store.Snapshots()
	if err := snaps.Purge(s.cfg.SnapRetainCount); err != nil {
		s.log.Error("purging old snapshots failed", "err", err)
		return
	}
	list, err := snaps.List()
	if err != nil || len(list) < s.cfg.SnapRetainCount {
		// Fewer snapshots than kept: the log before them may still be the
		// only copy of those txns.
		return
	}
	oldest := list[len(list)-1].Zxid
	select {
	case s.purgeLog <- oldest + 1:
	default: // a purge is already waiting for the log goroutine
	}
}

package server

import (
	"errors"
	"fmt"
	"runtime/debug"
	"time"

	"github.com/warrenzk/warren/core/snapshot"
	"github.com/warrenzk/warren/core/tree"
	"github.com/warrenzk/warren/storage"
)

// recover rebuilds the tree and the session table from storage: the newest
// snapshot that loads, then every logged txn after it. Snapshots are exact
// (see tree.SnapshotView), so replay starts right after the snapshot's
// zxid and applies each txn once; txns are applied as they are read, with
// no fsync and no snapshot written before serving. Restored sessions get a
// full timeout from now to come back, as in ZooKeeper.
//
// Loading makes garbage (read buffers, the txns replayed, the tables the
// tree outgrew) that would otherwise stay resident until later collections
// and the runtime's scavenger get to it: it is collected and returned to
// the OS once, before the node serves.
func (s *Server) recover() error {
	start := time.Now()
	from, failed, err := s.loadSnapshot()
	if err != nil {
		return err
	}
	replayStart := time.Now()
	s.zk.startupSnapLoadTime.Add(millis(replayStart.Sub(start)))
	it, err := s.txnLog.ReadFrom(from + 1)
	if errors.Is(err, storage.ErrCompacted) {
		if failed != nil {
			err = errors.Join(err, failed)
		}
		return fmt.Errorf("the txn log no longer holds the txns after the newest snapshot that loads (%#x): it was purged past it, "+
			"or the snapshot it needs is missing or damaged; restore the data dir and log dir together from a backup or another ensemble member: %w", from, err)
	}
	if err != nil {
		return fmt.Errorf("read txn log: %w", err)
	}
	defer it.Close()
	s.lastZxid = from
	n := 0
	for {
		e, ok := it.Next()
		if !ok {
			break
		}
		hdr, txn, err := decodeTxn(e.Data)
		if err != nil {
			return fmt.Errorf("txn log entry %#x: %w", e.Zxid, err)
		}
		res := s.tree.Apply(&hdr, txn)
		s.applySessionEffects(&hdr, txn, res)
		s.lastZxid = hdr.Zxid
		n++
	}
	if err := it.Err(); err != nil {
		return fmt.Errorf("read txn log: %w", err)
	}
	s.snaps.since = n
	if n > 0 { // as FileTxnSnapLog.fastForwardFromEdits, which returns early on an empty log
		s.zk.startupTxnsLoaded.Add(int64(n))
		s.zk.startupTxnsLoadTime.Add(millis(time.Since(replayStart)))
	}
	s.zk.dbInitTime.Add(millis(time.Since(start)))
	if from > 0 || n > 0 {
		debug.FreeOSMemory()
		s.log.Info("recovered", "snapshot_zxid", fmt.Sprintf("%#x", from), "replayed_txns", n,
			"last_zxid", fmt.Sprintf("%#x", s.lastZxid), "znodes", s.tree.NodeCount(),
			"sessions", s.sessions.len(), "took", time.Since(start).Round(time.Millisecond))
	}
	return nil
}

// loadSnapshot installs the newest snapshot that reads whole, if there is
// one, and returns its zxid (0 without one). Each is read once, checked as
// it streams (storage.Snapshotter.Open); one that fails (damaged, or an I/O
// error) is logged and the next older one tried, as ZooKeeper's
// FileTxnSnapLog does: replaying the log from further back gives the same
// tree, if the log reaches back that far, which recover checks. failed
// joins the errors of the snapshots passed over.
func (s *Server) loadSnapshot() (zxid int64, failed, err error) {
	snaps := s.store.Snapshots()
	metas, err := snaps.List()
	if err != nil {
		return 0, nil, fmt.Errorf("list snapshots: %w", err)
	}
	var errs []error
	for _, meta := range metas {
		snap, err := s.readSnapshot(snaps, meta.ID)
		if errors.Is(err, storage.ErrNoSnapshot) {
			continue // purged since it was listed
		}
		if err != nil {
			err = fmt.Errorf("snapshot %s (zxid %#x): %w", meta.ID, meta.Zxid, err)
			s.log.Warn("cannot load a snapshot; trying the next older one, and the txn log from there", "err", err)
			errs = append(errs, err)
			continue
		}
		snap.Tree.SetLastZxid(meta.Zxid)
		s.snapshotLoaded(meta)
		s.tree = snap.Tree
		for _, ss := range snap.Sessions {
			s.sessions.add(ss.ID, time.Duration(ss.Timeout)*time.Millisecond)
		}
		return meta.Zxid, errors.Join(errs...), nil
	}
	return 0, errors.Join(errs...), nil
}

// readSnapshot reads snapshot id whole.
func (s *Server) readSnapshot(snaps storage.Snapshotter, id string) (*snapshot.Snapshot, error) {
	r, err := snaps.Open(id)
	if err != nil {
		return nil, err
	}
	defer r.Close()
	return snapshot.Read(r, tree.Options{ExtendedTypes: s.cfg.ExtendedTypes, Watches: s.watches})
}

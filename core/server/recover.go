package server

import (
	"errors"
	"fmt"
	"time"

	"github.com/warrenzk/warren/core/snapshot"
	"github.com/warrenzk/warren/core/tree"
	"github.com/warrenzk/warren/storage"
)

// recover rebuilds the tree and the session table from storage: the newest
// snapshot, then every logged txn after it. Snapshots are exact (see
// tree.SnapshotView), so replay starts right after the snapshot's zxid and
// applies each txn once. Restored sessions get a full timeout from now to
// come back, as in ZooKeeper.
func (s *Server) recover() error {
	start := time.Now()
	from, err := s.loadSnapshot()
	if err != nil {
		return err
	}
	it, err := s.txnLog.ReadFrom(from + 1)
	if errors.Is(err, storage.ErrCompacted) {
		return fmt.Errorf("the txn log no longer holds the txns after the newest snapshot (%#x): it was purged past it, "+
			"or the snapshot it needs is missing; restore the data dir and log dir together from a backup or another ensemble member: %w", from, err)
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
	if from > 0 || n > 0 {
		s.log.Info("recovered", "snapshot_zxid", fmt.Sprintf("%#x", from), "replayed_txns", n,
			"last_zxid", fmt.Sprintf("%#x", s.lastZxid), "znodes", s.tree.NodeCount(),
			"sessions", s.sessions.len(), "took", time.Since(start).Round(time.Millisecond))
	}
	return nil
}

// loadSnapshot installs the newest snapshot, if there is one, and returns
// its zxid (0 without one).
func (s *Server) loadSnapshot() (int64, error) {
	meta, r, err := s.store.Snapshots().OpenNewest()
	if errors.Is(err, storage.ErrNoSnapshot) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("open newest snapshot: %w", err)
	}
	defer r.Close()
	snap, err := snapshot.Read(r, tree.Options{ExtendedTypes: s.cfg.ExtendedTypes, Watches: s.watches})
	if err != nil {
		return 0, fmt.Errorf("snapshot %s (zxid %#x): %w", meta.ID, meta.Zxid, err)
	}
	snap.Tree.SetLastZxid(meta.Zxid)
	s.snapshotLoaded(meta)
	s.tree = snap.Tree
	for _, ss := range snap.Sessions {
		s.sessions.add(ss.ID, time.Duration(ss.Timeout)*time.Millisecond)
	}
	return meta.Zxid, nil
}

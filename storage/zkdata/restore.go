package zkdata

import (
	"cmp"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"slices"

	"github.com/warrenzk/warren/core/proto"
	"github.com/warrenzk/warren/core/snapshot"
	"github.com/warrenzk/warren/core/tree"
)

// RestoreOptions configures Restore.
type RestoreOptions struct {
	// Tree configures the tree built (ExtendedTypes must match the
	// ZooKeeper that wrote the data, for TTL nodes).
	Tree tree.Options
	// Logger receives the warnings: snapshots skipped as invalid, torn log
	// tails, txns out of order. Nil means slog.Default().
	Logger *slog.Logger
	// WrapSnapshot, if set, wraps each snapshot file as it is read, for a
	// progress display; size is the file's size.
	WrapSnapshot func(r io.Reader, name string, size int64) io.Reader
	// OnTxn, if set, is called after each txn replayed.
	OnTxn func(zxid int64)
}

// Restored is a ZooKeeper data dir loaded into memory.
type Restored struct {
	// Tree holds the znodes; its LastZxid is the last zxid restored.
	Tree *tree.Tree
	// Sessions are the sessions open after the last txn, by id.
	Sessions []snapshot.Session
	// Snapshot is the snapshot file the tree started from.
	Snapshot File
	// Txns counts the log txns replayed after the snapshot.
	Txns int
	// Unfit counts replayed txns that did not fit the tree (a create of a
	// node the fuzzy snapshot already held, a delete of one it no longer
	// did) and were skipped as ZooKeeper skips them.
	Unfit int
	// Skipped lists the snapshots passed over as invalid, with why.
	Skipped []string
	// Torn lists the log files a torn tail ended early.
	Torn []string
}

// maxSnapshotTries is how many snapshots ZooKeeper tries before giving up
// (FileSnap.deserialize).
const maxSnapshotTries = 100

// Restore loads a ZooKeeper data dir as ZooKeeper does at start-up
// (FileTxnSnapLog.restore): the newest valid snapshot in snapDir, then every
// txn in logDir's log files after the snapshot's zxid, applied to the tree
// and to the session table. Both are version-2 folders (they are the same
// when ZooKeeper has no dataLogDir). ZooKeeper's snapshots are fuzzy: a
// txn may already be in the snapshot, and tree.Apply then skips it as
// ZooKeeper's DataTree.processTxn does.
func Restore(snapDir, logDir string, opts RestoreOptions) (*Restored, error) {
	logger := opts.Logger
	if logger == nil {
		logger = slog.Default()
	}
	snaps, err := ListSnapshots(snapDir)
	if err != nil {
		return nil, err
	}
	logs, err := ListLogs(logDir)
	if err != nil {
		return nil, err
	}
	res := &Restored{}
	snap, err := res.loadSnapshot(snaps, opts, logger)
	if err != nil {
		if len(logs) > 0 {
			err = fmt.Errorf("%w, but %d log files in %s: ZooKeeper refuses to start from this too", err, len(logs), logDir)
		}
		return nil, err
	}
	sessions := make(map[int64]int32, len(snap.Sessions))
	for _, s := range snap.Sessions {
		sessions[s.ID] = s.Timeout
	}
	if err := res.replay(snap.Tree, sessions, logs, opts, logger); err != nil {
		return nil, err
	}
	res.Tree = snap.Tree
	for id, timeout := range sessions {
		res.Sessions = append(res.Sessions, snapshot.Session{ID: id, Timeout: timeout})
	}
	slices.SortFunc(res.Sessions, func(a, b snapshot.Session) int { return cmp.Compare(a.ID, b.ID) })
	return res, nil
}

// loadSnapshot reads the newest snapshot that reads back whole, skipping
// invalid ones as FileSnap.deserialize does.
func (res *Restored) loadSnapshot(snaps []File, opts RestoreOptions, logger *slog.Logger) (*snapshot.Snapshot, error) {
	for i, f := range snaps {
		if i == maxSnapshotTries {
			break
		}
		s, err := readSnapshot(f.Path, opts)
		if err != nil {
			logger.Warn("skipping a ZooKeeper snapshot that does not read back whole; trying the one before",
				"file", f.Path, "err", err)
			res.Skipped = append(res.Skipped, fmt.Sprintf("%s: %v", f.Path, err))
			continue
		}
		// As ZooKeeper: the name, not the content, says what the snapshot
		// includes; txns after it are replayed.
		s.Tree.SetLastZxid(f.Zxid)
		res.Snapshot = f
		return s, nil
	}
	if len(snaps) == 0 {
		return nil, errors.New("zkdata: no ZooKeeper snapshot")
	}
	return nil, fmt.Errorf("zkdata: none of the %d ZooKeeper snapshots is valid", len(snaps))
}

func readSnapshot(path string, opts RestoreOptions) (*snapshot.Snapshot, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var r io.Reader = f
	if opts.WrapSnapshot != nil {
		st, err := f.Stat()
		if err != nil {
			return nil, err
		}
		r = opts.WrapSnapshot(f, filepath.Base(path), st.Size())
	}
	return snapshot.Read(r, opts.Tree)
}

// replay applies the txns after the tree's zxid (FileTxnSnapLog's
// fastForwardFromEdits and processTransaction).
func (res *Restored) replay(t *tree.Tree, sessions map[int64]int32, logs []File, opts RestoreOptions, logger *slog.Logger) error {
	from := t.LastZxid() + 1
	it := ReadLogs(LogsSince(logs, from), from)
	defer it.Close()
	last := t.LastZxid()
	for e, ok := it.Next(); ok; e, ok = it.Next() {
		txn, err := DecodeTxn(e.Data)
		if err != nil {
			name, off := it.File()
			return fmt.Errorf("zkdata: %s: record at offset %d: %w", name, off, err)
		}
		if e.Zxid <= last {
			// ZooKeeper logs this and applies it anyway; a tree must see
			// zxids in order, so it is left out here.
			name, off := it.File()
			logger.Warn("skipping a txn whose zxid is not above the previous one", "file", name, "offset", off,
				"zxid", fmt.Sprintf("%#x", e.Zxid), "previous", fmt.Sprintf("%#x", last))
			continue
		}
		last = e.Zxid
		switch txn.Header.Type {
		case proto.OpCreateSession:
			if c, ok := txn.Record.(*proto.CreateSessionTxn); ok {
				sessions[txn.Header.ClientID] = c.TimeOut
			}
		case proto.OpCloseSession:
			delete(sessions, txn.Header.ClientID)
		}
		if r := t.Apply(&txn.Header, txn.Record); unfit(txn.Header.Type, r) {
			res.Unfit++
			logger.Debug("txn did not fit the tree (fuzzy snapshot); skipped as ZooKeeper skips it",
				"zxid", fmt.Sprintf("%#x", e.Zxid), "type", txn.Header.Type.String(), "path", r.Path, "err", r.Err)
		}
		res.Txns++
		if opts.OnTxn != nil {
			opts.OnTxn(e.Zxid)
		}
	}
	res.Torn = it.Torn()
	for _, torn := range res.Torn {
		logger.Warn("a ZooKeeper log file ends in a torn record; ZooKeeper ignores the rest of that file too", "where", torn)
	}
	return it.Err()
}

// unfit reports whether applying a txn failed because it did not fit the
// tree, rather than because it records a failure (an error txn, a failed
// multi).
func unfit(typ proto.Op, r tree.Result) bool {
	if r.Err == proto.ErrOK || typ == proto.OpError {
		return false
	}
	if typ == proto.OpMulti {
		for _, sub := range r.Multi {
			if sub.Type == proto.OpError {
				return false
			}
		}
	}
	return true
}

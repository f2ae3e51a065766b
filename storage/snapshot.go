package storage

import "io"

// SnapshotMeta describes one committed snapshot.
type SnapshotMeta struct {
	// Zxid is the label given to Create: the last zxid applied to the tree
	// when the snapshot began. ZooKeeper's snapshots are fuzzy, so replay
	// starts at the log entries after it and must be idempotent.
	Zxid int64
	// Size is the length of the stream in bytes, as the node wrote it.
	Size int64
	// ID names the snapshot uniquely within its Snapshotter (a file name,
	// for a file-based backend).
	ID string
}

// Snapshotter stores snapshots: opaque streams written by the node, each
// visible only once committed. Its methods are safe for concurrent use, and
// return errors wrapping ErrClosed once the Backend is closed.
type Snapshotter interface {
	// Create starts a snapshot labelled zxid. Nothing is visible until the
	// returned sink is committed.
	Create(zxid int64) (SnapshotSink, error)

	// OpenNewest opens the newest committed snapshot: the highest zxid, and
	// among equal zxids the last committed. A backend that can detect a
	// damaged snapshot skips it in favour of the next newest. It returns
	// ErrNoSnapshot if there is none. The caller closes the reader; a
	// concurrent Purge does not disturb it.
	OpenNewest() (SnapshotMeta, io.ReadCloser, error)

	// Open opens the committed snapshot called id (a SnapshotMeta.ID from
	// List) without reading it first: its reader checks the stream as it
	// goes, where the backend keeps a checksum, and fails a Read (at the
	// latest the one that reaches the end) rather than end cleanly on a
	// damaged stream. This is how a node loads a snapshot in one pass and
	// falls back to an older one if that fails. It returns ErrNoSnapshot
	// if there is no such snapshot (purged, say). The caller closes the
	// reader; a concurrent Purge does not disturb it.
	Open(id string) (io.ReadCloser, error)

	// List returns every committed snapshot, newest first (the order of
	// OpenNewest). A backend may list a damaged snapshot that only reading
	// it can find out about.
	List() ([]SnapshotMeta, error)

	// Purge deletes all but the newest keep snapshots. keep must be at
	// least 1: the newest snapshot is never purged.
	Purge(keep int) error
}

// SnapshotSink receives one snapshot's stream. It is used by one goroutine.
// Exactly one of Commit and Abort finishes it; after that Write and Commit
// return errors wrapping ErrClosed, while Abort returns nil, so that
// "defer sink.Abort()" is always safe.
type SnapshotSink interface {
	io.Writer

	// Commit makes the snapshot durable and visible, atomically: a crash
	// leaves either the whole snapshot or none of it. If Commit fails, the
	// snapshot is discarded.
	Commit() error

	// Abort discards the snapshot.
	Abort() error
}

// Package storage defines how a Warren node persists its state: a
// transaction log ([TxnLog]) and snapshots of the tree ([Snapshotter]),
// bundled per data directory as a [Backend]. Backends are plugins: each
// registers a [Factory] under a name in a [Registry] (built-ins in an init
// function, into [Default]), and configuration names the one to open.
//
// # The log
//
// The log holds every transaction this node has accepted, as [Entry]
// values: a zxid and the txn exactly as ZooKeeper serializes it (TxnHeader,
// txn record and, when present, the digest). Zxids in the log strictly
// increase; they need not be consecutive (a new epoch restarts the counter).
//
// Appended and durable are different states:
//
//   - Append adds entries to the log. They are visible at once to LastZxid
//     and to iterators opened afterwards, but a crash may lose them.
//   - Sync makes every entry appended before it durable: once Sync returns
//     nil, the entries survive a crash of the process or the machine (an
//     fsync, or the backend's equivalent). Only then may the node ACK a
//     proposal or answer a client.
//
// Group commit is the caller's job and the reason the two are separate: the
// node appends each batch of proposals as it arrives and calls Sync once for
// all of them. A backend may make entries durable earlier than Sync; it may
// never report Sync done before they are.
//
// When Append or Sync fails (ENOSPC, an I/O error), the log falls back to
// what the last successful Sync made durable: the entries appended since
// are dropped, LastZxid says so, and nothing half-written is left for a
// reader or a restart to trip over. The node then answers those writes with
// an error and may try again later; a later Append succeeds once the cause
// is gone. A backend that cannot restore that state returns errors until it
// is reopened.
//
// TruncateAfter (ZAB's TRUNC) is durable when it returns. PurgeBefore only
// frees space after a snapshot; it may drop fewer entries than asked and a
// crash may undo it, but it only ever drops a prefix of the log, never a
// hole, and never lowers LastZxid. A read or truncation that would need a
// purged entry fails with [ErrCompacted] rather than return a log with a gap,
// so the leader knows to send a learner a snapshot instead of a diff.
//
// # Snapshots
//
// A snapshot is an opaque byte stream written by the node (the serialized
// tree and sessions) and labelled with a zxid. It becomes visible, as a
// whole, only when its sink is committed; a crash before that leaves no
// trace of it. The backend may frame the stream (a checksum, a header) so
// that OpenNewest can skip a damaged one, and a reader from Open can fail
// rather than end cleanly on one.
//
// # Concurrency
//
// A TxnLog has one writer (the goroutine that calls Append, Sync,
// TruncateAfter and PurgeBefore) and any number of concurrent readers
// (LastZxid, ReadFrom and their iterators). Snapshotter methods are safe for
// concurrent use; each SnapshotSink is used by one goroutine.
package storage

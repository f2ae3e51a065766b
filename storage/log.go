package storage

// Entry is one txn as logged: its zxid and its serialized bytes (TxnHeader +
// txn record [+ digest]), exactly as ZooKeeper writes them, so that a log can
// feed a ZooKeeper learner unchanged.
type Entry struct {
	// Zxid is the transaction id; it is greater than every zxid before it in
	// the log, and never 0.
	Zxid int64
	// Data is the serialized txn. The log does not interpret it.
	Data []byte
}

// TxnLog is the transaction log of one node. See the package documentation
// for what appended, durable and purged mean.
//
// It has one writer and any number of concurrent readers: Append, Sync,
// TruncateAfter, PurgeBefore and Close are called by one goroutine at a
// time; LastZxid, ReadFrom and iterators may be used from any goroutine
// meanwhile. After Close every method except LastZxid and Close returns an
// error wrapping ErrClosed.
type TxnLog interface {
	// Append adds entries to the end of the log. Their zxids must strictly
	// increase and the first must be greater than LastZxid; otherwise Append
	// returns an error wrapping ErrOutOfOrder and appends nothing. Append does
	// not keep the entries' Data after it returns (the caller may reuse the
	// buffers). The entries may be buffered: they are durable only once Sync
	// returns. Appending no entries does nothing.
	Append(entries ...Entry) error

	// Sync makes every entry appended so far durable, and returns only once
	// it is. It is cheap when there is nothing to sync.
	Sync() error

	// LastZxid returns the zxid of the newest entry, or 0 if the log has never
	// held one (or was truncated to 0). PurgeBefore does not lower it.
	LastZxid() int64

	// ReadFrom returns an iterator over the entries with Zxid >= zxid, in
	// order: at least every entry appended before ReadFrom was called;
	// whether it also yields entries appended while it runs is up to the
	// backend. If an entry with Zxid >= zxid has been purged, ReadFrom
	// returns an error wrapping ErrCompacted instead.
	ReadFrom(zxid int64) (Iterator, error)

	// TruncateAfter drops every entry with Zxid > zxid, durably, as a learner
	// does on ZAB's TRUNC; LastZxid becomes the zxid of the newest entry
	// left. If a purged entry had Zxid > zxid, the log cannot say what its
	// last entry would be: TruncateAfter returns an error wrapping
	// ErrCompacted and changes nothing.
	TruncateAfter(zxid int64) error

	// PurgeBefore lets the log drop entries with Zxid < zxid, typically those
	// already covered by a snapshot. It may drop fewer (a file-based log
	// drops whole segments) and never drops an entry with Zxid >= zxid.
	PurgeBefore(zxid int64) error

	// Close releases the log. Entries not yet synced may be lost; open
	// iterators may stop with ErrClosed. Calling Close again returns nil.
	Close() error
}

// Iterator walks log entries in zxid order. It is used by one goroutine.
type Iterator interface {
	// Next returns the next entry, or false at the end or on error (see
	// Err). The entry's Data must not be modified, and is valid only until
	// the next call to Next or Close: copy it to keep it.
	Next() (Entry, bool)

	// Err returns the error that stopped Next, or nil if it reached the end.
	Err() error

	// Close releases the iterator. It may be called at any time, more than
	// once, and must be called even after Next returned false.
	Close() error
}

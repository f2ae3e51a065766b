package storage

import "errors"

// Errors returned by backends and the registry; test for them with
// errors.Is, as backends wrap them with context.
var (
	// ErrClosed is returned by every operation on a closed log, snapshotter,
	// backend, sink or iterator.
	ErrClosed = errors.New("storage: closed")

	// ErrOutOfOrder is returned by Append for an entry whose zxid is not
	// greater than every zxid before it.
	ErrOutOfOrder = errors.New("storage: zxid out of order")

	// ErrCompacted is returned when a read or truncation needs entries that
	// PurgeBefore has dropped.
	ErrCompacted = errors.New("storage: entries purged")

	// ErrNoSnapshot is returned by OpenNewest when there is no valid,
	// committed snapshot.
	ErrNoSnapshot = errors.New("storage: no snapshot")

	// ErrUnknownBackend is returned by Registry.Open for a name nobody
	// registered.
	ErrUnknownBackend = errors.New("storage: unknown backend")
)

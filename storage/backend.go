package storage

import "log/slog"

// Backend is one storage plugin opened on one data directory: its log and
// its snapshots. The Backend owns both; the caller closes only the Backend.
type Backend interface {
	// Log returns the transaction log. It returns the same TxnLog every time.
	Log() TxnLog

	// Snapshots returns the snapshot store. It returns the same Snapshotter
	// every time.
	Snapshots() Snapshotter

	// Close closes the log and the snapshot store, after which their methods
	// return errors wrapping ErrClosed. Calling Close again returns nil.
	Close() error
}

// Config is what a Factory receives. Fields a backend has no use for are
// ignored; Options are the backend's own and a backend must reject keys it
// does not know, so that a typo in the config file is an error.
type Config struct {
	// DataDir holds the snapshots, and the log when LogDir is empty
	// (ZooKeeper's dataDir).
	DataDir string
	// LogDir, if set, holds the log, so that it can sit on its own device
	// and its fsyncs do not queue behind snapshot writes (ZooKeeper's
	// dataLogDir).
	LogDir string
	// NoSync makes Sync skip the fsync, so that it no longer reaches
	// stable storage (ZooKeeper's zookeeper.forceSync=no): it trades
	// durability for speed and is meant only for tests and benchmarks. The
	// zero value is durable.
	NoSync bool
	// PreAllocSize is how many bytes a file-based log preallocates at a
	// time (ZooKeeper's zookeeper.preAllocSize); 0 means the backend's
	// default and a negative value turns preallocation off.
	PreAllocSize int64
	// Logger receives what the backend has to tell an operator (a torn
	// tail cut off at open, a damaged snapshot skipped). Nil means
	// slog.Default().
	Logger *slog.Logger
	// Options holds backend-specific settings, as decoded from the config
	// file under the backend's name.
	Options map[string]any
}

// Factory opens a Backend. It must not start anything that outlives a
// failed call: on error it releases what it acquired.
type Factory func(cfg Config) (Backend, error)

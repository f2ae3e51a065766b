// Package badger is the storage backend built on the Badger key-value store
// (github.com/dgraph-io/badger/v4), registered as "badger".
//
// It opens two Badger DBs: the log in <LogDir or DataDir>/badger-log and
// the snapshots in <DataDir>/badger-snap. Two, even when LogDir is empty,
// because Badger funnels all writes of a DB through one goroutine: a
// snapshot's megabytes must not queue in front of the log's group commits,
// and the log can move to its own device by setting LogDir alone.
//
// The key layout is in keys.go; docs/storage-badger.md has the layout, the
// options and the trade-offs against the default "wal" backend.
//
// Options (under the backend's name in the config file):
//
//	mem_table_size:      the log DB's memtable, a byte count or "16MiB"
//	                     (default 16 MiB, at least 8 MiB); Badger keeps two
//	value_log_file_size: value-log file size of each DB (default 64 MiB,
//	                     16 MiB to 2 GiB)
//	index_cache_size:    memory for SSTable indexes and bloom filters, per
//	                     DB (default 16 MiB; 0 keeps them all in memory)
//	num_compactors:      compaction goroutines per DB (default 2, at least 2)
//	gc_interval:         how often value-log GC runs, as a Go duration
//	                     (default "10m"; "0" turns it off)
package badger

import (
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"sync"
	"time"

	badgerdb "github.com/dgraph-io/badger/v4"

	"github.com/warrenzk/warren/storage"
)

func init() { storage.Register("badger", Open) }

// Directory names under LogDir/DataDir.
const (
	logDirName  = "badger-log"
	snapDirName = "badger-snap"
)

// Backend is the badger storage.Backend.
type Backend struct {
	cfg    storage.Config
	logDB  *badgerdb.DB
	snapDB *badgerdb.DB
	log    *Log
	snaps  *Snapshots

	stopGC chan struct{}
	gcDone chan struct{}

	mu     sync.Mutex
	closed bool
}

// Open opens, or creates, the badger backend's DBs under cfg's directories.
// It fails with an error wrapping ErrLocked if another process holds them.
func Open(cfg storage.Config) (storage.Backend, error) {
	s, err := parseOptions(cfg.Options)
	if err != nil {
		return nil, err
	}
	if cfg.DataDir == "" {
		return nil, errors.New("storage/badger: no data dir")
	}
	logger := cfg.Logger
	if logger == nil {
		logger = slog.Default()
	}
	logger = logger.With("storage", "badger")
	logDir := cfg.LogDir
	if logDir == "" {
		logDir = cfg.DataDir
	}

	b := &Backend{cfg: cfg}
	b.logDB, err = openDB(dbOptions(filepath.Join(logDir, logDirName), s.memTableSize, s, !cfg.NoSync, logger))
	if err != nil {
		return nil, err
	}
	b.snapDB, err = openDB(dbOptions(filepath.Join(cfg.DataDir, snapDirName), snapMemTableSize, s, !cfg.NoSync, logger))
	if err != nil {
		b.logDB.Close()
		return nil, err
	}
	if b.log, err = openLog(b.logDB, logger); err == nil {
		b.snaps, err = openSnapshots(b.snapDB, logger)
	}
	if err != nil {
		b.closeDBs()
		return nil, err
	}
	if cfg.NoSync {
		logger.Warn("force sync is off: a machine crash can lose writes clients were told succeeded; for tests and benchmarks only")
	}
	b.gcDone = make(chan struct{})
	b.stopGC = make(chan struct{})
	go func() {
		defer close(b.gcDone)
		collectGarbage(b.stopGC, s.gcInterval, logger, b.logDB, b.snapDB)
	}()
	return b, nil
}

// Log returns the transaction log.
func (b *Backend) Log() storage.TxnLog { return b.log }

// Snapshots returns the snapshot store.
func (b *Backend) Snapshots() storage.Snapshotter { return b.snaps }

// Close stops value-log GC, waits for calls under way on the log and the
// snapshots, then closes both DBs. Calling it again returns nil.
func (b *Backend) Close() error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed {
		return nil
	}
	b.closed = true
	close(b.stopGC)
	<-b.gcDone
	b.log.Close()
	b.snaps.close()
	return b.closeDBs()
}

func (b *Backend) closeDBs() error {
	var errs []error
	if err := b.logDB.Close(); err != nil {
		errs = append(errs, fmt.Errorf("storage/badger: close log DB: %w", err))
	}
	if err := b.snapDB.Close(); err != nil {
		errs = append(errs, fmt.Errorf("storage/badger: close snapshot DB: %w", err))
	}
	return errors.Join(errs...)
}

// collectGarbage runs Badger's value-log GC on dbs every interval until
// stop is closed. Badger never reclaims value-log space by itself. Only log
// entries of valueThreshold or more reach the value log, so there is
// usually nothing to do.
func collectGarbage(stop <-chan struct{}, interval time.Duration, logger *slog.Logger, dbs ...*badgerdb.DB) {
	if interval == 0 {
		<-stop
		return
	}
	tick := time.NewTicker(interval)
	defer tick.Stop()
	for {
		select {
		case <-stop:
			return
		case <-tick.C:
		}
		for _, db := range dbs {
			// Each successful round rewrites one file; repeat while there is
			// garbage and no one is waiting to close.
			for {
				err := db.RunValueLogGC(0.5)
				if err == nil {
					select {
					case <-stop:
						return
					default:
						continue
					}
				}
				if !errors.Is(err, badgerdb.ErrNoRewrite) && !errors.Is(err, badgerdb.ErrRejected) {
					logger.Warn("value-log GC failed; it is retried at the next interval", "dir", db.Opts().Dir, "err", err)
				}
				break
			}
		}
	}
}

// Interface guards.
var (
	_ storage.Backend = (*Backend)(nil)
	_ storage.Factory = Open
)

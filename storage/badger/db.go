package badger

import (
	"errors"
	"fmt"
	"log/slog"
	"strings"

	badgerdb "github.com/dgraph-io/badger/v4"
	"github.com/dgraph-io/badger/v4/options"
)

// ErrLocked is wrapped by Open's error when a DB directory is held by
// another process, or by another Backend open in this one.
var ErrLocked = errors.New("held by another process; stop it, or point this node at another directory")

// layoutVersion is stamped into each DB's manifest (Badger's external
// magic), so that a future change of key layout refuses old directories
// instead of misreading them.
const layoutVersion = 1

// valueThreshold is the value size from which Badger moves a value out of
// the LSM tree into the value log. Log entries are almost all far smaller,
// so they stay in the LSM tree and purged ones vanish in compaction; 1 MiB
// snapshot chunks go to the value log, so that the LSM tree (and the
// memtable) holds only pointers to them.
const valueThreshold = 64 << 10

// snapMemTableSize is the snapshot DB's memtable size. It holds chunk
// pointers and meta records, a few bytes per MiB of snapshot, so it need
// not follow mem_table_size.
const snapMemTableSize = 4 << 20

// dbOptions returns Badger's options for a DB in dir. The choices that keep
// memory small:
//
//   - two memtables at most (one filling, one being flushed) instead of
//     five;
//   - no compression, hence no block cache: Badger reads blocks straight
//     from its memory-mapped tables, and a cache would only duplicate the
//     OS page cache;
//   - a bounded index cache, so that the indexes and bloom filters of a
//     large log do not all stay resident;
//   - metrics off (they are process-global expvars).
//
// SyncWrites applies to every commit of the DB: with ForceSync each commit
// is fsynced before it returns, which is what makes Sync durable.
func dbOptions(dir string, memTableSize int64, s settings, forceSync bool, logger *slog.Logger) badgerdb.Options {
	return badgerdb.DefaultOptions(dir).
		WithSyncWrites(forceSync).
		WithLogger(badgerLogger{logger.With("badger", dir)}).
		WithMemTableSize(memTableSize).
		WithNumMemtables(2).
		WithValueThreshold(valueThreshold).
		WithValueLogFileSize(s.valueLogFileSize).
		WithNumCompactors(s.numCompactors).
		WithCompression(options.None).
		WithBlockCacheSize(0).
		WithIndexCacheSize(s.indexCacheSize).
		WithDetectConflicts(false). // one writer per DB: nothing to detect
		WithMetricsEnabled(false).
		WithExternalMagic(layoutVersion)
}

// openDB opens the Badger DB in dir, creating it if needed.
func openDB(opts badgerdb.Options) (*badgerdb.DB, error) {
	db, err := badgerdb.Open(opts)
	if err != nil {
		// Badger flattens the flock error into text, so match the text.
		if strings.Contains(err.Error(), "Cannot acquire directory lock") {
			return nil, fmt.Errorf("storage/badger: %s: %w: %w", opts.Dir, ErrLocked, err)
		}
		return nil, fmt.Errorf("storage/badger: open %s: %w", opts.Dir, err)
	}
	return db, nil
}

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

// ErrCorrupt is wrapped by errors about a log whose entries are not all
// there: its newest entry older than the last Sync, or a gap found by a
// reader.
var ErrCorrupt = errors.New("log damaged")

// layoutVersion is stamped into each DB's manifest (Badger's external
// magic), so that a future change of key layout refuses old directories
// instead of misreading them.
const layoutVersion = 1

// valueThreshold is the value size from which Badger moves a value out of
// the LSM tree into its value log: Badger's maximum, 1 MiB, so that nearly
// everything stays in the LSM tree. There, ordinary compaction frees what
// PurgeBefore and Purge delete. Space in the value log comes back only when
// value-log GC finds it garbage by statistics that compaction gathers, and a
// snapshot DB compacts so rarely that purged snapshots would pile up. Only
// log entries of 1 MiB or more (over ZooKeeper's default jute.maxbuffer) go
// to the value log.
const valueThreshold = 1 << 20

// snapMemTableSize is the snapshot DB's memtable size. Snapshots pass
// through it on their way to the LSM tree's tables; it is fixed, the
// smallest that takes a chunk (Badger caps a transaction at 15% of the
// memtable and needs that to be at least valueThreshold).
const snapMemTableSize = 8 << 20

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
// Badger checks no SSTable checksum by default; here every block is checked
// as it is read, and every value-log value, so that a damaged entry fails a
// read instead of reaching a learner. CRC-32C over 4 KiB blocks costs little
// next to the read.
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
		WithChecksumVerificationMode(options.OnBlockRead).
		WithVerifyValueChecksum(true).
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

package badger

import (
	"encoding/binary"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	badgerdb "github.com/dgraph-io/badger/v4"

	"github.com/warrenzk/warren/storage"
)

// Log is the storage.TxnLog of the badger backend: one key per entry in the
// log DB. Append only buffers; Sync writes the buffer in one transaction
// (more only when Badger finds it too big), so a group of appends costs one
// fsync.
//
// LastZxid is the newest entry's zxid, or the purge floor when the log
// holds none; the floor never goes down, so neither does LastZxid across a
// purge. The "m/last" key repeats it, written with each Sync's last entry,
// so that an open can tell a log whose tail Badger lost from one that never
// had it.
type Log struct {
	db     *badgerdb.DB
	w      writer
	logger *slog.Logger

	// last is LastZxid, kept apart so that readers load it without a lock.
	last atomic.Int64

	// mu guards the fields below. The writer holds it for reading while it
	// works on the DB (so that Close waits for it) and for writing only to
	// update them; iterators hold it for reading while they fetch a page.
	mu sync.RWMutex
	// pending holds the entries appended since the last Sync, oldest first.
	// It is replaced or capped, never changed below its length, so an
	// iterator may keep the slice ReadFrom gave it.
	pending []storage.Entry
	// durable is the newest zxid in the DB, or the floor: what a failed Sync
	// falls back to.
	durable int64
	// floor is the zxid of the newest purged entry, 0 if none; stored under
	// floorKey. Reads and truncations at or below it fail with ErrCompacted.
	floor int64
	// gen counts the times the log's end went back (TruncateAfter, a failed
	// Sync). An iterator opened before stops rather than mix two histories.
	gen uint64
	// broken, once set, fails every call until the log is reopened: a
	// failed write could not be undone, so memory and DB may disagree.
	broken error
	closed bool
}

// Iteration and deletion work in bounded pages, so that no Badger read
// transaction is held for long (a long one pins old versions against
// compaction) and no page grows without bound.
const (
	pageEntries = 256
	pageBytes   = 1 << 20
	deletePage  = 4096
)

// slowSync is how long a Sync may take before it is logged, as ZooKeeper's
// fsync.warningthresholdms.
const slowSync = time.Second

// openLog reads the log's state from db, checks that its tail is all
// there, and finishes a purge that a crash interrupted.
func openLog(db *badgerdb.DB, logger *slog.Logger) (*Log, error) {
	l := &Log{db: db, w: writer{db: db}, logger: logger}
	var last int64
	err := db.View(func(txn *badgerdb.Txn) error {
		var err error
		if l.floor, err = readZxid(txn, floorKey); err == nil {
			last, err = readZxid(txn, lastKey)
		}
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("storage/badger: read log meta: %w", err)
	}
	newest, err := l.newestAtOrBelow(math.MaxInt64)
	if err != nil {
		return nil, fmt.Errorf("storage/badger: find the log's end: %w", err)
	}
	l.durable = max(newest, l.floor)
	// Newer entries than m/last are those of a Sync that a crash cut short
	// between two of its transactions: never acknowledged, but whole.
	if l.durable < last {
		return nil, fmt.Errorf("storage/badger: %s: %w: its newest entry is %#x, but entries up to %#x were synced. "+
			"Badger lost the rest (a damaged table or value log). In an ensemble, move this node's data dir aside and let it resync from the leader; "+
			"standalone, restore the data dir from a backup",
			db.Opts().Dir, ErrCorrupt, l.durable, last)
	}
	if err := l.deleteEntries(1, l.floor, false); err != nil {
		return nil, fmt.Errorf("storage/badger: finish purge through %#x: %w", l.floor, err)
	}
	l.last.Store(l.durable)
	return l, nil
}

// readZxid reads a meta key holding a zxid; 0 if it is absent.
func readZxid(txn *badgerdb.Txn, key []byte) (int64, error) {
	item, err := txn.Get(key)
	if errors.Is(err, badgerdb.ErrKeyNotFound) {
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	var z int64
	err = item.Value(func(v []byte) error {
		if len(v) != 8 {
			return fmt.Errorf("%s is %d bytes, want 8", key, len(v))
		}
		z = int64(binary.BigEndian.Uint64(v))
		return nil
	})
	return z, err
}

// Append buffers copies of entries; see storage.TxnLog.
func (l *Log) Append(entries ...storage.Entry) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if err := l.usable("append"); err != nil {
		return err
	}
	prev := l.last.Load()
	size := 0
	for _, e := range entries {
		if e.Zxid <= prev {
			return fmt.Errorf("storage/badger: append zxid %#x after %#x: %w", e.Zxid, prev, storage.ErrOutOfOrder)
		}
		prev = e.Zxid
		size += len(e.Data)
	}
	// One allocation holds the data of the whole batch.
	buf := make([]byte, 0, size)
	for _, e := range entries {
		start := len(buf)
		buf = append(buf, e.Data...)
		l.pending = append(l.pending, storage.Entry{Zxid: e.Zxid, Data: buf[start:len(buf):len(buf)]})
	}
	l.last.Store(prev)
	return nil
}

// Sync writes every buffered entry to the DB and returns once they are
// durable. If that fails, the buffered entries are dropped and whatever
// part of them reached the DB is deleted again, so the log is as the last
// successful Sync left it; if even that fails, the log is broken until
// reopened. The undo puts m/last back first: a commit can take effect and
// still fail (its fsync did), and entries past m/last read at the next open
// as an unfinished Sync, where m/last past the entries would read as loss.
func (l *Log) Sync() error {
	l.mu.RLock()
	if err := l.usable("sync"); err != nil {
		l.mu.RUnlock()
		return err
	}
	batch := l.pending
	if len(batch) == 0 {
		l.mu.RUnlock()
		return nil
	}
	// The last change lands in the last transaction: m/last moves only
	// once every entry is in.
	changes := make([]change, 0, len(batch)+1)
	prev := l.durable
	for _, e := range batch {
		changes = append(changes, change{key: entryKey(e.Zxid), val: entryValue(prev, e.Data)})
		prev = e.Zxid
	}
	changes = append(changes, change{key: lastKey, val: zxidValue(prev)})
	start := time.Now()
	err := l.w.apply(changes)
	if took := time.Since(start); took > slowSync {
		l.logger.Warn("syncing the log took over a second; writes wait for it: check the log device and what else uses it",
			"took", took.Round(time.Millisecond), "entries", len(batch))
	}
	var undo error
	if err != nil {
		undo = l.w.apply([]change{{key: lastKey, val: zxidValue(l.durable)}})
		if undo == nil {
			undo = l.deleteEntries(l.durable+1, math.MaxInt64, true)
		}
	}
	l.mu.RUnlock()

	l.mu.Lock()
	defer l.mu.Unlock()
	l.pending = nil
	if err == nil {
		l.durable = batch[len(batch)-1].Zxid
		return nil
	}
	l.gen++
	l.last.Store(l.durable)
	err = fmt.Errorf("storage/badger: sync entries %#x..%#x: %w", batch[0].Zxid, batch[len(batch)-1].Zxid, err)
	if undo != nil {
		l.broken = fmt.Errorf("storage/badger: log must be reopened: after a failed sync, removing its entries failed too: %w", undo)
		return errors.Join(err, l.broken)
	}
	return err
}

// LastZxid returns the zxid of the newest entry, or the purge floor if the
// log holds none.
func (l *Log) LastZxid() int64 { return l.last.Load() }

// ReadFrom returns an iterator over the entries with Zxid >= zxid. It reads
// the DB a page at a time, then the entries buffered when ReadFrom was
// called; it may also yield entries synced while it runs. It stops with an
// error if the log is truncated or purged past it meanwhile.
func (l *Log) ReadFrom(zxid int64) (storage.Iterator, error) {
	l.mu.RLock()
	defer l.mu.RUnlock()
	if err := l.usable(fmt.Sprintf("read from %#x", zxid)); err != nil {
		return nil, err
	}
	if l.floor != 0 && zxid <= l.floor {
		return nil, fmt.Errorf("storage/badger: read from %#x: purged through %#x: %w", zxid, l.floor, storage.ErrCompacted)
	}
	start := max(zxid, 1)
	return &iterator{
		log: l, start: start, end: l.last.Load(), next: start, gen: l.gen,
		pending: l.pending, pendingPrev: l.durable,
	}, nil
}

// TruncateAfter deletes the entries with Zxid > zxid, newest first so that
// a crash midway leaves a shorter log, never one with a hole. It lowers
// m/last first: a crash midway leaves entries past it, which an open takes
// for an unfinished Sync, not for loss. With ForceSync the writes are
// fsynced before it returns.
func (l *Log) TruncateAfter(zxid int64) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if err := l.usable(fmt.Sprintf("truncate after %#x", zxid)); err != nil {
		return err
	}
	if zxid < l.floor {
		return fmt.Errorf("storage/badger: truncate after %#x: purged through %#x: %w", zxid, l.floor, storage.ErrCompacted)
	}
	if zxid >= l.last.Load() {
		return nil
	}
	l.gen++
	k := sort.Search(len(l.pending), func(i int) bool { return l.pending[i].Zxid > zxid })
	l.pending = l.pending[:k:k]
	if zxid < l.durable {
		newest, err := l.newestAtOrBelow(zxid)
		durable := max(newest, l.floor)
		if err == nil {
			err = l.w.apply([]change{{key: lastKey, val: zxidValue(durable)}})
		}
		if err == nil {
			err = l.deleteEntries(zxid+1, math.MaxInt64, true)
		}
		if err != nil {
			l.broken = fmt.Errorf("storage/badger: log must be reopened: truncate after %#x: %w", zxid, err)
			return l.broken
		}
		l.durable = durable
	}
	if k > 0 {
		l.last.Store(l.pending[k-1].Zxid)
	} else {
		l.last.Store(l.durable)
	}
	return nil
}

// PurgeBefore drops the synced entries with Zxid < zxid. It records the new
// floor first and deletes afterwards, so readers never see a hole, and a
// crash between the two leaves entries that the next open deletes.
func (l *Log) PurgeBefore(zxid int64) error {
	floor, err := l.raiseFloor(zxid)
	if err != nil || floor == 0 {
		return err
	}
	l.mu.RLock()
	defer l.mu.RUnlock()
	if err := l.usable(fmt.Sprintf("purge before %#x", zxid)); err != nil {
		return err
	}
	if err := l.deleteEntries(1, floor, false); err != nil {
		return fmt.Errorf("storage/badger: purge through %#x (the next open retries): %w", floor, err)
	}
	return nil
}

// raiseFloor stores, as the new floor, the newest synced entry below zxid,
// and returns it; 0 if there is nothing new to purge.
func (l *Log) raiseFloor(zxid int64) (int64, error) {
	l.mu.RLock()
	if err := l.usable(fmt.Sprintf("purge before %#x", zxid)); err != nil {
		l.mu.RUnlock()
		return 0, err
	}
	var floor int64
	var err error
	if zxid > 1 {
		floor, err = l.newestAtOrBelow(zxid - 1)
	}
	if err == nil && floor > l.floor {
		err = l.w.apply([]change{{key: floorKey, val: zxidValue(floor)}})
	}
	stale := floor <= l.floor
	l.mu.RUnlock()
	if err != nil {
		return 0, fmt.Errorf("storage/badger: purge before %#x: %w", zxid, err)
	}
	if stale {
		return 0, nil
	}
	l.mu.Lock()
	l.floor = floor
	l.mu.Unlock()
	return floor, nil
}

// Close closes the log; the Backend closes the DB. Unsynced entries are
// dropped; open iterators stop with ErrClosed.
func (l *Log) Close() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.closed = true
	l.pending = nil
	return nil
}

// usable returns why the log cannot be used for op, if it cannot. Lock
// held.
func (l *Log) usable(op string) error {
	if l.closed {
		return fmt.Errorf("storage/badger: %s: %w", op, storage.ErrClosed)
	}
	return l.broken
}

// newestAtOrBelow returns the zxid of the newest entry in the DB with
// Zxid <= hi, 0 if none.
func (l *Log) newestAtOrBelow(hi int64) (int64, error) {
	zs, err := l.zxidsIn(1, hi, true, 1)
	if err != nil || len(zs) == 0 {
		return 0, err
	}
	return zs[0], nil
}

// deleteEntries deletes the DB's entries with lo <= Zxid <= hi, page by
// page, oldest first or newest first.
func (l *Log) deleteEntries(lo, hi int64, newestFirst bool) error {
	for lo <= hi {
		zs, err := l.zxidsIn(lo, hi, newestFirst, deletePage)
		if err != nil || len(zs) == 0 {
			return err
		}
		changes := make([]change, len(zs))
		for i, z := range zs {
			changes[i] = change{key: entryKey(z), del: true}
		}
		if err := l.w.apply(changes); err != nil {
			return fmt.Errorf("delete entries %#x..%#x: %w", zs[0], zs[len(zs)-1], err)
		}
	}
	return nil
}

// zxidsIn returns the zxids of up to limit DB entries with
// lo <= Zxid <= hi, in ascending order or, if newestFirst, descending.
func (l *Log) zxidsIn(lo, hi int64, newestFirst bool, limit int) ([]int64, error) {
	lo = max(lo, 1)
	var zs []int64
	err := l.db.View(func(txn *badgerdb.Txn) error {
		it := txn.NewIterator(badgerdb.IteratorOptions{Prefix: []byte{entryPrefix}, Reverse: newestFirst})
		defer it.Close()
		start := lo
		if newestFirst {
			start = hi
		}
		for it.Seek(entryKey(start)); it.Valid() && len(zs) < limit; it.Next() {
			z := entryZxid(it.Item().Key())
			if z < lo || z > hi {
				break
			}
			zs = append(zs, z)
		}
		return nil
	})
	return zs, err
}

// linked is an entry as stored: with the zxid of the entry before it.
type linked struct {
	storage.Entry
	prev int64
}

// readPage returns the DB's entries from zxid on, up to a page, and
// whether more follow.
func (l *Log) readPage(from int64) (page []linked, more bool, err error) {
	err = l.db.View(func(txn *badgerdb.Txn) error {
		it := txn.NewIterator(badgerdb.IteratorOptions{Prefix: []byte{entryPrefix}})
		defer it.Close()
		size := 0
		for it.Seek(entryKey(from)); it.Valid(); it.Next() {
			if len(page) == pageEntries || size >= pageBytes {
				more = true
				return nil
			}
			item := it.Item()
			z := entryZxid(item.Key())
			v, err := item.ValueCopy(nil)
			if err != nil {
				return fmt.Errorf("read entry %#x: %w", z, err)
			}
			if len(v) < 8 {
				return fmt.Errorf("%w: entry %#x is %d bytes, too short for its link", ErrCorrupt, z, len(v))
			}
			page = append(page, linked{storage.Entry{Zxid: z, Data: v[8:]}, int64(binary.BigEndian.Uint64(v))})
			size += len(v)
		}
		return nil
	})
	return page, more, err
}

// Interface guard.
var _ storage.TxnLog = (*Log)(nil)

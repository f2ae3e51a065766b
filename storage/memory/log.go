package memory

import (
	"fmt"
	"slices"
	"sort"
	"sync"

	"github.com/warrenzk/warren/storage"
)

// Log is an in-memory storage.TxnLog. It keeps every entry in one slice;
// Sync only moves the durable mark.
type Log struct {
	mu sync.RWMutex
	// entries is the log; it is never modified in place below its length,
	// so iterators may hold a sub-slice without the lock. A truncation caps
	// the slice so that later appends reallocate instead of overwriting
	// entries an iterator may still see.
	entries []storage.Entry
	// synced is how many leading entries are durable.
	synced int
	// purged is the zxid of the newest entry PurgeBefore dropped, 0 if none.
	// Since purges drop a prefix, LastZxid is purged when entries is empty.
	purged int64
	closed bool
}

// NewLog returns an empty Log.
func NewLog() *Log { return &Log{} }

// Append adds copies of entries to the log; see storage.TxnLog.
func (l *Log) Append(entries ...storage.Entry) error {
	if len(entries) == 0 {
		return l.check()
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		return fmt.Errorf("append: %w", storage.ErrClosed)
	}
	prev := l.lastZxid()
	for _, e := range entries {
		if e.Zxid <= prev {
			return fmt.Errorf("append zxid %#x after %#x: %w", e.Zxid, prev, storage.ErrOutOfOrder)
		}
		prev = e.Zxid
	}
	for _, e := range entries {
		l.entries = append(l.entries, storage.Entry{Zxid: e.Zxid, Data: slices.Clone(e.Data)})
	}
	return nil
}

// Sync marks every appended entry durable.
func (l *Log) Sync() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		return fmt.Errorf("sync: %w", storage.ErrClosed)
	}
	l.synced = len(l.entries)
	return nil
}

// LastZxid returns the zxid of the newest entry, 0 if none.
func (l *Log) LastZxid() int64 {
	l.mu.RLock()
	defer l.mu.RUnlock()
	return l.lastZxid()
}

// lastZxid is LastZxid with the lock held.
func (l *Log) lastZxid() int64 {
	if n := len(l.entries); n > 0 {
		return l.entries[n-1].Zxid
	}
	return l.purged
}

// ReadFrom returns an iterator over the entries with Zxid >= zxid that the
// log holds now; entries appended later are not seen.
func (l *Log) ReadFrom(zxid int64) (storage.Iterator, error) {
	l.mu.RLock()
	defer l.mu.RUnlock()
	if l.closed {
		return nil, fmt.Errorf("read from %#x: %w", zxid, storage.ErrClosed)
	}
	if l.purged != 0 && zxid <= l.purged {
		return nil, fmt.Errorf("read from %#x: purged through %#x: %w", zxid, l.purged, storage.ErrCompacted)
	}
	return &iterator{log: l, entries: l.entries[l.search(zxid):]}, nil
}

// TruncateAfter drops the entries with Zxid > zxid.
func (l *Log) TruncateAfter(zxid int64) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		return fmt.Errorf("truncate after %#x: %w", zxid, storage.ErrClosed)
	}
	if zxid < l.purged {
		return fmt.Errorf("truncate after %#x: purged through %#x: %w", zxid, l.purged, storage.ErrCompacted)
	}
	n := l.searchAfter(zxid)
	l.entries = l.entries[:n:n]
	l.synced = min(l.synced, n)
	return nil
}

// PurgeBefore drops exactly the entries with Zxid < zxid.
func (l *Log) PurgeBefore(zxid int64) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		return fmt.Errorf("purge before %#x: %w", zxid, storage.ErrClosed)
	}
	n := l.search(zxid)
	if n == 0 {
		return nil
	}
	l.purged = l.entries[n-1].Zxid
	l.entries = slices.Clone(l.entries[n:])
	l.synced = max(l.synced-n, 0)
	return nil
}

// Close closes the log. Open iterators stop with ErrClosed.
func (l *Log) Close() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.closed = true
	return nil
}

// check returns ErrClosed if the log is closed.
func (l *Log) check() error {
	l.mu.RLock()
	defer l.mu.RUnlock()
	if l.closed {
		return fmt.Errorf("append: %w", storage.ErrClosed)
	}
	return nil
}

// search returns the index of the first entry with Zxid >= zxid. Lock held
// on entry.
func (l *Log) search(zxid int64) int {
	return sort.Search(len(l.entries), func(i int) bool { return l.entries[i].Zxid >= zxid })
}

// searchAfter returns the index of the first entry with Zxid > zxid. Lock
// held on entry.
func (l *Log) searchAfter(zxid int64) int {
	return sort.Search(len(l.entries), func(i int) bool { return l.entries[i].Zxid > zxid })
}

// durable returns an open copy of the log holding only its durable part.
func (l *Log) durable() *Log {
	l.mu.RLock()
	defer l.mu.RUnlock()
	return &Log{
		entries: slices.Clone(l.entries[:l.synced]),
		synced:  l.synced,
		purged:  l.purged,
	}
}

// iterator walks a sub-slice of the log captured by ReadFrom.
type iterator struct {
	log     *Log
	entries []storage.Entry
	err     error
	done    bool
}

func (it *iterator) Next() (storage.Entry, bool) {
	if it.done || len(it.entries) == 0 {
		it.done = true
		return storage.Entry{}, false
	}
	it.log.mu.RLock()
	closed := it.log.closed
	it.log.mu.RUnlock()
	if closed {
		it.err = fmt.Errorf("log iterator: %w", storage.ErrClosed)
		it.done = true
		return storage.Entry{}, false
	}
	e := it.entries[0]
	it.entries = it.entries[1:]
	return e, true
}

func (it *iterator) Err() error { return it.err }

func (it *iterator) Close() error {
	it.done, it.entries = true, nil
	return nil
}

// Interface guards.
var (
	_ storage.TxnLog   = (*Log)(nil)
	_ storage.Iterator = (*iterator)(nil)
)

package wal

import (
	"bytes"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"sync"
	"sync/atomic"

	"github.com/warrenzk/warren/storage"
)

// Log is the write-ahead transaction log: a storage.TxnLog over the segment
// files of one directory.
type Log struct {
	dir    string
	fs     fileSystem
	logger *slog.Logger
	opts   options

	// Writer state: only the writer goroutine touches it.
	active    segmentFile // the last segment, open for writing; nil if none
	allocated int64       // active's size on disk, preallocation included
	zeroed    int64       // active's bytes known written (records or zeros); see zeroAhead

	mu      sync.Mutex
	segs    []*segment // the segments on disk, oldest first
	pending pending    // appended, not yet written
	last    int64      // LastZxid
	broken  error      // a failure left the files in a state we could not undo
	closed  bool

	// isClosed mirrors closed for iterators, which check it on every Next.
	isClosed atomic.Bool
	// files is held shared while an iterator reads a segment file, and
	// exclusively while TruncateAfter shrinks one; truncations counts those,
	// so that an iterator knows its files changed under it.
	files       sync.RWMutex
	truncations atomic.Uint64
}

// openLog recovers the log in dir: it checks every record, cuts a torn
// write off the end, and refuses a log damaged anywhere else.
func openLog(dir string, fs fileSystem, logger *slog.Logger, opts options) (*Log, error) {
	ds, err := scanDir(dir, opts.forceSync)
	if err != nil {
		return nil, err
	}
	if ds.err != nil {
		return nil, ds.err
	}
	l := &Log{dir: dir, fs: fs, logger: logger, opts: opts, segs: ds.segs}
	if ds.tornHeader != "" {
		logger.Warn("storage/wal: removing a log segment whose creation a crash interrupted; it held no entries",
			"file", ds.tornHeader)
		if err := fs.Remove(ds.tornHeader); err != nil {
			return nil, fmt.Errorf("remove unfinished segment: %w", err)
		}
		if err := fs.SyncDir(dir); err != nil {
			return nil, err
		}
	}
	if n := len(l.segs); n > 0 {
		seg := l.segs[n-1]
		if l.active, err = fs.OpenFile(seg.path); err != nil {
			return nil, fmt.Errorf("open log segment: %w", err)
		}
		st, err := os.Stat(seg.path)
		if err != nil {
			l.active.Close()
			return nil, err
		}
		l.allocated, l.zeroed = st.Size(), seg.size
		if ds.torn != nil {
			if err := l.cutTornTail(ds.torn); err != nil {
				l.active.Close()
				return nil, err
			}
		}
		l.last = seg.last
	}
	l.resetPending()
	return l, nil
}

// cutTornTail truncates the last segment after its last valid record,
// dropping a write that a crash interrupted before its Sync returned.
func (l *Log) cutTornTail(s *scan) error {
	attrs := []any{"file", s.seg.path, "offset", s.seg.size, "bytes_dropped", s.garbage, "reason", damage(s)}
	if s.later >= 0 {
		// Only without ForceSync: see scanDir.
		attrs = append(attrs, "later_write_at", s.later, "note", "force sync is off, so writes may have reached the disk out of order")
	}
	l.logger.Warn("storage/wal: cutting a torn write off the end of the log; its entries were never synced, so no client was told they were written", attrs...)
	if err := l.active.Truncate(s.seg.size); err != nil {
		return fmt.Errorf("cut torn write: %w", err)
	}
	if err := l.active.Sync(); err != nil {
		return fmt.Errorf("cut torn write: %w", err)
	}
	l.allocated, l.zeroed = s.seg.size, s.seg.size
	return nil
}

// Append encodes entries into the write buffer; see storage.TxnLog. It
// makes no system call.
func (l *Log) Append(entries ...storage.Entry) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if err := l.usable("append"); err != nil {
		return err
	}
	prev := l.last
	for _, e := range entries {
		if e.Zxid <= prev {
			return fmt.Errorf("storage/wal: append zxid %#x after %#x: %w", e.Zxid, prev, storage.ErrOutOfOrder)
		}
		if len(e.Data) > maxEntrySize {
			return fmt.Errorf("storage/wal: append zxid %#x: %d bytes is more than the %d an entry may hold", e.Zxid, len(e.Data), maxEntrySize)
		}
		prev = e.Zxid
	}
	for _, e := range entries {
		l.pending.add(e, l.last, l.opts.segmentSize)
		l.last = e.Zxid
	}
	return nil
}

// LastZxid returns the zxid of the newest entry, appended or durable.
func (l *Log) LastZxid() int64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.last
}

// Close closes the log; entries not synced are lost.
func (l *Log) Close() error {
	l.mu.Lock()
	if l.closed {
		l.mu.Unlock()
		return nil
	}
	l.closed = true
	l.isClosed.Store(true)
	l.mu.Unlock()
	if l.active == nil {
		return nil
	}
	err := l.active.Close()
	l.active = nil
	return err
}

// usable returns why op cannot run, if it cannot. Lock held on entry.
func (l *Log) usable(op string) error {
	if l.closed {
		return fmt.Errorf("storage/wal: %s: %w", op, storage.ErrClosed)
	}
	if l.broken != nil {
		return fmt.Errorf("storage/wal: %s: the log is unusable until reopened: %w", op, l.broken)
	}
	return nil
}

// durableLast is LastZxid without the pending entries. Lock held on entry.
func (l *Log) durableLast() int64 {
	if n := len(l.segs); n > 0 {
		return l.segs[n-1].last
	}
	return 0
}

// floor is the zxid of the newest purged entry, 0 if none: the first
// segment starts after it. Lock held on entry.
func (l *Log) floor() int64 {
	if len(l.segs) > 0 {
		return l.segs[0].prev
	}
	return 0
}

// resetPending empties the write buffer and points it at the end of the
// last segment. Lock held on entry.
func (l *Log) resetPending() {
	p := &l.pending
	p.buf, p.recs, p.tail = p.buf[:0], p.recs[:0], tail{}
	if n := len(l.segs); n > 0 {
		s := l.segs[n-1]
		p.tail = tail{open: true, name: s.name, records: !s.empty(), size: s.size, write: s.size}
	}
}

// pending holds the entries appended since the last Sync, encoded as they
// will be written.
type pending struct {
	buf  []byte
	recs []pendingRecord
	tail tail // where the next record goes
}

// pendingRecord locates one encoded record.
type pendingRecord struct {
	zxid       int64
	prev       int64 // the entry before it: the header of a segment it starts
	at         int   // offset in pending.buf
	off        int64 // offset in its segment
	newSegment bool  // it is the first record of a segment not yet created
}

// tail is the segment that records are being added to.
type tail struct {
	open    bool  // there is one
	name    int64 // its first zxid
	records bool  // it has a record, durable or pending
	size    int64 // its size once the pending records are written
	write   int64 // offset where the next Sync's write to it begins
}

// add encodes e after the entry prev, starting a segment when the current
// one has reached segmentSize, or is empty and named for another zxid.
func (p *pending) add(e storage.Entry, prev, segmentSize int64) {
	t := &p.tail
	r := pendingRecord{zxid: e.Zxid, prev: prev, at: len(p.buf)}
	if !t.open || t.size >= segmentSize || (!t.records && t.name != e.Zxid) {
		*t = tail{open: true, name: e.Zxid, size: headerSize, write: headerSize}
		r.newSegment = true
	}
	r.off = t.size
	p.buf = appendRecord(p.buf, e.Zxid, uint32(t.write), e.Data)
	t.size += int64(len(p.buf) - r.at)
	t.records = true
	p.recs = append(p.recs, r)
}

// end returns the end of record i in buf.
func (p *pending) end(i int) int {
	if i+1 < len(p.recs) {
		return p.recs[i+1].at
	}
	return len(p.buf)
}

// entry returns a copy of pending record i.
func (p *pending) entry(i int) storage.Entry {
	r := p.recs[i]
	return storage.Entry{Zxid: r.zxid, Data: bytes.Clone(p.buf[r.at+recordHeaderSize : p.end(i)])}
}

// errNotExist reports a file that is gone, as after a purge.
func errNotExist(err error) bool { return errors.Is(err, os.ErrNotExist) }

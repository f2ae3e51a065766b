package wal

import (
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/warrenzk/warren/storage"
)

// errTruncatedWhileReading stops an iterator whose segment files
// TruncateAfter changed.
var errTruncatedWhileReading = errors.New("storage/wal: the log was truncated while being read; read it again")

// ReadFrom returns an iterator over the entries from zxid: the durable
// ones, read from the segment files as they were at this call, then copies
// of the pending ones. It does not see entries appended later.
func (l *Log) ReadFrom(zxid int64) (storage.Iterator, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		return nil, fmt.Errorf("storage/wal: read from %#x: %w", zxid, storage.ErrClosed)
	}
	if floor := l.floor(); floor != 0 && zxid <= floor {
		return nil, fmt.Errorf("storage/wal: read from %#x: entries through %#x are purged: %w", zxid, floor, storage.ErrCompacted)
	}
	it := &iterator{log: l, from: zxid, truncations: l.truncations.Load()}
	for _, s := range l.segs {
		if s.last < zxid || s.empty() {
			continue
		}
		start := int64(headerSize)
		if len(it.spans) == 0 {
			start = s.seek(zxid)
		}
		it.spans = append(it.spans, span{s.path, start, s.size})
	}
	for i, r := range l.pending.recs {
		if r.zxid >= zxid {
			it.pending = append(it.pending, l.pending.entry(i))
		}
	}
	return it, nil
}

// span is the part of a segment file an iterator reads.
type span struct {
	path       string
	start, end int64
}

// iterator reads spans of segment files, then entries held in memory.
type iterator struct {
	log         *Log // nil for ReadLogDir
	truncations uint64
	from        int64
	spans       []span
	pending     []storage.Entry
	// last is the error to report after the spans: ReadLogDir's damage.
	last error

	file *os.File // the file of spans[0], once opened
	r    recordReader
	err  error
	done bool
}

func (it *iterator) Next() (storage.Entry, bool) {
	for !it.done {
		if it.log != nil && it.log.isClosed.Load() {
			it.fail(fmt.Errorf("storage/wal: log iterator: %w", storage.ErrClosed))
			break
		}
		if len(it.spans) > 0 {
			if e, ok := it.nextInFile(); ok {
				return e, true
			}
			continue
		}
		if len(it.pending) > 0 {
			e := it.pending[0]
			it.pending = it.pending[1:]
			return e, true
		}
		it.fail(it.last)
	}
	return storage.Entry{}, false
}

// nextInFile returns the next entry of spans[0] at or after from, moving to
// the next span at its end.
func (it *iterator) nextInFile() (storage.Entry, bool) {
	sp := it.spans[0]
	if it.file == nil {
		if it.log != nil && it.log.truncations.Load() != it.truncations {
			it.fail(errTruncatedWhileReading)
			return storage.Entry{}, false
		}
		f, err := os.Open(sp.path)
		if errNotExist(err) {
			err = fmt.Errorf("%s was purged while being read: %w", sp.path, storage.ErrCompacted)
		}
		if err != nil {
			it.fail(fmt.Errorf("storage/wal: log iterator: %w", err))
			return storage.Entry{}, false
		}
		it.file = f
		it.r = recordReader{r: f, off: sp.start, limit: sp.end, buf: it.r.buf[:0]}
	}
	for {
		at := it.r.off
		rec, err := it.read()
		if err == io.EOF {
			it.closeFile()
			it.spans = it.spans[1:]
			return storage.Entry{}, false
		}
		if err != nil {
			it.fail(fmt.Errorf("storage/wal: read %s at offset %d: %w", sp.path, at, err))
			return storage.Entry{}, false
		}
		if rec.zxid >= it.from {
			return storage.Entry{Zxid: rec.zxid, Data: rec.data}, true
		}
	}
}

// read reads the next record, unless a truncation changed the files.
func (it *iterator) read() (record, error) {
	if it.log == nil {
		return it.r.next()
	}
	it.log.files.RLock()
	defer it.log.files.RUnlock()
	if it.log.truncations.Load() != it.truncations {
		return record{}, errTruncatedWhileReading
	}
	return it.r.next()
}

func (it *iterator) fail(err error) {
	it.err, it.done = err, true
	it.closeFile()
}

func (it *iterator) closeFile() {
	if it.file != nil {
		it.file.Close()
		it.file = nil
	}
}

func (it *iterator) Err() error { return it.err }

func (it *iterator) Close() error {
	it.done, it.spans, it.pending = true, nil, nil
	it.closeFile()
	return nil
}

// Interface guards.
var (
	_ storage.TxnLog   = (*Log)(nil)
	_ storage.Iterator = (*iterator)(nil)
)

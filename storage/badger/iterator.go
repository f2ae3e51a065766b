package badger

import (
	"fmt"

	"github.com/warrenzk/warren/storage"
)

// iterator reads the log DB a page at a time, each page in its own short
// read transaction, then the entries that were buffered when ReadFrom was
// called. An entry synced between two pages shows up in the DB and in the
// buffer; next (the lowest zxid still wanted) makes it appear once.
//
// Each entry must link to the one yielded before it, and the iterator must
// reach the LastZxid of ReadFrom's time: Badger's iterators end a table at
// a block that fails its checksum without a word, and this is how such a
// gap becomes an error instead of a shorter log.
type iterator struct {
	log *Log
	// start is ReadFrom's zxid; end is LastZxid when ReadFrom was called.
	start, end int64
	// next is the lowest zxid the iterator may still yield; last is the one
	// yielded last, 0 before the first.
	next, last int64
	// gen is the log's gen at ReadFrom; a change means the log's end went
	// back and the DB may hold another history past what was read.
	gen    uint64
	page   []linked
	dbDone bool
	// pending are the entries buffered at ReadFrom; pendingPrev is the
	// zxid before pending[0].
	pending     []storage.Entry
	pendingPrev int64
	err         error
	done        bool
}

func (it *iterator) Next() (storage.Entry, bool) {
	if it.done {
		return storage.Entry{}, false
	}
	if err := it.refill(); err != nil {
		return it.fail(err)
	}
	if len(it.page) > 0 {
		e := it.page[0]
		it.page = it.page[1:]
		return it.yield(e.Entry, e.prev)
	}
	for len(it.pending) > 0 {
		e, prev := it.pending[0], it.pendingPrev
		it.pending, it.pendingPrev = it.pending[1:], e.Zxid
		if e.Zxid >= it.next {
			return it.yield(e, prev)
		}
	}
	if it.end >= it.start && it.last < it.end {
		return it.fail(fmt.Errorf("storage/badger: log iterator from %#x: %w: it ends at %#x, but the log reached %#x when the read began", it.start, ErrCorrupt, it.last, it.end))
	}
	it.done = true
	return storage.Entry{}, false
}

// yield returns e after checking that it follows the entry yielded before.
func (it *iterator) yield(e storage.Entry, prev int64) (storage.Entry, bool) {
	if it.last == 0 && prev >= it.start || it.last != 0 && prev != it.last {
		return it.fail(fmt.Errorf("storage/badger: log iterator from %#x: %w: entry %#x was written after %#x, which is missing", it.start, ErrCorrupt, e.Zxid, prev))
	}
	it.last, it.next = e.Zxid, e.Zxid+1
	return e, true
}

func (it *iterator) fail(err error) (storage.Entry, bool) {
	it.err, it.done, it.page, it.pending = err, true, nil, nil
	return storage.Entry{}, false
}

// refill checks that the log still holds what the iterator is walking and,
// if the current page is used up, fetches the next.
func (it *iterator) refill() error {
	l := it.log
	l.mu.RLock()
	defer l.mu.RUnlock()
	if err := l.usable("log iterator"); err != nil {
		return err
	}
	if l.gen != it.gen {
		return fmt.Errorf("storage/badger: log iterator at %#x: the log was truncated meanwhile; read again", it.next)
	}
	if len(it.page) > 0 || it.dbDone {
		return nil
	}
	if l.floor != 0 && it.next <= l.floor {
		return fmt.Errorf("storage/badger: log iterator at %#x: purged through %#x meanwhile: %w", it.next, l.floor, storage.ErrCompacted)
	}
	page, more, err := l.readPage(it.next)
	if err != nil {
		return fmt.Errorf("storage/badger: log iterator at %#x: %w", it.next, err)
	}
	it.page, it.dbDone = page, !more
	return nil
}

func (it *iterator) Err() error { return it.err }

func (it *iterator) Close() error {
	it.done, it.page, it.pending = true, nil, nil
	return nil
}

// Interface guard.
var _ storage.Iterator = (*iterator)(nil)

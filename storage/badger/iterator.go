package badger

import (
	"fmt"

	"github.com/warrenzk/warren/storage"
)

// iterator reads the log DB a page at a time, each page in its own short
// read transaction, then the entries that were buffered when ReadFrom was
// called. An entry synced between two pages shows up in the DB and in the
// buffer; next (the lowest zxid still wanted) makes it appear once.
type iterator struct {
	log *Log
	// next is the lowest zxid the iterator may still yield.
	next int64
	// gen is the log's gen at ReadFrom; a change means the log's end went
	// back and the DB may hold another history past what was read.
	gen     uint64
	page    []storage.Entry
	dbDone  bool
	pending []storage.Entry
	err     error
	done    bool
}

func (it *iterator) Next() (storage.Entry, bool) {
	if it.done {
		return storage.Entry{}, false
	}
	if err := it.refill(); err != nil {
		it.err, it.done, it.page, it.pending = err, true, nil, nil
		return storage.Entry{}, false
	}
	if len(it.page) > 0 {
		e := it.page[0]
		it.page = it.page[1:]
		it.next = e.Zxid + 1
		return e, true
	}
	for len(it.pending) > 0 {
		e := it.pending[0]
		it.pending = it.pending[1:]
		if e.Zxid >= it.next {
			it.next = e.Zxid + 1
			return e, true
		}
	}
	it.done = true
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

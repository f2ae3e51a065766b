package zkdata

import (
	"fmt"

	"github.com/warrenzk/warren/storage"
)

// LogIterator reads several log files one after the other, as ZooKeeper's
// FileTxnIterator does, yielding the entries with zxid >= from. A torn tail
// ends its file and reading goes on with the next one, as in ZooKeeper;
// Torn lists where that happened. It is a storage.Iterator.
type LogIterator struct {
	files []File
	from  int64
	cur   *LogReader
	err   error
	torn  []string
}

// ReadLogs returns an iterator over the entries with zxid >= from in files,
// which are read in the order given (ListLogs and LogsSince give ascending order).
func ReadLogs(files []File, from int64) *LogIterator {
	return &LogIterator{files: files, from: from}
}

// Next returns the next entry; Data is valid until the next call.
func (it *LogIterator) Next() (storage.Entry, bool) {
	for it.err == nil {
		if it.cur == nil {
			if len(it.files) == 0 {
				return storage.Entry{}, false
			}
			f := it.files[0]
			it.files = it.files[1:]
			if it.cur, it.err = OpenLog(f.Path); it.err != nil {
				break
			}
		}
		e, ok := it.cur.Next()
		if ok {
			if e.Zxid >= it.from {
				return e, true
			}
			continue
		}
		if it.err = it.cur.Err(); it.err == nil && it.cur.Torn() != "" {
			it.torn = append(it.torn, fmt.Sprintf("%s: %s", it.cur.name, it.cur.Torn()))
		}
		it.cur.Close()
		it.cur = nil
	}
	return storage.Entry{}, false
}

// File returns the log file the last entry came from, and its offset there.
func (it *LogIterator) File() (string, int64) {
	if it.cur == nil {
		return "", 0
	}
	return it.cur.name, it.cur.Offset()
}

// Torn lists the files whose torn tail ended them early, with what was cut.
func (it *LogIterator) Torn() []string { return it.torn }

// Err returns the error that stopped Next, or nil.
func (it *LogIterator) Err() error { return it.err }

// Close closes the file being read.
func (it *LogIterator) Close() error {
	it.files = nil
	if it.cur == nil {
		return nil
	}
	err := it.cur.Close()
	it.cur = nil
	return err
}

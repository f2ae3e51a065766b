package wal

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/warrenzk/warren/storage"
)

// walDirName is the log's directory under LogDir (or DataDir).
const walDirName = "wal"

// ReadLogDir returns an iterator over every entry in the segment files of
// dir, a log directory or the directory holding it (LogDir, or DataDir
// when the log shares it). It reads only: it takes no lock and repairs
// nothing. A torn write at the end is skipped, and damage anywhere else
// ends the iteration with an error wrapping ErrCorrupt after the entries
// before it. It may run beside a live server, but then writes landing while
// it reads can look like a torn tail or, rarely, like damage: judge a log
// by reading it while no server writes it.
func ReadLogDir(dir string) (storage.Iterator, error) {
	if st, err := os.Stat(filepath.Join(dir, walDirName)); err == nil && st.IsDir() {
		dir = filepath.Join(dir, walDirName)
	}
	ds, err := scanDir(dir, true)
	if err != nil {
		return nil, fmt.Errorf("storage/wal: read log directory: %w", err)
	}
	it := &iterator{last: ds.err}
	for _, s := range ds.segs {
		if !s.empty() {
			it.spans = append(it.spans, span{s.path, headerSize, s.size})
		}
	}
	return it, nil
}

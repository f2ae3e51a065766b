package wal

import (
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/warrenzk/warren/storage"
)

// TruncateAfter drops every entry after zxid, durably: the segment holding
// the cut is truncated and fsynced, later segments are removed and the
// directory fsynced. An iterator still reading segment files stops with an
// error. If a file operation fails the log refuses writes until reopened,
// since it no longer knows what the files hold.
func (l *Log) TruncateAfter(zxid int64) error {
	l.mu.Lock()
	if err := l.usable("truncate"); err != nil {
		l.mu.Unlock()
		return err
	}
	if floor := l.floor(); zxid < floor {
		l.mu.Unlock()
		return fmt.Errorf("storage/wal: truncate after %#x: entries through %#x are purged: %w", zxid, floor, storage.ErrCompacted)
	}
	if zxid >= l.durableLast() {
		l.keepPending(zxid)
		l.mu.Unlock()
		return nil
	}
	k := 0
	for l.segs[k].last <= zxid {
		k++
	}
	seg := l.segs[k]
	segs := l.segs
	l.mu.Unlock()

	off, last, err := cutPoint(seg, zxid)
	if err == nil {
		err = l.cut(segs, k, off)
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if err != nil {
		l.broken = err
		return fmt.Errorf("storage/wal: truncate after %#x: %w", zxid, err)
	}
	l.segs = segs[: k+1 : k+1]
	seg.last, seg.size = last, off
	seg.cutIndex(off)
	l.resetPending()
	l.last = last
	return nil
}

// cut removes the segments after segs[k] (newest first, so that a crash
// leaves a shorter log, never one with a hole) and truncates segs[k] at
// off. segs[k] becomes the active segment.
func (l *Log) cut(segs []*segment, k int, off int64) error {
	l.files.Lock()
	defer l.files.Unlock()
	l.truncations.Add(1)
	if k < len(segs)-1 {
		if err := l.active.Close(); err != nil {
			return err
		}
		l.active = nil
		for _, s := range segs[k+1:] {
			if err := l.fs.Remove(s.path); err != nil {
				return err
			}
		}
		if err := l.fs.SyncDir(l.dir); err != nil {
			return err
		}
		f, err := l.fs.OpenFile(segs[k].path)
		if err != nil {
			return err
		}
		l.active = f
	}
	if err := l.active.Truncate(off); err != nil {
		return err
	}
	l.allocated, l.zeroed = off, min(l.zeroed, off)
	return l.active.Sync()
}

// cutPoint finds where segment seg must end to keep the entries up to
// zxid: the offset of its first record after zxid, and the last zxid kept.
func cutPoint(seg *segment, zxid int64) (off, last int64, err error) {
	f, err := os.Open(seg.path)
	if err != nil {
		return 0, 0, err
	}
	defer f.Close()
	r := recordReader{r: f, off: seg.seek(zxid), limit: seg.size}
	last = seg.prev
	for {
		at := r.off
		rec, err := r.next()
		if err == io.EOF {
			return 0, 0, fmt.Errorf("%s: no entry after zxid %#x", seg.path, zxid)
		}
		if err != nil {
			return 0, 0, fmt.Errorf("read %s at offset %d: %w", seg.path, at, err)
		}
		if rec.zxid > zxid {
			return at, last, nil
		}
		last = rec.zxid
	}
}

// keepPending drops the pending entries after zxid. Lock held on entry.
func (l *Log) keepPending(zxid int64) {
	p := &l.pending
	var kept []storage.Entry
	for i, r := range p.recs {
		if r.zxid > zxid {
			break
		}
		kept = append(kept, p.entry(i))
	}
	l.resetPending()
	l.last = l.durableLast()
	for _, e := range kept {
		p.add(e, l.last, l.opts.segmentSize)
		l.last = e.Zxid
	}
}

// PurgeBefore removes, oldest first, the segments whose entries are all
// before zxid, but never the last segment that holds an entry nor any
// after it: their headers keep LastZxid across a restart.
func (l *Log) PurgeBefore(zxid int64) error {
	l.mu.Lock()
	err := l.usable("purge")
	segs := l.segs
	l.mu.Unlock()
	if err != nil {
		return err
	}
	keep := len(segs) - 1
	for keep > 0 && segs[keep].empty() {
		keep--
	}
	drop := 0
	for drop < keep && segs[drop].last < zxid {
		drop++
	}
	var errs []error
	for i, s := range segs[:drop] {
		if err := l.fs.Remove(s.path); err != nil && !errNotExist(err) {
			errs = append(errs, err)
			drop = i
			break
		}
	}
	if drop == 0 {
		return errors.Join(errs...)
	}
	l.mu.Lock()
	l.segs = segs[drop:]
	l.mu.Unlock()
	if err := l.fs.SyncDir(l.dir); err != nil {
		errs = append(errs, err)
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("storage/wal: purge before %#x: %w", zxid, err)
	}
	return nil
}

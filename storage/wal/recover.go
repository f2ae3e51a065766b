package wal

import (
	"fmt"
	"path/filepath"
)

// dirScan is what reading every segment of a wal directory found.
//
// Recovery tells a torn write from damage by one fact: a Sync writes only
// after the previous Sync's fsync returned. So a bad record, or zeros,
// where the records of the last segment stop is a write that never
// finished (a crash can persist any subset of its pages, so valid records
// of that same write may follow), unless a valid record written by a later
// write follows: then the bad bytes were durable once, and were damaged
// since. Every record carries the offset at which its write began, which
// is how recovery knows which write wrote it. A segment is completed and
// fsynced before the next one is created, so only the last segment can
// end in a torn write.
type dirScan struct {
	segs []*segment // the valid segments, oldest first (up to err)
	// torn is the last segment's scan when it ends in a torn write to cut;
	// tornHeader the path of a last segment whose creation was cut short.
	torn       *scan
	tornHeader string
	err        error // the damage that stopped the scan, a *CorruptError
}

// scanDir reads and checks every segment of a wal directory, changing
// nothing. Its error is for a directory it cannot read; damage is in err.
// ordered says the log was written with fsyncs between writes, as recovery
// assumes; without them (ForceSync off) a machine crash may persist a
// later write and lose an earlier one, so a bad record in the last segment
// is cut whatever follows it.
func scanDir(dir string, ordered bool) (*dirScan, error) {
	names, err := listSegments(dir)
	if err != nil {
		return nil, err
	}
	ds := &dirScan{}
	for i, name := range names {
		z, _ := parseSegmentName(name)
		path := filepath.Join(dir, name)
		isLast := i == len(names)-1
		s, err := scanSegment(path, z)
		if err != nil {
			if _, ok := err.(*CorruptError); !ok {
				return nil, fmt.Errorf("scan log segment: %w", err)
			}
			ds.err = err
			return ds, nil
		}
		if s.tornHeader {
			if isLast {
				ds.tornHeader = path
				return ds, nil
			}
			ds.err = &CorruptError{path, 0, "the header is missing (the file is empty or zeros), yet later segments exist"}
			return ds, nil
		}
		if n := len(ds.segs); n > 0 {
			if err := follows(ds.segs[n-1], &s.seg); err != nil {
				ds.err = err
				return ds, nil
			}
		}
		seg := s.seg
		ds.segs = append(ds.segs, &seg)
		switch {
		case s.seg.size == s.file || (isLast && s.clean()):
		case !isLast:
			ds.err = &CorruptError{path, s.seg.size, damage(s) + ", yet later segments exist"}
			return ds, nil
		case s.later >= 0 && ordered:
			ds.err = &CorruptError{path, s.seg.size, fmt.Sprintf("%s, yet a record written after it follows at offset %d", damage(s), s.later)}
			return ds, nil
		default:
			ds.torn = s
		}
	}
	return ds, nil
}

// follows checks that segment b continues the log where a ends.
func follows(a, b *segment) error {
	switch {
	case b.name <= a.last || b.prev < a.last:
		return &CorruptError{b.path, 0, fmt.Sprintf("its first zxid %#x (following zxid %#x) is not after the last zxid %#x of %s: segments out of order",
			b.name, b.prev, a.last, filepath.Base(a.path))}
	case b.prev > a.last:
		return &CorruptError{b.path, 0, fmt.Sprintf("it follows zxid %#x, but %s ends at zxid %#x: a segment between them is missing",
			b.prev, filepath.Base(a.path), a.last)}
	}
	return nil
}

// damage describes what lies where a segment's valid records stop.
func damage(s *scan) string {
	switch {
	case s.bad != "":
		return s.bad
	case s.garbage > 0:
		return fmt.Sprintf("zeros where a record should start, then %d bytes that are not all zero", s.garbage)
	}
	return fmt.Sprintf("zeros where records should continue, to the end of the file (%d bytes)", s.file-s.seg.size)
}

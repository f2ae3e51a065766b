package wal

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
)

// segmentPrefix starts every segment file name, as ZooKeeper's "log.".
const segmentPrefix = "log."

// segmentName returns the file name of the segment whose first entry is zxid.
func segmentName(zxid int64) string { return fmt.Sprintf("%s%016x", segmentPrefix, uint64(zxid)) }

// parseSegmentName returns the zxid in a segment file name.
func parseSegmentName(name string) (int64, bool) {
	hex, ok := strings.CutPrefix(name, segmentPrefix)
	if !ok || len(hex) != 16 {
		return 0, false
	}
	z, err := strconv.ParseUint(hex, 16, 64)
	return int64(z), err == nil
}

// listSegments returns the segment files of dir, in zxid order.
func listSegments(dir string) ([]string, error) {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	var names []string
	for _, e := range ents {
		if _, ok := parseSegmentName(e.Name()); ok && e.Type().IsRegular() {
			names = append(names, e.Name())
		}
	}
	slices.SortFunc(names, func(a, b string) int {
		za, _ := parseSegmentName(a)
		zb, _ := parseSegmentName(b)
		switch {
		case za < zb:
			return -1
		case za > zb:
			return 1
		}
		return 0
	})
	return names, nil
}

// indexEvery is the distance in bytes between two points of a segment's
// sparse index: a ReadFrom reads at most that much before its first entry.
const indexEvery = 64 << 10

// indexPoint says that the record of zxid starts at off.
type indexPoint struct {
	zxid int64
	off  int64
}

// segment is what the log knows of one segment file on disk. Its entries
// are the zxids in (prev, last]; last == prev when it holds none.
type segment struct {
	path  string
	name  int64 // the zxid in the file name: its first entry's, if any
	prev  int64 // the entry before the segment, from its header
	last  int64 // its newest durable entry, or prev
	size  int64 // bytes of header and durable records
	index []indexPoint
}

func (s *segment) empty() bool { return s.last == s.prev }

// addIndex records a record at off if it is far enough from the last point.
func (s *segment) addIndex(zxid, off int64) {
	if n := len(s.index); n == 0 || off-s.index[n-1].off >= indexEvery {
		s.index = append(s.index, indexPoint{zxid, off})
	}
}

// seek returns where to start reading to find zxid: the offset of an
// indexed record at or before it.
func (s *segment) seek(zxid int64) int64 {
	i, _ := slices.BinarySearchFunc(s.index, zxid, func(p indexPoint, z int64) int {
		if p.zxid <= z {
			return -1
		}
		return 1
	})
	if i == 0 {
		return headerSize
	}
	return s.index[i-1].off
}

// cutIndex drops the points at or past off. The slice is clipped so that
// later appends reallocate rather than overwrite what a copy may hold.
func (s *segment) cutIndex(off int64) {
	i := slices.IndexFunc(s.index, func(p indexPoint) bool { return p.off >= off })
	if i >= 0 {
		s.index = slices.Clip(s.index[:i])
	}
}

// segmentPath joins a directory and a segment's file name.
func segmentPath(dir string, zxid int64) string { return filepath.Join(dir, segmentName(zxid)) }

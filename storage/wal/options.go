package wal

import (
	"fmt"
	"maps"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/warrenzk/warren/storage"
)

const (
	// DefaultPreAllocSize is how far a segment is extended at a time when
	// Config.PreAllocSize is 0: ZooKeeper's preAllocSize. A negative
	// Config.PreAllocSize turns preallocation off.
	DefaultPreAllocSize = 64 << 20
	// DefaultSegmentSize is the size past which the log starts a new
	// segment, unless the segment_size option says otherwise.
	DefaultSegmentSize = 64 << 20
	// maxSegmentSize keeps record offsets far inside the uint32 that
	// records carry.
	maxSegmentSize = 1 << 30
)

// options are the backend's settings, from Config and Config.Options.
type options struct {
	preAlloc    int64
	segmentSize int64
	forceSync   bool
}

// parseOptions validates cfg's tuning fields and Options. The only option
// is segment_size, in bytes: a number, or a string with an optional
// KiB/MiB/GiB suffix (environment variables arrive as strings).
func parseOptions(cfg storage.Config) (options, error) {
	o := options{preAlloc: cfg.PreAllocSize, segmentSize: DefaultSegmentSize, forceSync: !cfg.NoSync}
	switch {
	case o.preAlloc == 0:
		o.preAlloc = DefaultPreAllocSize
	case o.preAlloc < 0:
		o.preAlloc = 0 // off: the file grows with each write
	}
	for _, key := range slices.Sorted(maps.Keys(cfg.Options)) {
		switch v := cfg.Options[key]; key {
		case "segment_size":
			n, err := parseSize(v)
			if err != nil {
				return o, fmt.Errorf("option segment_size: %w", err)
			}
			if n <= 0 || n > maxSegmentSize {
				return o, fmt.Errorf("option segment_size: %d is not between 1 and %d", n, maxSegmentSize)
			}
			o.segmentSize = n
		default:
			return o, fmt.Errorf("unknown option %q (known: segment_size)", key)
		}
	}
	return o, nil
}

// parseSize reads a byte count as decoded from YAML, JSON or the
// environment.
func parseSize(v any) (int64, error) {
	switch n := v.(type) {
	case int:
		return int64(n), nil
	case int64:
		return n, nil
	case uint64:
		if n > math.MaxInt64 {
			return 0, fmt.Errorf("%d is too large", n)
		}
		return int64(n), nil
	case float64:
		if n != math.Trunc(n) || math.Abs(n) > 1<<53 {
			return 0, fmt.Errorf("%v is not a whole number of bytes", n)
		}
		return int64(n), nil
	case string:
		s, unit := strings.TrimSpace(n), int64(1)
		for _, u := range []struct {
			suffix string
			size   int64
		}{{"KiB", 1 << 10}, {"MiB", 1 << 20}, {"GiB", 1 << 30}} {
			if rest, ok := strings.CutSuffix(s, u.suffix); ok {
				s, unit = strings.TrimSpace(rest), u.size
				break
			}
		}
		i, err := strconv.ParseInt(s, 10, 64)
		if err != nil || i > math.MaxInt64/unit || i < math.MinInt64/unit {
			return 0, fmt.Errorf("%q is not a size in bytes (such as 67108864 or 64MiB)", n)
		}
		return i * unit, nil
	default:
		return 0, fmt.Errorf("%v (%T) is not a size in bytes", v, v)
	}
}

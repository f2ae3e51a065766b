package badger

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/dustin/go-humanize"
)

// settings are the backend's tunables, decoded from storage.Config.Options.
type settings struct {
	// memTableSize is the log DB's memtable size; Badger keeps up to two in
	// memory (one filling, one flushing).
	memTableSize int64
	// valueLogFileSize is the size at which both DBs start a new value-log
	// file; value-log GC reclaims space a file at a time.
	valueLogFileSize int64
	// indexCacheSize caps the memory each DB spends on SSTable indexes and
	// bloom filters; 0 keeps every index in memory.
	indexCacheSize int64
	// numCompactors is how many compaction goroutines each DB runs.
	numCompactors int
	// gcInterval is how often value-log GC runs; 0 turns it off.
	gcInterval time.Duration
}

// Defaults, chosen for a coordination service: little data, small txns,
// and a node that should not need more than a few tens of MiB of RSS.
const (
	defaultMemTableSize     = 16 << 20
	defaultValueLogFileSize = 64 << 20
	defaultIndexCacheSize   = 16 << 20
	defaultNumCompactors    = 2
	defaultGCInterval       = 10 * time.Minute
)

// optionNames lists the keys Options accepts, for error messages.
var optionNames = []string{"gc_interval", "index_cache_size", "mem_table_size", "num_compactors", "value_log_file_size"}

// parseOptions decodes opts, rejecting unknown keys and values out of the
// range Badger accepts, so that a typo fails at startup.
func parseOptions(opts map[string]any) (settings, error) {
	s := settings{
		memTableSize:     defaultMemTableSize,
		valueLogFileSize: defaultValueLogFileSize,
		indexCacheSize:   defaultIndexCacheSize,
		numCompactors:    defaultNumCompactors,
		gcInterval:       defaultGCInterval,
	}
	keys := make([]string, 0, len(opts))
	for k := range opts {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, key := range keys {
		v := opts[key]
		var err error
		switch key {
		case "mem_table_size":
			// Badger refuses a memtable whose transaction limit (15% of
			// it) is below the value threshold.
			s.memTableSize, err = size(v, 8<<20, 1<<30)
		case "value_log_file_size":
			// Badger's own bounds are [1 MiB, 2 GiB); a file must hold the
			// largest value with room to spare.
			s.valueLogFileSize, err = size(v, 16<<20, 2<<30-1)
		case "index_cache_size":
			s.indexCacheSize, err = size(v, 0, math.MaxInt64)
		case "num_compactors":
			var n int64
			// Badger turns compaction off with 0 and refuses 1.
			n, err = integer(v, 2, 64)
			s.numCompactors = int(n)
		case "gc_interval":
			s.gcInterval, err = duration(v)
		default:
			return settings{}, fmt.Errorf("storage/badger: unknown option %q (known: %s)", key, strings.Join(optionNames, ", "))
		}
		if err != nil {
			return settings{}, fmt.Errorf("storage/badger: option %s: %w", key, err)
		}
	}
	return s, nil
}

// size decodes a byte count: an integer, or a string such as "64MiB".
func size(v any, lo, hi int64) (int64, error) {
	if str, ok := v.(string); ok {
		n, err := humanize.ParseBytes(str)
		if err != nil {
			return 0, fmt.Errorf("parse %q: %w", str, err)
		}
		if n > math.MaxInt64 {
			return 0, fmt.Errorf("%q is too large", str)
		}
		v = int64(n)
	}
	return integer(v, lo, hi)
}

// integer decodes a whole number in [lo, hi] as a config decoder hands it
// over: any Go integer type, a float64 without a fraction (JSON), or a
// string of digits (an environment variable).
func integer(v any, lo, hi int64) (int64, error) {
	var n int64
	switch v := v.(type) {
	case string:
		var err error
		if n, err = strconv.ParseInt(strings.TrimSpace(v), 10, 64); err != nil {
			return 0, fmt.Errorf("%q is not a whole number", v)
		}
	case int:
		n = int64(v)
	case int32:
		n = int64(v)
	case int64:
		n = v
	case uint:
		n = int64(min(v, math.MaxInt64))
	case uint32:
		n = int64(v)
	case uint64:
		n = int64(min(v, math.MaxInt64))
	case float64:
		if v != math.Trunc(v) || v < math.MinInt64 || v > math.MaxInt64 {
			return 0, fmt.Errorf("%v is not a whole number", v)
		}
		n = int64(v)
	default:
		return 0, fmt.Errorf("%v (%T) is not a number", v, v)
	}
	if n < lo || n > hi {
		return 0, fmt.Errorf("%d is outside [%d, %d]", n, lo, hi)
	}
	return n, nil
}

// duration decodes a duration: a time.Duration, or a string in Go's syntax
// ("10m"). Zero is allowed (it turns the feature off); negative is not.
func duration(v any) (time.Duration, error) {
	var d time.Duration
	switch v := v.(type) {
	case time.Duration:
		d = v
	case string:
		var err error
		if d, err = time.ParseDuration(v); err != nil {
			return 0, fmt.Errorf("parse %q: %w", v, err)
		}
	default:
		return 0, fmt.Errorf("%v (%T) is not a duration such as \"10m\"", v, v)
	}
	if d < 0 {
		return 0, fmt.Errorf("%v is negative", d)
	}
	return d, nil
}

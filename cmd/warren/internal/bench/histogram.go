package bench

import (
	"math/bits"
	"time"
)

// A Histogram counts latencies in log-linear buckets, as HdrHistogram does:
// 64 linear sub-buckets per power of two, so any quantile is within 1/64
// (1.6%) of the truth, in a fixed 19 KiB whatever the run's length.
type Histogram struct {
	counts [histBuckets]uint64
	total  uint64
	max    uint64
}

const (
	subBits     = 6
	subCount    = 1 << subBits
	maxExponent = 36 // values up to 2^42 ns (about 73 minutes)
	histBuckets = (maxExponent + 1) * subCount
)

// bucket returns the index of the bucket holding v nanoseconds.
func bucket(v uint64) int {
	if v < subCount {
		return int(v)
	}
	e := bits.Len64(v) - subBits - 1 // v>>e is in [64, 128)
	if e >= maxExponent {
		return histBuckets - 1
	}
	return (e+1)*subCount + int(v>>e) - subCount
}

// upper returns the largest value bucket i holds.
func upper(i int) uint64 {
	if i < subCount {
		return uint64(i)
	}
	e := i/subCount - 1
	m := uint64(i%subCount + subCount)
	return (m+1)<<e - 1
}

// Record counts one latency.
func (h *Histogram) Record(d time.Duration) {
	v := uint64(max(d, 0))
	h.counts[bucket(v)]++
	h.total++
	h.max = max(h.max, v)
}

// Merge adds o's counts to h.
func (h *Histogram) Merge(o *Histogram) {
	for i, c := range o.counts {
		h.counts[i] += c
	}
	h.total += o.total
	h.max = max(h.max, o.max)
}

// Count is the number of latencies recorded.
func (h *Histogram) Count() uint64 { return h.total }

// Max is the largest latency recorded.
func (h *Histogram) Max() time.Duration { return time.Duration(h.max) }

// Quantile returns the latency at or below which a fraction q of the
// recorded latencies fall (the upper edge of its bucket, never above Max).
func (h *Histogram) Quantile(q float64) time.Duration {
	if h.total == 0 {
		return 0
	}
	rank := uint64(q*float64(h.total) + 0.5)
	rank = min(max(rank, 1), h.total)
	var seen uint64
	for i, c := range h.counts {
		seen += c
		if seen >= rank {
			return time.Duration(min(upper(i), h.max))
		}
	}
	return time.Duration(h.max)
}

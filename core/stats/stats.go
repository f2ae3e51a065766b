// Package stats holds a node's counters and summaries as Apache ZooKeeper's
// ServerMetrics keeps them: counters, summaries of avg/min/max/count/sum
// with quantiles from a uniform sample, and summary sets keyed by a label.
// mntr prints them under ZooKeeper's keys (percentiles only for Advanced
// summaries, as ZooKeeper's); an exporter reads them at every scrape. The
// package knows no metrics library.
package stats

import (
	"maps"
	"math"
	"math/rand/v2"
	"slices"
	"sync"
	"sync/atomic"
)

// Level is a summary's detail, as ZooKeeper's DetailLevel: Advanced ones
// also report percentiles.
type Level int

const (
	Basic Level = iota
	Advanced
)

// Counter counts since start or the last Reset.
type Counter struct {
	name string
	v    atomic.Int64
}

// Name is ZooKeeper's name for the counter.
func (c *Counter) Name() string { return c.name }

// Add adds n.
func (c *Counter) Add(n int64) { c.v.Add(n) }

// Value is the count.
func (c *Counter) Value() int64 { return c.v.Load() }

// Sample sizes: ZooKeeper's ResettableUniformReservoir keeps 4096 values
// for a percentile (Advanced) summary; a Basic one keeps fewer, enough for
// the exporter's median, since a summary set has one per key.
const (
	advancedSample = 4096
	basicSample    = 256
)

// Summary is ZooKeeper's AvgMinMaxCounter, and at the Advanced level its
// AvgMinMaxPercentileCounter. Quantiles come from a uniform sample of the
// values observed since start or Reset. Add takes no lock: it is on every
// request's path.
type Summary struct {
	name  string
	level Level

	count, sum atomic.Int64
	min, max   atomic.Int64 // MaxInt64 and MinInt64 while empty
	sample     []atomic.Int64
}

func newSummary(name string, level Level) *Summary {
	size := basicSample
	if level == Advanced {
		size = advancedSample
	}
	s := &Summary{name: name, level: level, sample: make([]atomic.Int64, size)}
	s.min.Store(math.MaxInt64)
	s.max.Store(math.MinInt64)
	return s
}

// Name is ZooKeeper's name for the summary.
func (s *Summary) Name() string { return s.name }

// Level is the summary's detail.
func (s *Summary) Level() Level { return s.level }

// Add observes v. The sample is reservoir sampling (Vitter's algorithm R):
// after n values, each of them is in it with the same probability.
func (s *Summary) Add(v int64) {
	n := s.count.Add(1)
	s.sum.Add(v)
	for old := s.min.Load(); v < old && !s.min.CompareAndSwap(old, v); old = s.min.Load() {
	}
	for old := s.max.Load(); v > old && !s.max.CompareAndSwap(old, v); old = s.max.Load() {
	}
	size := int64(len(s.sample))
	if n <= size {
		s.sample[n-1].Store(v)
	} else if i := rand.Int64N(n); i < size {
		s.sample[i].Store(v)
	}
}

// Reading is a summary's values at one moment, as mntr prints them.
type Reading struct {
	Count, Sum, Min, Max int64
	Avg                  float64 // Sum/Count, 0 when empty
	// Percentiles are the 50th, 95th, 99th and 99.9th, rounded as mntr's
	// p50_, p95_, p99_ and p999_ keys; nil below the Advanced level.
	Percentiles []int64
}

// PercentileKeys name Reading.Percentiles in mntr's keys.
var PercentileKeys = []string{"p50", "p95", "p99", "p999"}

var percentiles = []float64{0.5, 0.95, 0.99, 0.999}

// Read returns the summary's values.
func (s *Summary) Read() Reading {
	r, _ := s.ReadQuantiles(nil)
	return r
}

// ReadQuantiles returns the summary's values and its qs-quantiles, read at
// once.
func (s *Summary) ReadQuantiles(qs []float64) (Reading, []float64) {
	r := Reading{Count: s.count.Load(), Sum: s.sum.Load()}
	if r.Count > 0 {
		r.Min, r.Max = s.min.Load(), s.max.Load()
		r.Avg = float64(r.Sum) / float64(r.Count)
	}
	if s.level != Advanced && len(qs) == 0 {
		return r, nil // mntr's Basic keys need no sample
	}
	sample := make([]int64, min(r.Count, int64(len(s.sample))))
	for i := range sample {
		sample[i] = s.sample[i].Load()
	}
	slices.Sort(sample)
	if s.level == Advanced {
		r.Percentiles = make([]int64, len(percentiles))
		for i, q := range percentiles {
			r.Percentiles[i] = int64(math.Round(quantile(sample, q)))
		}
	}
	values := make([]float64, len(qs))
	for i, q := range qs {
		values[i] = quantile(sample, q)
	}
	return r, values
}

// quantile is the q-quantile of sorted values as Dropwizard's
// UniformSnapshot (ZooKeeper's) computes it: linear between neighbours.
func quantile(sorted []int64, q float64) float64 {
	n := len(sorted)
	if n == 0 {
		return 0
	}
	pos := q * float64(n+1)
	i := int(pos)
	switch {
	case i < 1:
		return float64(sorted[0])
	case i >= n:
		return float64(sorted[n-1])
	}
	lo, hi := float64(sorted[i-1]), float64(sorted[i])
	return lo + (pos-math.Floor(pos))*(hi-lo)
}

// reset races with Add as ZooKeeper's does: an observation made during it
// may be half counted.
func (s *Summary) reset() {
	s.count.Store(0)
	s.sum.Store(0)
	s.min.Store(math.MaxInt64)
	s.max.Store(math.MinInt64)
}

// SummarySet is a summary per key, as ZooKeeper's SummarySet (the
// per-namespace read and write sizes). Keys are created on first use.
type SummarySet struct {
	name  string
	level Level

	mu    sync.RWMutex
	byKey map[string]*Summary
}

// Name is ZooKeeper's name for the set.
func (s *SummarySet) Name() string { return s.name }

// Level is the detail of the set's summaries.
func (s *SummarySet) Level() Level { return s.level }

// Add observes v under key.
func (s *SummarySet) Add(key string, v int64) {
	s.mu.RLock()
	sum := s.byKey[key]
	s.mu.RUnlock()
	if sum == nil {
		sum = s.create(key)
	}
	sum.Add(v)
}

func (s *SummarySet) create(key string) *Summary {
	s.mu.Lock()
	defer s.mu.Unlock()
	if sum := s.byKey[key]; sum != nil {
		return sum
	}
	key = string([]byte(key)) // keys often alias a request's buffer
	sum := newSummary(key+"_"+s.name, s.level)
	s.byKey[key] = sum
	return sum
}

// Each calls fn for every key's summary, in key order.
func (s *SummarySet) Each(fn func(key string, sum *Summary)) {
	s.mu.RLock()
	byKey := maps.Clone(s.byKey)
	s.mu.RUnlock()
	for _, k := range slices.Sorted(maps.Keys(byKey)) {
		fn(k, byKey[k])
	}
}

func (s *SummarySet) reset() {
	s.mu.RLock()
	defer s.mu.RUnlock()
	for _, sum := range s.byKey {
		sum.reset()
	}
}

// Registry holds metrics in the order they were made, which is the order
// mntr prints them in.
type Registry struct {
	counters  []*Counter
	summaries []*Summary
	sets      []*SummarySet
}

// Counter makes a counter.
func (r *Registry) Counter(name string) *Counter {
	c := &Counter{name: name}
	r.counters = append(r.counters, c)
	return c
}

// Summary makes a summary.
func (r *Registry) Summary(name string, level Level) *Summary {
	s := newSummary(name, level)
	r.summaries = append(r.summaries, s)
	return s
}

// SummarySet makes a summary set.
func (r *Registry) SummarySet(name string, level Level) *SummarySet {
	s := &SummarySet{name: name, level: level, byKey: map[string]*Summary{}}
	r.sets = append(r.sets, s)
	return s
}

// Counters lists the counters in the order they were made.
func (r *Registry) Counters() []*Counter { return r.counters }

// Summaries lists the summaries in the order they were made.
func (r *Registry) Summaries() []*Summary { return r.summaries }

// SummarySets lists the summary sets in the order they were made.
func (r *Registry) SummarySets() []*SummarySet { return r.sets }

// Reset zeroes every counter and summary, as srst does in ZooKeeper
// (ServerMetrics.resetAll).
func (r *Registry) Reset() {
	for _, c := range r.counters {
		c.v.Store(0)
	}
	for _, s := range r.summaries {
		s.reset()
	}
	for _, s := range r.sets {
		s.reset()
	}
}

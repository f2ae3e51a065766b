package stats

import (
	"slices"
	"sync"
	"testing"
)

func TestSummaryReadsAsMntr(t *testing.T) {
	var r Registry
	s := r.Summary("fsynctime", Basic)
	if got := s.Read(); got.Count != 0 || got.Sum != 0 || got.Min != 0 || got.Max != 0 || got.Avg != 0 {
		t.Fatalf("empty summary reads %+v, want zeros (mntr prints min 0 before the first value)", got)
	}
	for _, v := range []int64{4, 1, 7} {
		s.Add(v)
	}
	got := s.Read()
	want := Reading{Count: 3, Sum: 12, Min: 1, Max: 7, Avg: 4}
	if got.Count != want.Count || got.Sum != want.Sum || got.Min != want.Min || got.Max != want.Max || got.Avg != want.Avg {
		t.Errorf("read %+v, want %+v", got, want)
	}
	if got.Percentiles != nil {
		t.Errorf("a Basic summary has percentiles %v", got.Percentiles)
	}
	if _, q := s.ReadQuantiles([]float64{0.5}); q[0] != 4 {
		t.Errorf("median %v, want 4: a Basic summary keeps a sample for the exporter", q[0])
	}
}

// TestQuantileAsDropwizard pins the interpolation ZooKeeper's percentile
// counters use (Dropwizard's UniformSnapshot.getValue).
func TestQuantileAsDropwizard(t *testing.T) {
	sorted := []int64{10, 20, 30, 40}
	for _, c := range []struct {
		q    float64
		want float64
	}{
		{0.5, 25},   // pos 2.5: between 20 and 30
		{0.95, 40},  // pos 4.75 ≥ n: the largest
		{0.1, 10},   // pos 0.5 < 1: the smallest
		{0.3, 15},   // pos 1.5
		{0.999, 40}, // the largest
	} {
		if got := quantile(sorted, c.q); got != c.want {
			t.Errorf("quantile(%v) = %v, want %v", c.q, got, c.want)
		}
	}
	if got := quantile(nil, 0.5); got != 0 {
		t.Errorf("quantile of nothing = %v, want 0", got)
	}
}

// TestPercentilesFromAUniformSample: past the sample's size, the kept
// values still stand for all of them, not only the first or the last.
func TestPercentilesFromAUniformSample(t *testing.T) {
	var r Registry
	s := r.Summary("readlatency", Advanced)
	const n = 100_000
	for v := range int64(n) {
		s.Add(v)
	}
	got := s.Read()
	if len(s.sample) != advancedSample {
		t.Fatalf("sample holds %d values, want %d", len(s.sample), advancedSample)
	}
	for i, q := range percentiles {
		want := q * n
		if d := float64(got.Percentiles[i]) - want; d < -0.03*n || d > 0.03*n {
			t.Errorf("%s = %d, want within 3%% of %v", PercentileKeys[i], got.Percentiles[i], want)
		}
	}
	if got.Count != n || got.Min != 0 || got.Max != n-1 {
		t.Errorf("count %d min %d max %d, want every value counted", got.Count, got.Min, got.Max)
	}
}

func TestReset(t *testing.T) {
	var r Registry
	c := r.Counter("response_bytes")
	s := r.Summary("readlatency", Advanced)
	set := r.SummarySet("read_per_namespace", Basic)
	c.Add(5)
	s.Add(3)
	set.Add("app", 7)
	set.Add("zookeeper", 1)
	r.Reset()
	if c.Value() != 0 || s.Read().Count != 0 || s.Read().Percentiles[0] != 0 {
		t.Errorf("after Reset: counter %d, summary %+v", c.Value(), s.Read())
	}
	var keys []string
	set.Each(func(key string, sum *Summary) {
		keys = append(keys, key)
		if sum.Read().Count != 0 {
			t.Errorf("after Reset, %s counts %d", sum.Name(), sum.Read().Count)
		}
	})
	if !slices.Equal(keys, []string{"app", "zookeeper"}) {
		t.Errorf("set keys %v, want app and zookeeper in order (Reset keeps the keys, as ZooKeeper's)", keys)
	}
	set.Each(func(key string, sum *Summary) {
		if want := key + "_read_per_namespace"; sum.Name() != want {
			t.Errorf("summary of %s is named %s, want %s (mntr's key shape)", key, sum.Name(), want)
		}
	})
}

// TestConcurrentObservations is for -race: summaries, sets and counters
// are observed from many goroutines while being read.
func TestConcurrentObservations(t *testing.T) {
	var r Registry
	c := r.Counter("watch_bytes")
	s := r.Summary("updatelatency", Advanced)
	set := r.SummarySet("write_per_namespace", Basic)
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Go(func() {
			for i := range 5000 {
				c.Add(1)
				s.Add(int64(i))
				set.Add([]string{"a", "b"}[g%2], int64(i))
				if i%1000 == 0 {
					s.Read()
					set.Each(func(string, *Summary) {})
				}
			}
		})
	}
	wg.Wait()
	if c.Value() != 20000 || s.Read().Count != 20000 {
		t.Errorf("counted %d and %d, want 20000 each", c.Value(), s.Read().Count)
	}
}

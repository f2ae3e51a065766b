package bench

import (
	"math/rand/v2"
	"slices"
	"testing"
	"time"
)

func TestBucketBounds(t *testing.T) {
	for v := uint64(0); v < 1<<20; v += 1 + v/97 {
		i := bucket(v)
		if upper(i) < v || (i > 0 && upper(i-1) >= v) {
			t.Fatalf("value %d in bucket %d with upper %d (previous %d)", v, i, upper(i), upper(i-1))
		}
	}
}

// Quantiles are within the 1/64 relative error of the exact ones.
func TestQuantileError(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	var h Histogram
	vals := make([]time.Duration, 100000)
	for i := range vals {
		vals[i] = time.Duration(r.ExpFloat64() * float64(200*time.Microsecond))
		h.Record(vals[i])
	}
	slices.Sort(vals)
	for _, q := range []float64{0.5, 0.9, 0.99, 0.999, 1} {
		exact := vals[min(int(q*float64(len(vals))+0.5), len(vals))-1]
		got := h.Quantile(q)
		if d := float64(got-exact) / float64(exact); d < 0 || d > 1.0/64 {
			t.Errorf("q%v = %v, exact %v", q, got, exact)
		}
	}
	if h.Max() != vals[len(vals)-1] || h.Count() != uint64(len(vals)) {
		t.Errorf("max %v count %d", h.Max(), h.Count())
	}
}

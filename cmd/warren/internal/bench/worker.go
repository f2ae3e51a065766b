package bench

import (
	"math/rand/v2"
	"strconv"
	"sync"
	"time"

	"github.com/warrenzk/warren/core/client"
	"github.com/warrenzk/warren/core/proto"
)

// worker drives one connection: it keeps InFlight slots busy, each slot
// owning its request and response records, so that a request allocates
// nothing but what the codec returns.
type worker struct {
	r    *runner
	c    *client.Conn
	id   int
	rng  *rand.Rand
	free chan *slot
	seq  int

	mu   sync.Mutex // callbacks run on the reader, or wherever the Conn fails
	hist Histogram
	errs map[proto.Err]int64
}

// slot is one request in flight and its records.
type slot struct {
	w     *worker
	start time.Time
	done  func(proto.ReplyHeader, error)

	create     proto.CreateRequest
	createResp proto.CreateResponse
	set        proto.SetDataRequest
	setResp    proto.SetDataResponse
	get        proto.GetDataRequest
	getResp    proto.GetDataResponse
	exists     proto.ExistsRequest
	existsResp proto.ExistsResponse
}

func newWorker(r *runner, c *client.Conn, id int) *worker {
	w := &worker{r: r, c: c, id: id, rng: rand.New(rand.NewPCG(uint64(id), uint64(time.Now().UnixNano()))),
		free: make(chan *slot, r.cfg.InFlight), errs: map[proto.Err]int64{}}
	for range r.cfg.InFlight {
		s := &slot{w: w}
		s.done = s.complete
		s.create.ACL = proto.OpenACLUnsafe
		s.create.Data, s.set.Data, s.set.Version = r.value, r.value, -1
		w.free <- s
	}
	return w
}

// loop sends a request whenever a slot is free, until the run stops, then
// waits for every slot to come back.
func (w *worker) loop() {
	for {
		s := <-w.free
		ticket, ok := w.r.next()
		if !ok || w.dead() {
			w.free <- s
			break
		}
		w.send(s, ticket)
	}
	for range cap(w.free) {
		<-w.free
	}
}

func (w *worker) dead() bool {
	select {
	case <-w.c.Done():
		return true
	default:
		return false
	}
}

// send issues the workload's request number ticket on slot s.
func (w *worker) send(s *slot, ticket int64) {
	r := w.r
	op := r.cfg.Workload
	if op == "mixed" {
		// mixed is 80% getData, 20% setData, a read-mostly coordination load.
		op = "get"
		if w.rng.IntN(5) == 0 {
			op = "set"
		}
	}
	s.start = time.Now()
	switch op {
	case "create":
		s.create.Path = r.prefix + "/" + strconv.Itoa(w.id) + "-" + strconv.Itoa(w.seq)
		w.seq++
		w.c.Go(proto.OpCreate, &s.create, &s.createResp, s.done)
	case "load":
		// Keys are dealt out in turn, so that load N creates each key once.
		s.create.Path = r.keys[ticket%int64(len(r.keys))]
		w.c.Go(proto.OpCreate, &s.create, &s.createResp, s.done)
	case "set":
		s.set.Path = r.keys[w.rng.IntN(len(r.keys))]
		w.c.Go(proto.OpSetData, &s.set, &s.setResp, s.done)
	case "get":
		s.get.Path = r.keys[w.rng.IntN(len(r.keys))]
		w.c.Go(proto.OpGetData, &s.get, &s.getResp, s.done)
	case "exists":
		s.exists.Path = r.keys[w.rng.IntN(len(r.keys))]
		w.c.Go(proto.OpExists, &s.exists, &s.existsResp, s.done)
	}
}

// complete records the reply's latency and outcome and frees the slot.
func (s *slot) complete(_ proto.ReplyHeader, err error) {
	w := s.w
	lat := time.Since(s.start)
	w.mu.Lock()
	w.hist.Record(lat)
	if err != nil {
		w.errs[proto.Code(err)]++
	}
	w.mu.Unlock()
	w.r.done.Add(1)
	if err != nil {
		w.r.errs.Add(1)
	}
	w.free <- s
}

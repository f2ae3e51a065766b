package cli

import (
	"sync"

	"github.com/warrenzk/warren/core/proto"
)

// eventQueue hands watch events from the client's reader goroutine (which
// must not block) to one printer goroutine, in arrival order. flush waits
// until everything queued so far is printed, so that a script's output is
// in a stable order: the notification a write triggers comes before the
// write's reply, hence before the next command runs.
type eventQueue struct {
	print func(proto.WatcherEvent)

	mu     sync.Mutex
	cond   sync.Cond
	queue  []proto.WatcherEvent
	busy   bool // the printer holds an event it has not finished printing
	closed bool
	done   chan struct{}
}

func newEventQueue(print func(proto.WatcherEvent)) *eventQueue {
	q := &eventQueue{print: print, done: make(chan struct{})}
	q.cond.L = &q.mu
	go q.run()
	return q
}

func (q *eventQueue) push(ev proto.WatcherEvent) {
	q.mu.Lock()
	if !q.closed {
		q.queue = append(q.queue, ev)
		q.cond.Broadcast()
	}
	q.mu.Unlock()
}

func (q *eventQueue) run() {
	defer close(q.done)
	q.mu.Lock()
	defer q.mu.Unlock()
	for {
		for len(q.queue) == 0 && !q.closed {
			q.cond.Wait()
		}
		if len(q.queue) == 0 {
			return
		}
		ev := q.queue[0]
		q.queue = q.queue[1:]
		q.busy = true
		q.mu.Unlock()
		q.print(ev)
		q.mu.Lock()
		q.busy = false
		q.cond.Broadcast()
	}
}

// flush returns once every event pushed before it has been printed.
func (q *eventQueue) flush() {
	q.mu.Lock()
	for (len(q.queue) > 0 || q.busy) && !q.closed {
		q.cond.Wait()
	}
	q.mu.Unlock()
}

// close prints what is queued, then stops the printer.
func (q *eventQueue) close() {
	q.flush()
	q.mu.Lock()
	q.closed = true
	q.cond.Broadcast()
	q.mu.Unlock()
	<-q.done
}

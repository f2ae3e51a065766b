package server

import (
	"fmt"
	"slices"
	"time"

	"github.com/warrenzk/warren/core/proto"
	"github.com/warrenzk/warren/core/tree"
	"github.com/warrenzk/warren/core/zab"
	"github.com/warrenzk/warren/storage"
)

// request is one client (or server-internal) request in flight.
type request struct {
	conn     *conn // nil for the server's own requests
	session  int64
	xid      int32
	op       proto.Op
	body     proto.Record
	ids      []proto.Id // the connection's identities when the request arrived
	timeout  int32      // createSession: the negotiated timeout in ms
	slot     *slot      // where the reply waits in the connection's FIFO
	internal bool       // expiry and container deletions: no ACL, no session check
	start    time.Time
	size     int // the request frame's length: a hint for encoding its txn
}

// proposal is a request on its way through the pipeline: a txn with its
// zxid, or (txn == nil) a barrier that only keeps its place in line, as
// sync does.
type proposal struct {
	hdr  proto.TxnHeader
	txn  proto.Record
	data []byte // hdr + txn as logged
	req  *request
	done chan struct{} // closed once applied, for shutdown's barrier
	lost bool          // the log could not take it: answer an error, apply nothing

	queued time.Time // when prep handed it to group commit
}

// submit preps r and hands it to the log goroutine. Holding prepMu across
// the channel send keeps pipeline order equal to zxid order.
func (s *Server) submit(r *request) {
	s.zk.prepQueued.Add(1)
	s.prepWaiting.Add(1)
	s.prepMu.Lock()
	defer s.prepMu.Unlock()
	s.zk.prepQueueSize.Add(s.prepWaiting.Add(-1))
	if s.stopping.Load() && !r.internal && r.op != proto.OpCloseSession {
		// Accepted before shutdown began but too late to run.
		if r.slot != nil {
			r.conn.complete(r.slot, nil)
		}
		return
	}
	start := s.cfg.Now() // the clock r.start was read from
	if !r.start.IsZero() {
		s.zk.prepQueueTime.Add(millis(start.Sub(r.start)))
	}
	p := s.prepare(r)
	p.queued = s.cfg.Now()
	took := millis(p.queued.Sub(start))
	s.zk.prepProcessTime.Add(took)
	if r.op == proto.OpCloseSession {
		s.zk.closeSessionPrepTime.Add(took)
	}
	s.proposals <- p
	s.zk.syncQueued.Add(1)
	s.zk.proposalProcessTime.Add(millis(s.cfg.Now().Sub(p.queued)))
}

// prepare turns r into a proposal. Every write takes a zxid, failed ones
// too: their ErrorTxn is logged and replicated as ZooKeeper does.
func (s *Server) prepare(r *request) *proposal {
	p := &proposal{req: r}
	if r.op == proto.OpSync {
		return p
	}
	zxid := s.lastZxid + 1
	now := s.cfg.Now().UnixMilli()
	p.hdr = proto.TxnHeader{ClientID: r.session, Cxid: r.xid, Zxid: zxid, Time: now, Type: r.op}
	var err error
	if m, ok := r.body.(*proto.MultiRequest); ok {
		var mt *proto.MultiTxn
		mt, err = s.multiTxn(r, m, zxid, now)
		p.txn, err = mt, nil // a failed multi is still a multi txn
	} else {
		p.txn, err = s.toTxn(r, r.op, r.body, zxid, now)
	}
	if err != nil {
		if proto.Code(err) == proto.ErrSystemError {
			s.log.Error("prep failed", "op", r.op, "session", fmt.Sprintf("0x%x", r.session), "err", err)
		}
		p.hdr.Type = proto.OpError
		p.txn = &proto.ErrorTxn{Err: proto.Code(err)}
	}
	s.lastZxid = zxid
	// A txn is about its request's size: header fields, path, data, ACL.
	e := proto.NewEncoder(make([]byte, 0, txnHeaderSize+r.size+16))
	p.hdr.Encode(e)
	p.txn.Encode(e)
	p.data = e.Bytes()
	return p
}

// txnHeaderSize is an encoded TxnHeader: clientId, cxid, zxid, time, type.
const txnHeaderSize = 8 + 4 + 8 + 8 + 4

// logLoop is group commit: it takes every proposal waiting, appends them to
// the log, makes them durable with one sync, and passes the committed ones
// to the applier in order.
func (s *Server) logLoop() {
	defer s.loops.Done()
	defer close(s.applies)
	var batch []*proposal
	failing := false // the last batch the log refused; logged when it heals
	for {
		batch = batch[:0]
		select {
		case p := <-s.proposals:
			batch = append(batch, p)
		case zxid := <-s.purgeLog:
			if err := s.txnLog.PurgeBefore(zxid); err != nil {
				s.log.Error("purging the txn log failed", "before_zxid", fmt.Sprintf("%#x", zxid), "err", err)
			}
			continue
		case <-s.quit:
			return
		}
	drain:
		for len(batch) < 4096 {
			select {
			case p := <-s.proposals:
				batch = append(batch, p)
			default:
				break drain
			}
		}
		flush := s.cfg.Now()
		s.zk.syncQueueSize.Add(int64(len(batch) + len(s.proposals)))
		for _, p := range batch {
			s.zk.syncQueueTime.Add(millis(flush.Sub(p.queued)))
		}
		if err := s.logBatch(batch); err != nil {
			s.applies <- s.dropUnlogged(batch, err)
			failing = true
			continue
		}
		if failing && slices.ContainsFunc(batch, func(p *proposal) bool { return p.txn != nil }) {
			failing = false
			s.log.Info("the txn log takes writes again", "last_durable_zxid", fmt.Sprintf("%#x", s.zab.Committed()))
		}
		s.applies <- append([]*proposal(nil), batch...)
		flushed := s.cfg.Now()
		s.zk.syncFlushTime.Add(millis(flushed.Sub(flush)))
		for _, p := range batch {
			s.zk.syncQueueAndFlushTime.Add(millis(flushed.Sub(p.queued)))
		}
	}
}

func (s *Server) logBatch(batch []*proposal) error {
	for _, p := range batch {
		if p.txn == nil {
			continue
		}
		if err := s.zab.Propose(zab.Entry{Zxid: p.hdr.Zxid, Data: p.data}); err != nil {
			return err
		}
	}
	rd := s.zab.Ready()
	if len(rd.Persist) == 0 {
		return nil
	}
	entries := make([]storage.Entry, len(rd.Persist))
	for i, e := range rd.Persist {
		entries[i] = storage.Entry{Zxid: e.Zxid, Data: e.Data}
	}
	start := time.Now()
	if err := s.txnLog.Append(entries...); err != nil {
		return fmt.Errorf("append to txn log: %w", err)
	}
	s.zk.syncProcessTime.Add(millis(time.Since(start)))
	if err := s.txnLog.Sync(); err != nil {
		return fmt.Errorf("sync txn log: %w", err)
	}
	took := time.Since(start)
	s.zk.fsyncTime.Add(millis(took))
	s.zk.syncBatchSize.Add(int64(len(entries)))
	s.stats.syncedTxns.Add(int64(len(entries)))
	s.cfg.Observer.BatchSynced(len(entries), took)
	s.zab.Durable(rd.Persist[len(rd.Persist)-1].Zxid)
	if got := s.zab.Ready(); len(got.Committed) != len(rd.Persist) {
		return fmt.Errorf("zab: committed %d of %d proposals of a single-voter quorum", len(got.Committed), len(rd.Persist))
	}
	return nil
}

// applyLoop applies committed txns in zxid order and completes requests.
// The replies of a batch's writes are handed to their connections at the
// end of the batch (and before anything completed on its own, a barrier
// or a lost write), one lock and one wake-up per connection rather than
// per reply; a connection's replies keep their order. A write with a read
// of its session queued behind it is delivered at once, so that the read
// sees the tree as it was right after that write.
func (s *Server) applyLoop() {
	defer s.loops.Done()
	var replies []reply
	for batch := range s.applies {
		var last, logged int64
		applied := 0
		now := s.cfg.Now().UnixMilli()
		for _, p := range batch {
			switch {
			case p.txn == nil:
				replies = deliver(replies)
				s.completeBarrier(p)
				continue
			case p.lost:
				replies = deliver(replies)
				s.answerLost(p)
				continue
			}
			res := s.tree.Apply(&p.hdr, p.txn)
			s.applySessionEffects(&p.hdr, p.txn, res)
			s.zk.observeApplied(&p.hdr, p.txn, now)
			if rp, ok := s.complete(p, res); ok {
				replies = append(replies, rp)
				if rp.c.queuedReads.Load() > 0 {
					// A read waits behind this write: it must run before
					// the batch's next write applies (a session's requests
					// run in order), so deliver now.
					replies = deliver(replies)
				}
			}
			last = p.hdr.Zxid
			applied++
			logged += int64(len(p.data))
		}
		replies = deliver(replies)
		s.maybeSnapshot(applied, logged)
		if last != 0 {
			s.prepMu.Lock()
			s.prep.forget(last)
			s.prepMu.Unlock()
		}
	}
}

// applySessionEffects keeps the session table in step with session txns.
func (s *Server) applySessionEffects(hdr *proto.TxnHeader, txn proto.Record, res tree.Result) {
	switch hdr.Type {
	case proto.OpCreateSession:
		t := txn.(*proto.CreateSessionTxn)
		s.sessions.add(hdr.ClientID, time.Duration(t.TimeOut)*time.Millisecond)
	case proto.OpCloseSession:
		if c := s.sessions.remove(hdr.ClientID); c != nil {
			// A session closed by expiry: cut its connection so the client
			// learns on reconnect that the session is gone.
			if c.sessionID() == hdr.ClientID && !c.closingSession.Load() {
				c.close("session expired")
			}
		}
	}
}

func (s *Server) completeBarrier(p *proposal) {
	if p.done != nil {
		close(p.done)
	}
	r := p.req
	if r == nil || r.conn == nil {
		return
	}
	path := ""
	if sr, ok := r.body.(*proto.SyncRequest); ok {
		path = sr.Path
	}
	r.conn.complete(r.slot, encodeReply(r.xid, s.tree.LastZxid(), proto.ErrOK, &proto.SyncResponse{Path: path}))
}

// reply is a write's reply on its way to its place in the connection's
// reply order.
type reply struct {
	c     *conn
	slot  *slot
	frame []byte
}

// deliver fills the replies' slots, one connection at a time, and returns
// the emptied slice for reuse.
func deliver(replies []reply) []reply {
	for i := range replies {
		c := replies[i].c
		if c == nil {
			continue // delivered with an earlier one of its connection
		}
		c.mu.Lock()
		for j := i; j < len(replies); j++ {
			if rp := &replies[j]; rp.c == c {
				rp.slot.done, rp.slot.frame = true, rp.frame
				rp.c = nil
			}
		}
		c.drain()
		c.mu.Unlock()
	}
	clear(replies)
	return replies[:0]
}

// complete builds the reply of an applied write (FinalRequestProcessor).
// A plain write's reply is returned for deliver; the session's first and
// last replies are completed at once.
func (s *Server) complete(p *proposal, res tree.Result) (reply, bool) {
	r := p.req
	if r == nil || r.conn == nil {
		return reply{}, false
	}
	c := r.conn
	zxid := p.hdr.Zxid
	s.observeRequest(r, zxid, p.hdr.Type == proto.OpError, true)
	if r.op == proto.OpCreateSession {
		c.sessionCreated(r)
		return reply{}, false
	}
	var (
		body proto.Record
		code = res.Err
	)
	switch {
	case p.hdr.Type == proto.OpError:
		code = p.txn.(*proto.ErrorTxn).Err
	case r.op == proto.OpMulti:
		// Answered err 0 even when an op failed: FinalRequestProcessor
		// takes the reply's code from rc.err for every op but multi, whose
		// per-op errors travel in the results (java-multi seq 7).
		body = multiResponse(res)
		code = proto.ErrOK
	case code != proto.ErrOK:
	case r.op == proto.OpCreate:
		body = &proto.CreateResponse{Path: res.Path}
	case r.op == proto.OpCreate2 || r.op == proto.OpCreateTTL || r.op == proto.OpCreateContainer:
		body = &proto.Create2Response{Path: res.Path, Stat: statOf(res)}
	case r.op == proto.OpSetData:
		body = &proto.SetDataResponse{Stat: statOf(res)}
	case r.op == proto.OpSetACL:
		body = &proto.SetACLResponse{Stat: statOf(res)}
	}
	frame := encodeReply(r.xid, zxid, code, body)
	if r.op == proto.OpCloseSession {
		c.completeAndClose(r.slot, frame)
		return reply{}, false
	}
	return reply{c: c, slot: r.slot, frame: frame}, true
}

func statOf(res tree.Result) proto.Stat {
	if res.Stat == nil {
		return proto.Stat{}
	}
	return *res.Stat
}

// multiResponse maps per-op results as FinalRequestProcessor does.
func multiResponse(res tree.Result) *proto.MultiResponse {
	out := &proto.MultiResponse{Results: make([]proto.MultiResult, 0, len(res.Multi))}
	for _, sub := range res.Multi {
		var mr proto.MultiResult
		switch {
		case sub.Type == proto.OpError || sub.Err != proto.ErrOK:
			mr = proto.MultiResult{Type: proto.OpError, Err: sub.Err, Record: &proto.ErrorResponse{Err: sub.Err}}
		case sub.Type == proto.OpCreate:
			mr = proto.MultiResult{Type: sub.Type, Record: &proto.CreateResponse{Path: sub.Path}}
		case sub.Type == proto.OpCreate2 || sub.Type == proto.OpCreateTTL || sub.Type == proto.OpCreateContainer:
			// OpResult.CreateResult(path, stat) is always of type create2.
			mr = proto.MultiResult{Type: proto.OpCreate2, Record: &proto.Create2Response{Path: sub.Path, Stat: statOf(sub)}}
		case sub.Type == proto.OpSetData:
			mr = proto.MultiResult{Type: sub.Type, Record: &proto.SetDataResponse{Stat: statOf(sub)}}
		default: // delete, deleteContainer, check: no body
			mr = proto.MultiResult{Type: sub.Type}
		}
		out.Results = append(out.Results, mr)
	}
	return out
}

// decodeTxn parses a logged entry: TxnHeader then its record.
func decodeTxn(b []byte) (proto.TxnHeader, proto.Record, error) {
	var hdr proto.TxnHeader
	d := proto.NewDecoder(b)
	hdr.Decode(d)
	rec := proto.TxnRecord(hdr.Type)
	if rec == nil {
		return hdr, nil, fmt.Errorf("unknown txn type %d", hdr.Type)
	}
	rec.Decode(d)
	if err := d.Err(); err != nil {
		return hdr, nil, err
	}
	return hdr, rec, nil
}

// encodeReply encodes a length-prefixed ReplyHeader and optional body.
func encodeReply(xid int32, zxid int64, code proto.Err, body proto.Record) []byte {
	e := proto.NewEncoder(make([]byte, 4, replyCap(code, body)))
	hdr := proto.ReplyHeader{Xid: xid, Zxid: zxid, Err: code}
	hdr.Encode(e)
	if body != nil && (code == proto.ErrOK) {
		body.Encode(e)
	}
	return frameLen(e.Bytes())
}

// Encoded sizes of the records replies are made of.
const (
	replyHeaderSize = 4 + 8 + 4                 // xid, zxid, err
	statSize        = 8*3 + 8*2 + 4*3 + 8 + 4*2 // Stat: 3 zxids, 2 times, 3 versions, owner, 2 counts
)

// replyCap is the size of a reply frame, exact for the common replies, so
// that encoding it allocates once.
func replyCap(code proto.Err, body proto.Record) int {
	n := 4 + replyHeaderSize
	if body == nil || code != proto.ErrOK {
		return n
	}
	switch b := body.(type) {
	case *proto.GetDataResponse:
		return n + 4 + len(b.Data) + statSize
	case *proto.SetDataResponse, *proto.ExistsResponse, *proto.SetACLResponse:
		return n + statSize
	case *proto.CreateResponse:
		return n + 4 + len(b.Path)
	case *proto.Create2Response:
		return n + 4 + len(b.Path) + statSize
	}
	return n + 128
}

// frameLen writes the length prefix into the first four bytes of b.
func frameLen(b []byte) []byte {
	n := len(b) - 4
	b[0], b[1], b[2], b[3] = byte(n>>24), byte(n>>16), byte(n>>8), byte(n)
	return b
}

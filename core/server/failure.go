package server

import (
	"fmt"

	"github.com/warrenzk/warren/core/proto"
	"github.com/warrenzk/warren/core/zab"
)

// When the txn log fails (a full disk, an I/O error) the node neither dies
// nor acknowledges anything it could not make durable. The log falls back to
// its last synced state (storage's contract); dropUnlogged forgets the txns
// prepared past it, and the applier answers their requests with
// SystemError, in order. Reads go on from the tree, and the next write tries
// the log again, so the node heals on its own once space returns.

// dropUnlogged runs on the log goroutine after batch could not be made
// durable. It takes every proposal prepared after the batch too, since each
// was prepared against the projected state of the lost ones, resets zxids
// and the prep overlay to what is durable, and returns the proposals for the
// applier, marked lost.
func (s *Server) dropUnlogged(batch []*proposal, err error) []*proposal {
	s.prepMu.Lock()
	defer s.prepMu.Unlock()
	lost := append([]*proposal(nil), batch...)
	for drained := false; !drained; {
		select {
		case p := <-s.proposals:
			lost = append(lost, p)
		default:
			drained = true
		}
	}
	durable := s.zab.Committed()
	n := 0
	for _, p := range lost {
		if p.txn != nil {
			p.lost = true
			n++
		}
	}
	s.logFailures.Add(1)
	s.log.Error("the txn log failed: writes waiting for it are answered SystemError and not applied; reads go on, and writes resume "+
		"as soon as the log takes them again (check free space and the log device)",
		"err", err, "lost_txns", n, "last_durable_zxid", fmt.Sprintf("%#x", durable))
	s.lastZxid = durable
	s.prep.dropAfter(durable)
	s.zab = zab.NewBroadcast(s.cfg.ServerID, []int64{s.cfg.ServerID}, nil, durable)
	return lost
}

// dropAfter forgets the outstanding changes of txns after zxid, which will
// never be applied.
func (v *prepView) dropAfter(zxid int64) {
	keep := len(v.changes)
	for keep > 0 && v.changes[keep-1].zxid > zxid {
		keep--
	}
	clear(v.changes[keep:])
	v.changes = v.changes[:keep]
	clear(v.byPath)
	for _, c := range v.changes {
		v.byPath[c.path] = c
	}
}

// answerLost answers, on the apply goroutine, a request whose txn was never
// logged, and undoes what its prep did outside the overlay.
func (s *Server) answerLost(p *proposal) {
	r := p.req
	if r == nil {
		return
	}
	if r.op == proto.OpCloseSession {
		// Prep marked the session closing; it lives on, and expires again
		// if its client stays away.
		s.sessions.reopen(r.session)
	}
	if r.conn == nil {
		return
	}
	if r.op == proto.OpCreateSession {
		// The handshake has no error reply: the client sees the connection
		// drop and tries again.
		r.conn.close("txn log failed")
		return
	}
	r.conn.complete(r.slot, encodeReply(r.xid, s.tree.LastZxid(), proto.ErrSystemError, nil))
}

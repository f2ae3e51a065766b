package server

import (
	"math"
	"sync"
	"time"

	"github.com/warrenzk/warren/core/proto"
)

// lastOpNames are the short names ZooKeeper's FinalRequestProcessor gives a
// connection's last operation (cons's lop, the AdminServer's last_operation).
var lastOpNames = map[proto.Op]string{
	proto.OpPing: "PING", proto.OpCreateSession: "SESS", proto.OpMulti: "MULT", proto.OpMultiRead: "MLTR",
	proto.OpCreate: "CREA", proto.OpCreate2: "CREA", proto.OpCreateTTL: "CREA", proto.OpCreateContainer: "CREA",
	proto.OpDelete: "DELE", proto.OpDeleteContainer: "DELE", proto.OpSetData: "SETD", proto.OpReconfig: "RECO",
	proto.OpSetACL: "SETA", proto.OpCloseSession: "CLOS", proto.OpSync: "SYNC", proto.OpCheck: "CHEC",
	proto.OpExists: "EXIS", proto.OpGetData: "GETD", proto.OpSetWatches: "SETW", proto.OpSetWatches2: "STW2",
	proto.OpAddWatch: "ADDW", proto.OpGetACL: "GETA", proto.OpGetChildren: "GETC", proto.OpGetChildren2: "GETC",
	proto.OpGetAllChildrenNumber: "GETACN", proto.OpCheckWatches: "CHKW", proto.OpRemoveWatches: "REMW",
	proto.OpWhoAmI: "HOMI", proto.OpGetEphemerals: "GETE",
}

// connStats are a connection's response statistics as ZooKeeper's
// ServerCnxn keeps them: the last operation, cxid and zxid answered, and
// latencies in whole milliseconds.
type connStats struct {
	mu                    sync.Mutex
	lastOp                string
	lastCxid, lastZxid    int64
	lastResponse          int64 // ms since the epoch
	lastLatency, min, max int64 // ms
	count, totalLatency   int64
}

// connStatsView is a copy of a connection's response statistics.
type connStatsView struct {
	LastOp                                          string
	LastCxid, LastZxid, LastResponse                int64
	LastLatency, MinLatency, AvgLatency, MaxLatency int64
}

func (s *connStats) reset() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.lastOp, s.lastCxid, s.lastZxid, s.lastResponse = "NA", -1, -1, 0
	s.lastLatency, s.min, s.max, s.count, s.totalLatency = 0, math.MaxInt64, 0, 0, 0
}

// responded records a reply (ServerCnxn.updateStatsForResponse). Special
// xids (pings, notifications) do not overwrite the last cxid.
func (s *connStats) responded(op string, xid int32, zxid int64, start, end time.Time) {
	elapsed := end.Sub(start).Milliseconds()
	s.mu.Lock()
	defer s.mu.Unlock()
	if xid >= 0 {
		s.lastCxid = int64(xid)
	}
	s.lastZxid, s.lastOp, s.lastResponse, s.lastLatency = zxid, op, end.UnixMilli(), elapsed
	s.min, s.max = min(s.min, elapsed), max(s.max, elapsed)
	s.count++
	s.totalLatency += elapsed
}

func (s *connStats) get() connStatsView {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := connStatsView{LastOp: s.lastOp, LastCxid: s.lastCxid, LastZxid: s.lastZxid, LastResponse: s.lastResponse,
		LastLatency: s.lastLatency, MaxLatency: s.max}
	if s.min != math.MaxInt64 {
		out.MinLatency = s.min
	}
	if s.count > 0 {
		out.AvgLatency = s.totalLatency / s.count
	}
	return out
}

package server

import (
	"strings"
	"time"

	"github.com/warrenzk/warren/core/proto"
	"github.com/warrenzk/warren/core/stats"
)

// zkMetrics are ZooKeeper 3.8's ServerMetrics, made in the order a
// standalone ZooKeeper 3.8 prints them in mntr, so that Warren's mntr lists
// the same keys in the same order and the exporter finds every series
// ZooKeeper's Prometheus provider has. The named ones measure what they
// measure in ZooKeeper, at the matching place in Warren's pipeline (prep →
// group commit → apply, as PrepRequestProcessor → SyncRequestProcessor →
// FinalRequestProcessor). The rest are registered and stay at zero, as they
// do on a standalone ZooKeeper or one with default settings: their
// mechanism is one Warren's standalone node does not have (see
// zeroCounters and zeroSummaries).
type zkMetrics struct {
	reg stats.Registry

	watchBytes            *stats.Counter // notification bytes
	changesRemoved        *stats.Counter // prep overlay records dropped once applied
	connectionRejected    *stats.Counter // over maxClientCnxns
	sessionlessExpired    *stats.Counter // connections closed idle before their ConnectRequest
	connectionDrops       *stats.Counter // connections the client closed under a read
	bytesReceived         *stats.Counter // length prefixes and frames read
	prepQueued            *stats.Counter // requests handed to prep (writes, sync)
	connectionRequests    *stats.Counter // ConnectRequests read
	responseBytes         *stats.Counter // reply bytes, length prefix excluded
	connectionRevalidates *stats.Counter // ConnectRequests that reattach a session
	staleSessionsExpired  *stats.Counter // sessions expired
	syncQueued            *stats.Counter // proposals handed to group commit
	changesQueued         *stats.Counter // prep overlay records added

	proposalProcessTime   *stats.Summary // ms handing a prepared proposal to group commit
	nodeCreatedWatchers   *stats.Summary // watchers one NodeCreated fired
	nodeDeletedWatchers   *stats.Summary
	startupTxnsLoadTime   *stats.Summary // ms replaying the log at start
	syncQueueSize         *stats.Summary // proposals waiting when group commit takes a batch
	prepQueueSize         *stats.Summary // requests waiting for prep when one starts
	fsyncTime             *stats.Summary // ms appending and syncing one batch
	snapshotTime          *stats.Summary // ms writing one snapshot
	startupTxnsLoaded     *stats.Summary // txns replayed at start
	prepProcessTime       *stats.Summary // ms preparing one request
	dbInitTime            *stats.Summary // ms loading snapshot and log at start
	syncBatchSize         *stats.Summary // txns per group commit
	nodeChildrenWatchers  *stats.Summary
	nodeChangedWatchers   *stats.Summary
	syncProcessTime       *stats.Summary // ms appending one batch, before its sync
	startupSnapLoadTime   *stats.Summary // ms loading the snapshot at start
	prepQueueTime         *stats.Summary // ms from reading a request to its prep
	closeSessionPrepTime  *stats.Summary // ms preparing a closeSession
	updateLatency         *stats.Summary // ms from reading a write to answering it
	readLatency           *stats.Summary // ms from reading a read (or ping) to answering it
	syncQueueAndFlushTime *stats.Summary // ms from prep to durable
	propagationLatency    *stats.Summary // ms from a txn's time to its apply
	syncQueueTime         *stats.Summary // ms from prep to group commit taking it
	syncFlushTime         *stats.Summary // ms to make one batch durable and pass it on

	readPerNamespace  *stats.SummarySet // bytes read, by a path's first component
	writePerNamespace *stats.SummarySet // bytes written, likewise
}

// zeroCounters are ServerMetrics counters of mechanisms a standalone Warren
// node does not have: replication (proposals, learners, DIFF/SNAP, ensemble
// auth, revalidation, elections), the request throttler and stale-request
// checks (off by default in ZooKeeper), large-request limits (off by
// default), the response cache, the optimized watch manager's dead-watcher
// cleaner (not ZooKeeper's default), digests, TLS (Warren's transports have
// no TLS yet), an AdminServer port shared by HTTP and HTTPS, and fatal
// errors (Warren exits on one). Each name keeps its place in mntr's order.
var zeroCounters = map[string]bool{
	"proposal_count": true, "throttled_ops": true, "stale_requests_dropped": true,
	"large_requests_rejected": true, "insecure_admin_count": true,
	"cnxn_closed_without_zk_server_running": true, "looking_count": true,
	"dead_watchers_queued": true, "stale_requests": true,
	"learner_proposal_received_count": true, "digest_mismatches_count": true,
	"dead_watchers_cleared": true, "response_packet_cache_hits": true,
	"add_dead_watcher_stall_time": true, "request_throttle_wait_count": true,
	"requests_not_forwarded_to_commit_processor": true,
	"response_packet_cache_misses":               true, "ensemble_auth_success": true,
	"learner_commit_received_count": true, "stale_replies": true,
	"ensemble_auth_fail": true, "diff_count": true,
	"response_packet_get_children_cache_misses": true,
	"quit_leading_due_to_disloyal_voter":        true, "snap_count": true,
	"unrecoverable_error_count": true, "unsuccessful_handshake": true,
	"commit_count": true, "response_packet_get_children_cache_hits": true,
	"request_commit_queued": true, "ensemble_auth_skip": true,
	"skip_learner_request_to_next_processor_count": true,
	"tls_handshake_exceeded":                       true, "revalidate_count": true,
}

// zeroSummaries are ServerMetrics summaries of mechanisms a standalone
// Warren node does not have, for the reasons of zeroCounters, plus the
// CommitProcessor and its session queues (a standalone ZooKeeper has none
// either), quorum sockets, the connection throttle, Netty's buffers and the
// JVM pause monitor (off by default).
var zeroSummaries = map[string]bool{
	"socket_closing_time": true, "leader_unavailable_time": true,
	"session_queues_drained": true, "write_commit_proc_req_queued": true,
	"connection_token_deficit": true, "read_commit_proc_req_queued": true,
	"follower_sync_time": true, "inflight_snap_count": true,
	"reads_issued_from_session_queue":      true,
	"learner_request_processor_queue_size": true, "unavailable_time": true,
	"reads_after_write_in_session_queue": true, "requests_in_session_queue": true,
	"write_commit_proc_issued": true, "pending_session_queue_size": true,
	"time_waiting_empty_pool_in_commit_processor_read_ms": true,
	"commit_process_time": true, "inflight_diff_count": true,
	"netty_queued_buffer_capacity": true, "election_time": true,
	"commit_commit_proc_req_queued":        true,
	"write_batch_time_in_commit_processor": true, "read_commit_proc_issued": true,
	"concurrent_request_processing_in_commit_processor": true,
	"observer_sync_time": true, "jvm_pause_time_ms": true,
	"read_commitproc_time_ms": true, "local_write_committed_time_ms": true,
	"request_throttle_queue_time_ms": true, "quorum_ack_latency": true,
	"om_commit_process_time_ms": true, "read_final_proc_time_ms": true,
	"commit_propagation_latency": true, "dead_watchers_cleaner_latency": true,
	"write_final_proc_time_ms": true, "proposal_ack_creation_latency": true,
	"proposal_latency": true, "om_proposal_process_time_ms": true,
	"server_write_committed_time_ms": true, "write_commitproc_time_ms": true,
}

// zkCounterOrder and zkSummaryOrder are the order of ZooKeeper 3.8's mntr.
// Each summary is Advanced (with percentiles) or not, as ServerMetrics
// declares it.
var zkCounterOrder = strings.Fields(`proposal_count watch_bytes
	outstanding_changes_removed throttled_ops stale_requests_dropped
	large_requests_rejected insecure_admin_count connection_rejected
	cnxn_closed_without_zk_server_running sessionless_connections_expired
	looking_count dead_watchers_queued stale_requests connection_drop_count
	learner_proposal_received_count digest_mismatches_count
	dead_watchers_cleared response_packet_cache_hits bytes_received_count
	add_dead_watcher_stall_time request_throttle_wait_count
	requests_not_forwarded_to_commit_processor response_packet_cache_misses
	ensemble_auth_success prep_processor_request_queued
	learner_commit_received_count stale_replies connection_request_count
	response_bytes ensemble_auth_fail diff_count
	response_packet_get_children_cache_misses connection_revalidate_count
	quit_leading_due_to_disloyal_voter snap_count unrecoverable_error_count
	unsuccessful_handshake commit_count stale_sessions_expired
	response_packet_get_children_cache_hits sync_processor_request_queued
	outstanding_changes_queued request_commit_queued ensemble_auth_skip
	skip_learner_request_to_next_processor_count tls_handshake_exceeded
	revalidate_count`)

var zkSummaryOrder = strings.Fields(`socket_closing_time proposal_process_time
	leader_unavailable_time node_created_watch_count session_queues_drained
	write_commit_proc_req_queued connection_token_deficit
	read_commit_proc_req_queued node_deleted_watch_count startup_txns_load_time
	sync_processor_queue_size follower_sync_time prep_processor_queue_size
	fsynctime inflight_snap_count reads_issued_from_session_queue
	learner_request_processor_queue_size snapshottime unavailable_time
	startup_txns_loaded reads_after_write_in_session_queue
	requests_in_session_queue write_commit_proc_issued prep_process_time
	pending_session_queue_size
	time_waiting_empty_pool_in_commit_processor_read_ms commit_process_time
	dbinittime inflight_diff_count netty_queued_buffer_capacity election_time
	commit_commit_proc_req_queued sync_processor_batch_size
	node_children_watch_count write_batch_time_in_commit_processor
	read_commit_proc_issued concurrent_request_processing_in_commit_processor
	observer_sync_time node_changed_watch_count sync_process_time
	startup_snap_load_time
	prep_processor_queue_time_ms:A jvm_pause_time_ms:A close_session_prep_time:A
	read_commitproc_time_ms:A updatelatency:A local_write_committed_time_ms:A
	request_throttle_queue_time_ms:A readlatency:A quorum_ack_latency:A
	om_commit_process_time_ms:A read_final_proc_time_ms:A
	commit_propagation_latency:A dead_watchers_cleaner_latency:A
	write_final_proc_time_ms:A proposal_ack_creation_latency:A
	proposal_latency:A om_proposal_process_time_ms:A
	sync_processor_queue_and_flush_time_ms:A propagation_latency:A
	server_write_committed_time_ms:A sync_processor_queue_time_ms:A
	sync_processor_queue_flush_time_ms:A write_commitproc_time_ms:A`)

func newZKMetrics() *zkMetrics {
	m := &zkMetrics{}
	counters := map[string]**stats.Counter{
		"watch_bytes":                     &m.watchBytes,
		"outstanding_changes_removed":     &m.changesRemoved,
		"connection_rejected":             &m.connectionRejected,
		"sessionless_connections_expired": &m.sessionlessExpired,
		"connection_drop_count":           &m.connectionDrops,
		"bytes_received_count":            &m.bytesReceived,
		"prep_processor_request_queued":   &m.prepQueued,
		"connection_request_count":        &m.connectionRequests,
		"response_bytes":                  &m.responseBytes,
		"connection_revalidate_count":     &m.connectionRevalidates,
		"stale_sessions_expired":          &m.staleSessionsExpired,
		"sync_processor_request_queued":   &m.syncQueued,
		"outstanding_changes_queued":      &m.changesQueued,
	}
	for _, name := range zkCounterOrder {
		c := m.reg.Counter(name)
		if field, ok := counters[name]; ok {
			*field = c
		} else if !zeroCounters[name] {
			panic("server: ServerMetrics counter " + name + " is neither measured nor listed as zero")
		}
	}
	summaries := map[string]**stats.Summary{
		"proposal_process_time":                  &m.proposalProcessTime,
		"node_created_watch_count":               &m.nodeCreatedWatchers,
		"node_deleted_watch_count":               &m.nodeDeletedWatchers,
		"startup_txns_load_time":                 &m.startupTxnsLoadTime,
		"sync_processor_queue_size":              &m.syncQueueSize,
		"prep_processor_queue_size":              &m.prepQueueSize,
		"fsynctime":                              &m.fsyncTime,
		"snapshottime":                           &m.snapshotTime,
		"startup_txns_loaded":                    &m.startupTxnsLoaded,
		"prep_process_time":                      &m.prepProcessTime,
		"dbinittime":                             &m.dbInitTime,
		"sync_processor_batch_size":              &m.syncBatchSize,
		"node_children_watch_count":              &m.nodeChildrenWatchers,
		"node_changed_watch_count":               &m.nodeChangedWatchers,
		"sync_process_time":                      &m.syncProcessTime,
		"startup_snap_load_time":                 &m.startupSnapLoadTime,
		"prep_processor_queue_time_ms":           &m.prepQueueTime,
		"close_session_prep_time":                &m.closeSessionPrepTime,
		"updatelatency":                          &m.updateLatency,
		"readlatency":                            &m.readLatency,
		"sync_processor_queue_and_flush_time_ms": &m.syncQueueAndFlushTime,
		"propagation_latency":                    &m.propagationLatency,
		"sync_processor_queue_time_ms":           &m.syncQueueTime,
		"sync_processor_queue_flush_time_ms":     &m.syncFlushTime,
	}
	for _, spec := range zkSummaryOrder {
		name, advanced := strings.CutSuffix(spec, ":A")
		level := stats.Basic
		if advanced {
			level = stats.Advanced
		}
		s := m.reg.Summary(name, level)
		if field, ok := summaries[name]; ok {
			*field = s
		} else if !zeroSummaries[name] {
			panic("server: ServerMetrics summary " + name + " is neither measured nor listed as zero")
		}
	}
	m.readPerNamespace = m.reg.SummarySet("read_per_namespace", stats.Basic)
	m.writePerNamespace = m.reg.SummarySet("write_per_namespace", stats.Basic)
	return m
}

// statOverheadBytes is what DataTree adds to a read for its Stat: six longs
// and five ints.
const statOverheadBytes = 6*8 + 5*4

// topNamespace is a path's first component ("a" for /a/b), as
// PathUtils.getTopNamespace; "" for the root.
func topNamespace(path string) string {
	ns := strings.TrimPrefix(path, "/")
	if i := strings.IndexByte(ns, '/'); i >= 0 {
		ns = ns[:i]
	}
	return ns
}

// observeRead counts a read of path that returned n bytes of data or child
// names, as DataTree.updateReadStat.
func (m *zkMetrics) observeRead(path string, n int) {
	if ns := topNamespace(path); ns != "" {
		m.readPerNamespace.Add(ns, int64(len(path)+n+statOverheadBytes))
	}
}

// observeWrite counts a create, delete or setData of path with n bytes of
// data, as DataTree.updateWriteStat.
func (m *zkMetrics) observeWrite(path string, n int) {
	if ns := topNamespace(path); ns != "" {
		m.writePerNamespace.Add(ns, int64(len(path)+n))
	}
}

// observeApplied counts a txn applied at now (ms since the epoch): how long
// after prep stamped it (FinalRequestProcessor's propagation_latency) and
// the bytes it wrote by namespace (DataTree.updateWriteStat).
func (m *zkMetrics) observeApplied(hdr *proto.TxnHeader, txn proto.Record, now int64) {
	if d := now - hdr.Time; d >= 0 {
		m.propagationLatency.Add(d)
	}
	m.observeTxnWrites(txn)
}

func (m *zkMetrics) observeTxnWrites(txn proto.Record) {
	switch t := txn.(type) {
	case *proto.CreateTxn:
		m.observeWrite(t.Path, len(t.Data))
	case *proto.CreateContainerTxn:
		m.observeWrite(t.Path, len(t.Data))
	case *proto.CreateTTLTxn:
		m.observeWrite(t.Path, len(t.Data))
	case *proto.DeleteTxn:
		m.observeWrite(t.Path, 0)
	case *proto.SetDataTxn:
		m.observeWrite(t.Path, len(t.Data))
	case *proto.MultiTxn:
		// A failed multi writes nothing; a multi is rare enough that
		// decoding its txns a second time costs little.
		for _, sub := range t.Txns {
			if sub.Type == proto.OpError {
				return
			}
		}
		for _, sub := range t.Txns {
			if rec := proto.TxnRecord(sub.Type); rec != nil {
				d := proto.NewDecoder(sub.Data)
				if rec.Decode(d); d.Err() == nil {
					m.observeTxnWrites(rec)
				}
			}
		}
	}
}

// observeReply counts a reply frame (not a notification, nor a connect
// response) for mntr's response sizes and response_bytes.
func (s *Server) observeReply(frame []byte) {
	s.stats.observeResponse(len(frame))
	s.zk.responseBytes.Add(int64(len(frame) - 4))
}

// watchersFired is the watch manager's report of one event's watchers.
func (m *zkMetrics) watchersFired(typ proto.EventType, n int) {
	switch typ {
	case proto.EventNodeCreated:
		m.nodeCreatedWatchers.Add(int64(n))
	case proto.EventNodeDeleted:
		m.nodeDeletedWatchers.Add(int64(n))
	case proto.EventNodeDataChanged:
		m.nodeChangedWatchers.Add(int64(n))
	case proto.EventNodeChildrenChanged:
		m.nodeChildrenWatchers.Add(int64(n))
	}
}

// resetStats is srst: ServerStats and ServerMetrics both.
func (s *Server) resetStats() {
	s.stats.reset()
	s.zk.reg.Reset()
}

// millis is d in whole milliseconds, the unit of ZooKeeper's timings.
func millis(d time.Duration) int64 { return d.Milliseconds() }

// Package zab is the ZooKeeper Atomic Broadcast state machine: it orders
// proposals, counts acknowledgements and decides commits, and owns no
// goroutine, socket, file or clock. Callers feed it inputs (a proposal, an
// ACK, "these entries are durable") and drain its outputs with Ready, in the
// manner of etcd's raft Ready loop; the node runtime in core/server pumps it.
//
// This package holds the broadcast phase (phase 3 of ZAB). A standalone node
// runs it as the leader of a single-voter quorum, so that its writes take the
// same propose → log → commit → apply path a replicated ensemble takes.
// Election, discovery and synchronisation join it when replication lands.
package zab

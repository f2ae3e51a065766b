// Package wal is Warren's default storage backend, registered as "wal": a
// write-ahead transaction log in preallocated segment files and snapshots as
// checksummed files, laid out as ZooKeeper lays out its dataLogDir and
// dataDir.
//
//	<LogDir or DataDir>/LOCK
//	<LogDir or DataDir>/wal/log.<first zxid, 16 hex digits>
//	<DataDir>/LOCK
//	<DataDir>/snapshots/snapshot.<zxid, 16 hex digits>.<commit sequence>
//
// A segment is a 32-byte header (magic, format version, the zxid of the
// entry before the segment) followed by records: length, crc32c, the offset
// where the write that carried the record began, zxid, data. Zeros end the
// written part of a segment; the rest is preallocated space. The exact
// format, what recovery repairs and what it refuses, and the options are in
// docs/storage-wal.md.
//
// Append only encodes entries into a buffer; Sync writes the buffer with one
// write per segment it touches and fdatasyncs, so the caller's group commit
// (many Appends, one Sync) costs one write and one fsync. A failed Sync
// truncates the segment back to what the previous Sync made durable.
//
// ReadLogDir and OpenSnapshotFile read a data directory without opening a
// backend, for tools.
package wal

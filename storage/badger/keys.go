package badger

import "encoding/binary"

// Keys of the log DB.
//
//	'e' zxid(8, big-endian)  prev zxid(8), then the entry's txn bytes
//	"m/floor"                zxid(8) of the newest purged entry
//	"m/last"                 zxid(8) of the newest entry as of the last Sync
//	                         or TruncateAfter
//
// Zxids are positive (Append refuses 0 and below), so big-endian keys sort
// in zxid order and a prefix scan walks the log.
const entryPrefix = 'e'

var (
	floorKey = []byte("m/floor")
	lastKey  = []byte("m/last")
)

func entryKey(zxid int64) []byte {
	k := make([]byte, 9)
	k[0] = entryPrefix
	binary.BigEndian.PutUint64(k[1:], uint64(zxid))
	return k
}

func entryZxid(key []byte) int64 { return int64(binary.BigEndian.Uint64(key[1:])) }

// entryValue is how an entry is stored: the zxid of the entry before it (0
// for the first, the newest purged one after a purge), then its data. The
// link lets a reader notice an entry Badger skipped: its iterators end a
// table at a block that fails its checksum, without reporting an error.
func entryValue(prev int64, data []byte) []byte {
	v := make([]byte, 8, 8+len(data))
	binary.BigEndian.PutUint64(v, uint64(prev))
	return append(v, data...)
}

// zxidValue encodes a zxid as the meta keys hold it.
func zxidValue(z int64) []byte { return binary.BigEndian.AppendUint64(nil, uint64(z)) }

// Keys of the snapshot DB; id numbers a snapshot from its Create.
//
//	'm' id(8)           the snapshot's meta record (see snapMeta)
//	'c' id(8) index(4)  chunk index of its stream
//
// The meta record is written at Create (uncommitted) and rewritten, committed,
// in the same transaction as the last chunk.
const (
	metaPrefix  = 'm'
	chunkPrefix = 'c'
)

func metaKey(id uint64) []byte {
	k := make([]byte, 9)
	k[0] = metaPrefix
	binary.BigEndian.PutUint64(k[1:], id)
	return k
}

func chunksKey(id uint64) []byte {
	k := make([]byte, 9, 13)
	k[0] = chunkPrefix
	binary.BigEndian.PutUint64(k[1:], id)
	return k
}

func chunkKey(id uint64, index uint32) []byte {
	return binary.BigEndian.AppendUint32(chunksKey(id), index)
}

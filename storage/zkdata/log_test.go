package zkdata

import (
	"bytes"
	"encoding/binary"
	"errors"
	"hash/adler32"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/warrenzk/warren/core/proto"
)

// txnBytes is a logged setData txn with the given zxid.
func txnBytes(zxid int64) []byte {
	e := proto.NewEncoder(nil)
	(&proto.TxnHeader{ClientID: 7, Cxid: 1, Zxid: zxid, Time: 1, Type: proto.OpSetData}).Encode(e)
	(&proto.SetDataTxn{Path: "/a", Data: []byte("x"), Version: int32(zxid)}).Encode(e)
	return e.Bytes()
}

// logFile builds a log file: the header, then the records.
func logFile(records ...[]byte) []byte {
	b := []byte("ZKLG\x00\x00\x00\x02\x00\x00\x00\x00\x00\x00\x00\x00")
	for _, r := range records {
		b = append(b, r...)
	}
	return b
}

// record frames txn as FileTxnLog.append does.
func record(txn []byte) []byte {
	b := binary.BigEndian.AppendUint64(nil, uint64(adler32.Checksum(txn)))
	b = binary.BigEndian.AppendUint32(b, uint32(len(txn)))
	b = append(b, txn...)
	return append(b, 'B')
}

func readAll(t *testing.T, b []byte) (zxids []int64, torn string, err error) {
	t.Helper()
	l, err := NewLogReader(bytes.NewReader(b), "log.1")
	if err != nil {
		return nil, "", err
	}
	for e, ok := l.Next(); ok; e, ok = l.Next() {
		zxids = append(zxids, e.Zxid)
	}
	if l.Next(); l.Err() != err && l.Err() == nil {
		t.Error("Next after the end changed Err")
	}
	return zxids, l.Torn(), l.Err()
}

func TestLogReader(t *testing.T) {
	r1, r2 := record(txnBytes(1)), record(txnBytes(2))
	full := logFile(r1, r2)
	badSum := slices.Clone(r2)
	badSum[7] ^= 1
	badData := slices.Clone(r2)
	badData[20] ^= 1
	noB := slices.Clone(r2)
	noB[len(noB)-1] = 0
	short := record([]byte("short"))
	negative := slices.Clone(r2)
	copy(negative[8:], []byte{0xff, 0xff, 0xff, 0xfe})
	tests := []struct {
		name  string
		file  []byte
		zxids []int64
		torn  string // substring; "" means a clean end
		err   string // substring; "" means no error
	}{
		{"clean end", full, []int64{1, 2}, "", ""},
		{"preallocated zeros", append(slices.Clone(full), make([]byte, 4096)...), []int64{1, 2}, "", ""},
		{"header only", logFile(), nil, "", ""},
		{"empty file", nil, nil, "", ""},
		{"torn in checksum", full[:len(full)-len(r2)+5], []int64{1}, "5 bytes into the record at offset", ""},
		{"torn in length", full[:len(full)-len(r2)+10], []int64{1}, "10 bytes into the record", ""},
		{"torn in txn", full[:len(full)-10], []int64{1}, "into the 47-byte txn at offset 76", ""},
		{"no end mark", full[:len(full)-1], []int64{1}, "no end-of-record mark", ""},
		{"partial end mark", logFile(r1, noB, r1), []int64{1}, "not 'B'", ""},
		{"zero length ends", logFile(r1, make([]byte, 12), r2), []int64{1}, "", ""},
		{"checksum mismatch", logFile(r1, badSum, r1), []int64{1}, "", "record at offset 76: checksum"},
		{"damaged txn", logFile(r1, badData), []int64{1}, "", "log.1: record at offset 76: checksum"},
		{"negative length", logFile(r1, negative), []int64{1}, "", "record length -2"},
		{"txn too short", logFile(r1, short), []int64{1}, "", "shorter than a txn header"},
		{"short header", full[:10], nil, "", "header cut short at 10 bytes"},
		{"snapshot", append([]byte("ZKSN"), full[4:]...), nil, "", "magic 0x5a4b534e is not a txn log's"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			zxids, torn, err := readAll(t, tc.file)
			if !slices.Equal(zxids, tc.zxids) {
				t.Errorf("zxids %v, want %v", zxids, tc.zxids)
			}
			if tc.torn == "" && torn != "" || !strings.Contains(torn, tc.torn) {
				t.Errorf("torn %q, want %q", torn, tc.torn)
			}
			switch {
			case tc.err == "" && err != nil:
				t.Errorf("error %v", err)
			case tc.err != "" && (!errors.Is(err, ErrCorrupt) || !strings.Contains(err.Error(), tc.err)):
				t.Errorf("error %v, want ErrCorrupt containing %q", err, tc.err)
			}
		})
	}
}

// A huge length in a damaged record must not allocate what it claims.
func TestLogReaderHugeLength(t *testing.T) {
	r := record(txnBytes(1))
	copy(r[8:], []byte{0x7f, 0xff, 0xff, 0xff})
	zxids, torn, err := readAll(t, logFile(r))
	if len(zxids) != 0 || err != nil || !strings.Contains(torn, "2147483647-byte txn") {
		t.Errorf("zxids %v torn %q err %v", zxids, torn, err)
	}
}

// A torn tail ends its file only: ZooKeeper goes on with the next one.
func TestReadLogsTornMiddleFile(t *testing.T) {
	dir := t.TempDir()
	write := func(name string, b []byte) File {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
		return File{Path: p}
	}
	torn := logFile(record(txnBytes(1)), record(txnBytes(2)))
	files := []File{
		write("log.1", torn[:len(torn)-3]),
		write("log.3", logFile(record(txnBytes(3)))),
	}
	it := ReadLogs(files, 0)
	defer it.Close()
	var zxids []int64
	for e, ok := it.Next(); ok; e, ok = it.Next() {
		zxids = append(zxids, e.Zxid)
	}
	if it.Err() != nil || !slices.Equal(zxids, []int64{1, 3}) {
		t.Errorf("zxids %v, err %v", zxids, it.Err())
	}
	if got := it.Torn(); len(got) != 1 || !strings.Contains(got[0], "log.1: the file ends") {
		t.Errorf("torn %v", got)
	}

	bad := logFile(record(txnBytes(4)))
	bad[len(bad)-3] ^= 1
	files = append(files, write("log.4", bad), write("log.5", logFile(record(txnBytes(5)))))
	it = ReadLogs(files, 0)
	defer it.Close()
	zxids = nil
	for e, ok := it.Next(); ok; e, ok = it.Next() {
		zxids = append(zxids, e.Zxid)
	}
	if !errors.Is(it.Err(), ErrCorrupt) || !strings.Contains(it.Err().Error(), "log.4") || !slices.Equal(zxids, []int64{1, 3}) {
		t.Errorf("zxids %v, err %v", zxids, it.Err())
	}

	it = ReadLogs([]File{{Path: filepath.Join(dir, "missing")}}, 0)
	if _, ok := it.Next(); ok || it.Err() == nil {
		t.Errorf("missing file: err %v", it.Err())
	}
}

package proto

import (
	"bytes"
	"errors"
	"runtime"
	"testing"
)

func TestBufferNullEmptyAndLengths(t *testing.T) {
	tests := []struct {
		name    string
		in      []byte
		want    []byte
		wantNil bool
		err     error
	}{
		{"null", join(int32(-1)), nil, true, nil},
		{"empty", join(int32(0)), []byte{}, false, nil},
		{"three bytes", join(int32(3), []byte("abc")), []byte("abc"), false, nil},
		{"negative length", join(int32(-2)), nil, true, ErrBadLength},
		{"most negative", join(int32(-1 << 31)), nil, true, ErrBadLength},
		{"longer than input", join(int32(4), []byte("abc")), nil, true, ErrShortBuffer},
		{"huge length", join(int32(0x7fffffff)), nil, true, ErrShortBuffer},
		{"no length", []byte{0, 0}, nil, true, ErrShortBuffer},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := NewDecoder(tt.in)
			got := d.Buffer()
			if !errors.Is(d.Err(), tt.err) || (tt.err == nil) != (d.Err() == nil) {
				t.Fatalf("err = %v, want %v", d.Err(), tt.err)
			}
			if (got == nil) != tt.wantNil || !bytes.Equal(got, tt.want) {
				t.Fatalf("got %#v, want %#v", got, tt.want)
			}
			if tt.err == nil {
				var e Encoder
				e.Buffer(got)
				if !bytes.Equal(e.Bytes(), tt.in) {
					t.Fatalf("re-encoded %x, want %x", e.Bytes(), tt.in)
				}
			}
		})
	}
}

func TestStringNullReadsEmpty(t *testing.T) {
	d := NewDecoder(join(int32(-1), int32(0), int32(2), []byte("/a")))
	for _, want := range []string{"", "", "/a"} {
		if got := d.String(); got != want || d.Err() != nil {
			t.Fatalf("String() = %q, %v; want %q", got, d.Err(), want)
		}
	}
	d = NewDecoder(join(int32(-7)))
	if s := d.String(); s != "" || !errors.Is(d.Err(), ErrBadLength) {
		t.Fatalf("negative string length: %q, err = %v", s, d.Err())
	}
}

func TestVectorsNullEmptyHuge(t *testing.T) {
	// Null and empty survive a round trip as nil and non-nil empty.
	for _, in := range [][]byte{join(int32(-1)), join(int32(0))} {
		d := NewDecoder(in)
		v := d.Strings()
		if d.Err() != nil || (v == nil) != (int32(in[3]) == 0xff) {
			t.Fatalf("Strings(%x) = %#v, %v", in, v, d.Err())
		}
		var e Encoder
		e.Strings(v)
		if !bytes.Equal(e.Bytes(), in) {
			t.Fatalf("re-encoded %x, want %x", e.Bytes(), in)
		}
		d = NewDecoder(in)
		acl := DecodeACLs(d)
		e.Reset()
		EncodeACLs(&e, acl)
		if d.Err() != nil || !bytes.Equal(e.Bytes(), in) {
			t.Fatalf("ACLs %x: %#v, %v, re-encoded %x", in, acl, d.Err(), e.Bytes())
		}
	}

	// A count the remaining bytes cannot hold fails before allocating.
	huge := map[string]func(*Decoder){
		"strings":  func(d *Decoder) { d.Strings() },
		"acls":     func(d *Decoder) { DecodeACLs(d) },
		"ids":      func(d *Decoder) { DecodeIds(d) },
		"multiTxn": func(d *Decoder) { (&MultiTxn{}).Decode(d) },
		"whoAmI":   func(d *Decoder) { (&WhoAmIResponse{}).Decode(d) },
	}
	for name, decode := range huge {
		for _, n := range []int32{0x7fffffff, 1 << 20, 3, -2, -1 << 31} {
			in := join(n, make([]byte, 8))
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			d := NewDecoder(in)
			decode(d)
			runtime.ReadMemStats(&after)
			if !errors.Is(d.Err(), ErrBadLength) {
				t.Errorf("%s with count %d: err = %v, want ErrBadLength", name, n, d.Err())
			}
			if grew := after.TotalAlloc - before.TotalAlloc; grew > 1<<16 {
				t.Errorf("%s with count %d allocated %d bytes", name, n, grew)
			}
		}
	}
}

func TestDecoderErrorsAreSticky(t *testing.T) {
	d := NewDecoder([]byte{0, 0, 0, 1, 9})
	if d.Int() != 1 || d.Long() != 0 || !errors.Is(d.Err(), ErrShortBuffer) {
		t.Fatalf("want a short-buffer error, got %v", d.Err())
	}
	if d.Bool() || d.Int() != 0 || d.Buffer() != nil || d.String() != "" {
		t.Fatal("reads after an error must return zero values")
	}
	if d.Offset() != 4 {
		t.Fatalf("offset %d after the failed read, want 4", d.Offset())
	}
	d.Fail(ErrBadLength)
	if !errors.Is(d.Err(), ErrShortBuffer) {
		t.Fatal("Fail must keep the first error")
	}
}

func TestBoolReadsAnyNonZeroAsTrue(t *testing.T) {
	d := NewDecoder([]byte{0, 1, 2, 0xff})
	for _, want := range []bool{false, true, true, true} {
		if got := d.Bool(); got != want {
			t.Fatalf("Bool() = %v, want %v", got, want)
		}
	}
}

func TestUnmarshalRefusesTrailingBytes(t *testing.T) {
	b := append(Marshal(&SyncRequest{Path: "/"}), 0)
	if err := Unmarshal(b, &SyncRequest{}); err == nil {
		t.Fatal("want an error for a trailing byte")
	}
	if err := Unmarshal(b[:len(b)-1], &SyncRequest{}); err != nil {
		t.Fatal(err)
	}
}

func TestConnectRequestOptionalReadOnly(t *testing.T) {
	full := &ConnectRequest{TimeOut: 10000, Passwd: make([]byte, 16), ReadOnly: true, HasReadOnly: true}
	short := &ConnectRequest{TimeOut: 10000, Passwd: make([]byte, 16)}
	if n := len(Marshal(full)); n != 45 {
		t.Fatalf("full ConnectRequest is %d bytes, want 45", n)
	}
	if n := len(Marshal(short)); n != 44 {
		t.Fatalf("ConnectRequest without readOnly is %d bytes, want 44", n)
	}
	for _, r := range []*ConnectRequest{full, short} {
		var got ConnectRequest
		if err := Unmarshal(Marshal(r), &got); err != nil || got.HasReadOnly != r.HasReadOnly || got.ReadOnly != r.ReadOnly {
			t.Fatalf("round trip of %+v gave %+v, %v", r, got, err)
		}
	}
	resp := &ConnectResponse{TimeOut: 4000, Passwd: make([]byte, 16)}
	if n := len(Marshal(resp)); n != 36 {
		t.Fatalf("ConnectResponse without readOnly is %d bytes, want 36", n)
	}
}

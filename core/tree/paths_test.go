package tree

import (
	"strings"
	"testing"
)

func TestValidatePath(t *testing.T) {
	tests := []struct {
		path string
		want string // substring of the error; "" means valid
	}{
		{"/", ""},
		{"/a", ""},
		{"/a/b/c", ""},
		{"/a.b", ""},
		{"/.a", ""},
		{"/a.", ""},
		{"/..a", ""},
		{"/a..", ""},
		{"/...", ""},
		{"/a/.../b", ""},
		{"/zookeeper_limits", ""},
		{"/ ", ""},
		{"/é", ""},            // U+00E9
		{"/\u00a0", ""},       // first character past the C1 controls
		{"/\u4e2d\u6587", ""}, // CJK
		{"/\uf900", ""},       // just past the private-use area
		{"/\uffef", ""},       // just below the specials
		{"", "length must be > 0"},
		{"a", "must start with /"},
		{"noslash/x", "must start with /"},
		{"/a/", "must not end with /"},
		{"//", "must not end with /"},
		{"//a", "empty node name specified @1"},
		{"/a//b", "empty node name specified @3"},
		{"/.", "relative paths not allowed @1"},
		{"/..", "relative paths not allowed @2"},
		{"/./a", "relative paths not allowed @1"},
		{"/../a", "relative paths not allowed @2"},
		{"/a/.", "relative paths not allowed @3"},
		{"/a/./b", "relative paths not allowed @3"},
		{"/a/..", "relative paths not allowed @4"},
		{"/a/../b", "relative paths not allowed @4"},
		{"/a\x00b", "null character not allowed @2"},
		{"/\x01", "invalid character @1"},
		{"/a\x1f", "invalid character @2"},
		{"/\x7f", "invalid character @1"},
		{"/\u0080", "invalid character @1"},
		{"/\u009f", "invalid character @1"},
		{"/\ud7ff", ""},
		{"/\ue000", "invalid character @1"}, // private use
		{"/\uf8ff", "invalid character @1"},
		{"/\ufff0", "invalid character @1"},
		{"/\ufffd", "invalid character @1"},
		{"/\uffff", "invalid character @1"},
		{"/\U0001F600", "invalid character @1"}, // outside the BMP: a surrogate pair in Java
		{"/\U0001F600\x01", "invalid character @1"},
		{"/ab\xff", "invalid character @3"},     // invalid UTF-8 becomes U+FFFD
		{"/\u4e2d\x01", "invalid character @2"}, // positions count UTF-16 units
		{"/a\U0001F600", "invalid character @2"},
	}
	for _, tc := range tests {
		err := ValidatePath(tc.path)
		switch {
		case tc.want == "" && err != nil:
			t.Errorf("ValidatePath(%q) = %v, want nil", tc.path, err)
		case tc.want != "" && err == nil:
			t.Errorf("ValidatePath(%q) = nil, want %q", tc.path, tc.want)
		case tc.want != "" && !strings.Contains(err.Error(), tc.want):
			t.Errorf("ValidatePath(%q) = %v, want %q", tc.path, err, tc.want)
		}
	}
}

// A sequential create is validated with "1" appended, as ZooKeeper does, so
// a trailing slash is fine there.
func TestValidateSequentialPath(t *testing.T) {
	if err := ValidatePath("/queue/" + "1"); err != nil {
		t.Fatal(err)
	}
}

func TestParentBaseSplit(t *testing.T) {
	tests := []struct {
		path, parent, base string
		splitOK            bool
	}{
		{"/", "", "", false},
		{"/a", "/", "a", true},
		{"/a/b", "/a", "b", true},
		{"/a/b/c", "/a/b", "c", true},
		{"", "/", "", false},
	}
	for _, tc := range tests {
		if got := Parent(tc.path); got != tc.parent {
			t.Errorf("Parent(%q) = %q, want %q", tc.path, got, tc.parent)
		}
		if got := Base(tc.path); got != tc.base {
			t.Errorf("Base(%q) = %q, want %q", tc.path, got, tc.base)
		}
		p, n, ok := split(tc.path)
		if ok != tc.splitOK || ok && (p != tc.parent || n != tc.base) {
			t.Errorf("split(%q) = %q %q %v", tc.path, p, n, ok)
		}
	}
}

func FuzzValidatePath(f *testing.F) {
	for _, s := range []string{"/", "/a/b", "/a/../b", "/\U0001F600", "/a\x00", "/ab\xff"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, p string) {
		if ValidatePath(p) != nil {
			return
		}
		// A valid path is absolute and its parent is valid too.
		if p[0] != '/' {
			t.Fatalf("%q accepted", p)
		}
		if p != "/" {
			if err := ValidatePath(Parent(p)); err != nil {
				t.Fatalf("parent of valid %q invalid: %v", p, err)
			}
			if Base(p) == "" || Base(p) == "." || Base(p) == ".." {
				t.Fatalf("%q accepted with name %q", p, Base(p))
			}
		}
	})
}

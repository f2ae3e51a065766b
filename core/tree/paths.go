package tree

import (
	"errors"
	"fmt"
	"unicode/utf8"
)

// ValidatePath checks a znode path as ZooKeeper's PathUtils.validatePath does
// and returns an error saying what is wrong (the caller answers
// BadArguments). A path is absolute, has no empty, "." or ".." component,
// does not end in "/" (except the root), and contains none of the characters
// ZooKeeper rejects: U+0000, U+0001–U+001F, U+007F–U+009F, U+D800–U+F8FF,
// U+FFF0–U+FFFF, and anything outside the Basic Multilingual Plane (which
// Java sees as surrogates, U+D800–U+DFFF). Invalid UTF-8 is rejected too,
// as Java decodes it to U+FFFD. Positions in messages count UTF-16 units,
// as Java's do. For a sequential create, validate path+"1" as ZooKeeper does.
func ValidatePath(path string) error {
	if len(path) == 0 {
		return errors.New("path length must be > 0")
	}
	if path[0] != '/' {
		return errors.New("path must start with / character")
	}
	if len(path) == 1 {
		return nil
	}
	if path[len(path)-1] == '/' {
		return errors.New("path must not end with / character")
	}
	u16 := 1 // UTF-16 index of the current character, for Java's message
	for i := 1; i < len(path); {
		c, prev := path[i], path[i-1]
		size, units := 1, 1
		var reason string
		switch {
		case c == 0:
			reason = "null character not allowed"
		case c == '/' && prev == '/':
			reason = "empty node name specified"
		case c == '.' && prev == '.':
			// i >= 2 here: path[0] is '/', so prev == '.' means i > 1.
			if path[i-2] == '/' && (i+1 == len(path) || path[i+1] == '/') {
				reason = "relative paths not allowed"
			}
		case c == '.':
			if prev == '/' && (i+1 == len(path) || path[i+1] == '/') {
				reason = "relative paths not allowed"
			}
		case c < utf8.RuneSelf:
			if c <= 0x1f || c == 0x7f {
				reason = "invalid character"
			}
		default:
			var r rune
			r, size = utf8.DecodeRuneInString(path[i:])
			// r >= 0xfff0 covers U+FFFD (what Java makes of invalid UTF-8)
			// and every supplementary character, a surrogate pair in Java.
			if r <= 0x9f || r >= 0xd800 && r <= 0xf8ff || r >= 0xfff0 {
				reason = "invalid character"
			}
			if r > 0xffff {
				units = 2
			}
		}
		if reason != "" {
			return fmt.Errorf("invalid path string %q caused by %s @%d", path, reason, u16)
		}
		i += size
		u16 += units
	}
	return nil
}

// Parent returns the path of p's parent: "/" for a top-level node and ""
// for the root itself. p must be a valid path.
func Parent(p string) string {
	if p == "/" {
		return ""
	}
	for i := len(p) - 1; i > 0; i-- {
		if p[i] == '/' {
			return p[:i]
		}
	}
	return "/"
}

// Base returns the last component of p: "b" for "/a/b", "" for the root.
func Base(p string) string {
	for i := len(p) - 1; i >= 0; i-- {
		if p[i] == '/' {
			return p[i+1:]
		}
	}
	return p
}

// split returns the parent's key in Tree.nodes (the root is "/") and the
// child's name; ok is false for a path with no slash or for the root.
func split(p string) (parentPath, name string, ok bool) {
	i := -1
	for j := len(p) - 1; j >= 0; j-- {
		if p[j] == '/' {
			i = j
			break
		}
	}
	if i < 0 || p == "/" {
		return "", "", false
	}
	if i == 0 {
		return "/", p[1:], true
	}
	return p[:i], p[i+1:], true
}

package config

import (
	"fmt"
	"math"
	"os"
	"strconv"
	"strings"
	"time"
)

// property is one key=value of a Java properties file.
type property struct {
	file  string
	line  int // where the entry starts, from 1
	key   string
	value string
}

// errorf returns an error naming the property's file, line and key:
// `zoo.cfg:7: tickTime: "abc" is not a number`.
func (p property) errorf(format string, args ...any) error {
	return fmt.Errorf("%s:%d: %s: "+format, append([]any{p.file, p.line, p.key}, args...)...)
}

// readProperties reads a Java properties file as java.util.Properties.load
// does, then trims keys and values as ZooKeeper does. Entries come back in
// file order, duplicates included (the last one wins when applied in order).
func readProperties(path string) ([]property, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("config: %w", err)
	}
	lines := strings.Split(strings.ReplaceAll(strings.ReplaceAll(string(data), "\r\n", "\n"), "\r", "\n"), "\n")
	var props []property
	for i := 0; i < len(lines); i++ {
		start := i + 1
		line := strings.TrimLeft(lines[i], " \t\f")
		if line == "" || line[0] == '#' || line[0] == '!' {
			continue
		}
		var logical strings.Builder
		for endsInEscape(line) {
			logical.WriteString(line[:len(line)-1])
			if i+1 == len(lines) {
				line = ""
				break
			}
			i++
			line = strings.TrimLeft(lines[i], " \t\f")
		}
		logical.WriteString(line)
		rawKey, rawValue := splitProperty(logical.String())
		p := property{file: path, line: start}
		if p.key, err = unescape(rawKey); err == nil {
			p.value, err = unescape(rawValue)
		}
		if err != nil {
			return nil, fmt.Errorf("%s:%d: %w", path, start, err)
		}
		p.key, p.value = javaTrim(p.key), javaTrim(p.value)
		props = append(props, p)
	}
	return props, nil
}

// endsInEscape reports whether line ends in an odd number of backslashes,
// which continues it on the next line.
func endsInEscape(line string) bool {
	n := 0
	for i := len(line) - 1; i >= 0 && line[i] == '\\'; i-- {
		n++
	}
	return n%2 == 1
}

// splitProperty splits a logical line at the first unescaped '=', ':' or
// white space; white space around the separator is skipped.
func splitProperty(s string) (key, value string) {
	isSpace := func(c byte) bool { return c == ' ' || c == '\t' || c == '\f' }
	keyEnd, valueStart, hasSep, escaped := len(s), len(s), false, false
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !escaped && (c == '=' || c == ':') {
			keyEnd, valueStart, hasSep = i, i+1, true
			break
		}
		if !escaped && isSpace(c) {
			keyEnd, valueStart = i, i+1
			break
		}
		escaped = c == '\\' && !escaped
	}
	for valueStart < len(s) {
		c := s[valueStart]
		if !isSpace(c) {
			if hasSep || c != '=' && c != ':' {
				break
			}
			hasSep = true
		}
		valueStart++
	}
	return s[:keyEnd], s[valueStart:]
}

// unescape resolves \t \n \r \f \uXXXX and \c (= c).
func unescape(s string) (string, error) {
	if !strings.Contains(s, `\`) {
		return s, nil
	}
	var sb strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c != '\\' || i+1 == len(s) {
			sb.WriteByte(c)
			continue
		}
		i++
		switch c = s[i]; c {
		case 't':
			sb.WriteByte('\t')
		case 'n':
			sb.WriteByte('\n')
		case 'r':
			sb.WriteByte('\r')
		case 'f':
			sb.WriteByte('\f')
		case 'u':
			if i+5 > len(s) {
				return "", fmt.Errorf("malformed \\uxxxx escape in %q", s)
			}
			r, err := strconv.ParseUint(s[i+1:i+5], 16, 16)
			if err != nil {
				return "", fmt.Errorf("malformed \\uxxxx escape in %q", s)
			}
			sb.WriteRune(rune(r))
			i += 4
		default:
			sb.WriteByte(c)
		}
	}
	return sb.String(), nil
}

// javaTrim is String.trim: it removes every character up to U+0020 at both ends.
func javaTrim(s string) string {
	return strings.TrimFunc(s, func(r rune) bool { return r <= ' ' })
}

// int parses the value as Java's Integer.parseInt does: an optional sign
// and decimal digits, within 32 bits.
func (p property) int() (int, error) {
	v, err := parseJavaInt(p.value, 32)
	return int(v), err
}

// long parses the value as Long.parseLong does.
func (p property) long() (int64, error) { return parseJavaInt(p.value, 64) }

// parseJavaInt parses an optional sign and decimal digits within bits.
func parseJavaInt(s string, bits int) (int64, error) {
	digits := s
	if len(s) > 0 && (s[0] == '+' || s[0] == '-') {
		digits = s[1:]
	}
	if digits == "" || digits[0] < '0' || digits[0] > '9' {
		return 0, fmt.Errorf("%q is not a number", s)
	}
	v, err := strconv.ParseInt(s, 10, bits)
	if err != nil {
		return 0, fmt.Errorf("%q is not a number", s)
	}
	return v, nil
}

// decodeInt parses the value as Integer.decode does, which is how
// ZooKeeper reads its integer JVM properties (Integer.getInteger): decimal,
// 0x, 0X or # for hex, a leading 0 for octal, with an optional sign.
func (p property) decodeInt() (int, error) {
	s, neg := p.value, false
	if rest, ok := strings.CutPrefix(s, "-"); ok {
		s, neg = rest, true
	} else {
		s = strings.TrimPrefix(s, "+")
	}
	base := 10
	switch {
	case strings.HasPrefix(s, "0x"), strings.HasPrefix(s, "0X"):
		s, base = s[2:], 16
	case strings.HasPrefix(s, "#"):
		s, base = s[1:], 16
	case len(s) > 1 && s[0] == '0':
		s, base = s[1:], 8
	}
	v, err := strconv.ParseUint(s, base, 32)
	if err != nil || s == "" || s[0] == '+' || s[0] == '-' {
		return 0, fmt.Errorf("%q is not a number", p.value)
	}
	n := int64(v)
	if neg {
		n = -n
	}
	if n < math.MinInt32 || n > math.MaxInt32 {
		return 0, fmt.Errorf("%q is not a number", p.value)
	}
	return int(n), nil
}

// millis parses a count of milliseconds.
func (p property) millis() (time.Duration, error) {
	ms, err := p.int()
	return time.Duration(ms) * time.Millisecond, err
}

// sessionTimeout parses a session timeout bound in ms; -1 means the default.
func (p property) sessionTimeout() (time.Duration, error) {
	d, err := p.millis()
	if d == -time.Millisecond {
		d = 0
	}
	return d, err
}

// yesNo parses the yes|no switches ZooKeeper compares with "yes" or "no".
func (p property) yesNo() (bool, error) {
	switch p.value {
	case "yes":
		return true, nil
	case "no":
		return false, nil
	}
	return false, fmt.Errorf("%q is not yes or no", p.value)
}

// trueFalse parses the switches ZooKeeper reads with Boolean.getBoolean.
func (p property) trueFalse() (bool, error) {
	switch strings.ToLower(p.value) {
	case "true":
		return true, nil
	case "false":
		return false, nil
	}
	return false, fmt.Errorf("%q is not true or false", p.value)
}

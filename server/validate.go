package server

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// Names of streams, groups and consumers: 1 to 200 characters from
// [A-Za-z0-9._:-]. No braces, so a stream name never carries a Cluster hash
// tag of its own: Sluice puts a stream's internal keys in its slot itself.
// Stream names starting with "sluice:" are reserved for Sluice's own keys.
const (
	maxNameLen     = 200
	reservedPrefix = "sluice:"
)

func validateName(what, s string) error {
	switch {
	case s == "":
		return fmt.Errorf("%s name is empty", what)
	case len(s) > maxNameLen:
		return fmt.Errorf("%s name is %d bytes long; the limit is %d", what, len(s), maxNameLen)
	case !every(s, nameByte):
		return fmt.Errorf("%s name %q has characters outside [A-Za-z0-9._:-]", what, s)
	case what == "stream" && strings.HasPrefix(s, reservedPrefix):
		return fmt.Errorf("stream names starting with %q are reserved for Sluice", reservedPrefix)
	}
	return nil
}

// Hand-written matchers rather than regular expressions: they run for
// every event and every ack ID.

func every(s string, ok func(byte) bool) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !ok(s[i]) {
			return false
		}
	}
	return true
}

func alnum(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

// nameByte: [A-Za-z0-9._:-], for streams, groups and consumers.
func nameByte(c byte) bool { return alnum(c) || c == '.' || c == '_' || c == ':' || c == '-' }

// tokenByte: [A-Za-z0-9._-], for versions and header names.
func tokenByte(c byte) bool { return alnum(c) || c == '.' || c == '_' || c == '-' }

// isFullName reports whether s is a Protobuf full name: dot-separated
// identifiers ([A-Za-z_][A-Za-z0-9_]*).
func isFullName(s string) bool {
	for part := range strings.SplitSeq(s, ".") {
		if part == "" || part[0] >= '0' && part[0] <= '9' || !every(part, func(c byte) bool { return alnum(c) || c == '_' }) {
			return false
		}
	}
	return true
}

// isVersion reports whether a package component names a version: v1,
// v2beta1, v1alpha.
func isVersion(p string) bool {
	if len(p) < 2 || p[0] != 'v' {
		return false
	}
	i := 1
	for i < len(p) && p[i] >= '0' && p[i] <= '9' {
		i++
	}
	if i == 1 {
		return false
	}
	j := i
	for j < len(p) && p[j] >= 'a' && p[j] <= 'z' {
		j++
	}
	if j == i {
		return j == len(p)
	}
	for j < len(p) && p[j] >= '0' && p[j] <= '9' {
		j++
	}
	return j == len(p)
}

// Event limits other than the payload size, which is configurable.
const (
	maxTypeLen        = 256
	maxVersionLen     = 64
	maxContentTypeLen = 128
	maxKeyLen         = 1024
	maxHeaders        = 64
	maxHeaderNameLen  = 128
	maxHeaderValueLen = 4096

	maxIdempotencyKeyLen = 256
)

// versionOf derives the version from a type's package: "a.b.v2.T" -> "v2".
func versionOf(typ string) string {
	last := strings.LastIndexByte(typ, '.')
	if last < 0 {
		return ""
	}
	// The package's last part: "examples.orders.v2.OrderCreated" -> "v2".
	p := typ[strings.LastIndexByte(typ[:last], '.')+1 : last]
	if isVersion(p) {
		return p
	}
	return ""
}

// printable reports whether s is valid UTF-8 without control characters.
func printable(s string) bool {
	for i, r := range s {
		if r < 0x20 || r == 0x7f || r == utf8.RuneError && !strings.HasPrefix(s[i:], "\uFFFD") {
			return false
		}
	}
	return true
}

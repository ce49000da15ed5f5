package server

import (
	"fmt"
	"regexp"
	"strings"
)

// Names of streams, groups and consumers: 1 to 200 characters from
// [A-Za-z0-9._:-]. No braces, so a stream name never carries a Cluster hash
// tag of its own: Sluice puts a stream's internal keys in its slot itself.
// Stream names starting with "sluice:" are reserved for Sluice's own keys.
const (
	maxNameLen     = 200
	reservedPrefix = "sluice:"
)

var nameRE = regexp.MustCompile(`^[A-Za-z0-9._:-]+$`)

func validateName(what, s string) error {
	switch {
	case s == "":
		return fmt.Errorf("%s name is empty", what)
	case len(s) > maxNameLen:
		return fmt.Errorf("%s name is %d bytes long; the limit is %d", what, len(s), maxNameLen)
	case !nameRE.MatchString(s):
		return fmt.Errorf("%s name %q has characters outside [A-Za-z0-9._:-]", what, s)
	case what == "stream" && strings.HasPrefix(s, reservedPrefix):
		return fmt.Errorf("stream names starting with %q are reserved for Sluice", reservedPrefix)
	}
	return nil
}

var (
	typeRE    = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$`)
	versionRE = regexp.MustCompile(`^[A-Za-z0-9._-]+$`)
	// A package component that names a version: v1, v2beta1, v1alpha.
	pkgVersionRE = regexp.MustCompile(`^v[0-9]+([a-z]+[0-9]*)?$`)
	headerRE     = regexp.MustCompile(`^[A-Za-z0-9._-]+$`)
)

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
	parts := strings.Split(typ, ".")
	if len(parts) < 2 {
		return ""
	}
	if p := parts[len(parts)-2]; pkgVersionRE.MatchString(p) {
		return p
	}
	return ""
}

func printable(s string) bool {
	for _, r := range s {
		if r < 0x20 || r == 0x7f {
			return false
		}
	}
	return true
}

package streams

import (
	"errors"
	"math"
	"strconv"
	"strings"
	"time"
)

// ID is a stream entry ID, <milliseconds>-<sequence>.
type ID struct {
	Ms  uint64
	Seq uint64
}

// ParseID parses "<ms>-<seq>" or a bare "<ms>" (sequence 0), as Redis does.
func ParseID(s string) (ID, error) {
	msPart, seqPart, hasSeq := strings.Cut(s, "-")
	ms, err := strconv.ParseUint(msPart, 10, 64)
	if err != nil {
		return ID{}, errors.New("entry ID must be <ms>-<seq> with two unsigned integers")
	}
	var seq uint64
	if hasSeq {
		if seq, err = strconv.ParseUint(seqPart, 10, 64); err != nil {
			return ID{}, errors.New("entry ID must be <ms>-<seq> with two unsigned integers")
		}
	}
	return ID{Ms: ms, Seq: seq}, nil
}

func (id ID) String() string {
	var buf [41]byte
	b := strconv.AppendUint(buf[:0], id.Ms, 10)
	b = append(b, '-')
	b = strconv.AppendUint(b, id.Seq, 10)
	return string(b)
}

// Next is the smallest ID after id.
func (id ID) Next() ID { return id.next() }

// Prev is the largest ID before id (0-0 stays 0-0).
func (id ID) Prev() ID {
	switch {
	case id.Seq > 0:
		return ID{Ms: id.Ms, Seq: id.Seq - 1}
	case id.Ms > 0:
		return ID{Ms: id.Ms - 1, Seq: math.MaxUint64}
	}
	return id
}

func (id ID) next() ID {
	if id.Seq == math.MaxUint64 {
		return ID{Ms: id.Ms + 1}
	}
	return ID{Ms: id.Ms, Seq: id.Seq + 1}
}

// Less reports whether id sorts before o in the stream.
func (id ID) Less(o ID) bool {
	return id.Ms < o.Ms || (id.Ms == o.Ms && id.Seq < o.Seq)
}

// Time is the time Redis assigned the entry.
func (id ID) Time() time.Time { return time.UnixMilli(int64(id.Ms)) }

// Start positions, as Redis spells them.
const (
	// Newest reads only entries added from now on.
	Newest = "$"
	// Earliest reads every entry still in the stream.
	Earliest = "0-0"
)

// AfterTime returns the position just before the first entry at or after t,
// for use where Redis reads "strictly after" a position.
func AfterTime(t time.Time) string {
	ms := t.UnixMilli()
	if ms <= 0 {
		return Earliest
	}
	return ID{Ms: uint64(ms) - 1, Seq: math.MaxUint64}.String()
}

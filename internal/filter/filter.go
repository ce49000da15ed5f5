// Package filter compiles and runs subscription filters: CEL expressions
// (cel.dev/cel-go) over an event's type, version, key, headers, content_type
// and publish_time, such as
//
//	type.startsWith("examples.orders.") && headers["region"] == "eu"
//
// A filter must be a bool expression over those names alone, and its
// estimated cost must stay under MaxCost for events within the size bounds
// below; it runs with the same cost limit. An evaluation error (a missing
// header read with headers["x"], say) counts as no match: write
// `"x" in headers && headers["x"] == "y"` to say so.
package filter

import (
	"errors"
	"fmt"
	"strings"
	"sync"

	"cel.dev/cel-go/cel"
	"cel.dev/cel-go/common/cost"
	"cel.dev/cel-go/interpreter"

	"github.com/sluice-io/sluice/streams"
)

// MaxCost bounds a filter's cost in CEL's units (about one per operation,
// plus string sizes for string functions), estimated at compile time and
// enforced at run time. A comparison of a field costs 1 to 3; a filter
// that loops over the headers costs about 10 per header.
const MaxCost = 10_000

// MaxLen is the longest filter expression accepted, in bytes.
const MaxLen = 4096

// Size bounds the cost estimate assumes: strings up to maxString bytes,
// up to maxHeaders headers.
const (
	maxString  = 1024
	maxHeaders = 64
)

var env = func() *cel.Env {
	e, err := cel.NewEnv(
		cel.Variable("type", cel.StringType),
		cel.Variable("version", cel.StringType),
		cel.Variable("key", cel.StringType),
		cel.Variable("content_type", cel.StringType),
		cel.Variable("headers", cel.MapType(cel.StringType, cel.StringType)),
		cel.Variable("publish_time", cel.TimestampType),
	)
	if err != nil {
		panic(err)
	}
	return e
}()

// Filter is a compiled filter; Match is safe for concurrent use.
type Filter struct {
	expr string
	prg  cel.Program
	memo *memo // for filters of type, version and content_type alone
}

// memo remembers a filter's result per (type, version, content_type) when
// it reads nothing else: the events of a stream mostly share a few, so
// most matches then cost one map lookup instead of an evaluation.
type memo struct {
	mu sync.Mutex
	m  map[memoKey]bool
}

type memoKey struct{ typ, version, contentType string }

// memoMax bounds a memo; past it, new combinations are evaluated each time.
const memoMax = 4096

// Compile parses, type-checks and cost-checks expr. Its errors are CEL's
// messages, with the line and column of each problem, for users to read.
func Compile(expr string) (*Filter, error) {
	if len(expr) > MaxLen {
		return nil, fmt.Errorf("filter is %d bytes; the limit is %d", len(expr), MaxLen)
	}
	if strings.TrimSpace(expr) == "" {
		return nil, errors.New("filter is empty")
	}
	ast, iss := env.Compile(expr)
	if iss.Err() != nil {
		return nil, fmt.Errorf("filter does not compile: %s", iss.Err())
	}
	if !ast.OutputType().IsExactType(cel.BoolType) {
		return nil, fmt.Errorf("filter is of type %s; it must be a bool expression", ast.OutputType())
	}
	est, err := env.EstimateCost(ast, sizes{})
	if err != nil {
		return nil, fmt.Errorf("filter cost: %v", err)
	}
	if est.Max > MaxCost {
		return nil, fmt.Errorf("filter may cost up to %d per event; the limit is %d (loops over headers cost the most)", est.Max, MaxCost)
	}
	prg, err := env.Program(ast, cel.CostLimit(MaxCost), cel.EvalOptions(cel.OptOptimize))
	if err != nil {
		return nil, fmt.Errorf("filter: %v", err)
	}
	f := &Filter{expr: expr, prg: prg}
	memoizable := true
	for _, ref := range ast.NativeRep().ReferenceMap() {
		switch ref.Name {
		case "key", "headers", "publish_time":
			memoizable = false
		}
	}
	if memoizable {
		f.memo = &memo{m: make(map[memoKey]bool)}
	}
	return f, nil
}

// String is the filter's expression as given.
func (f *Filter) String() string { return f.expr }

// Match reports whether e passes the filter; an evaluation error is no match.
func (f *Filter) Match(e *streams.Entry) bool {
	if f.memo == nil {
		return f.eval(e)
	}
	k := memoKey{e.Event.Type, e.Event.Version, e.Event.ContentType}
	f.memo.mu.Lock()
	ok, found := f.memo.m[k]
	f.memo.mu.Unlock()
	if found {
		return ok
	}
	ok = f.eval(e)
	f.memo.mu.Lock()
	if len(f.memo.m) < memoMax {
		f.memo.m[memoKey{strings.Clone(k.typ), strings.Clone(k.version), strings.Clone(k.contentType)}] = ok
	}
	f.memo.mu.Unlock()
	return ok
}

func (f *Filter) eval(e *streams.Entry) bool {
	out, _, err := f.prg.Eval(&vars{e: e})
	if err != nil {
		return false
	}
	b, ok := out.Value().(bool)
	return ok && b
}

// vars resolves the filter's names from an entry without building a map.
type vars struct{ e *streams.Entry }

func (v *vars) ResolveName(name string) (any, bool) {
	ev := &v.e.Event
	switch name {
	case "type":
		return ev.Type, true
	case "version":
		return ev.Version, true
	case "key":
		return ev.Key, true
	case "content_type":
		return ev.ContentType, true
	case "headers":
		if ev.Headers == nil {
			return map[string]string{}, true
		}
		return ev.Headers, true
	case "publish_time":
		return v.e.ID.Time().UTC(), true
	}
	return nil, false
}

func (v *vars) Parent() interpreter.Activation { return nil }

// sizes bounds the variables' sizes for the cost estimate.
type sizes struct{}

func (sizes) EstimateSize(n cost.AstNode) *cost.SizeEstimate {
	if p := n.Path(); len(p) == 1 && p[0] == "headers" {
		return &cost.SizeEstimate{Min: 0, Max: maxHeaders}
	}
	return &cost.SizeEstimate{Min: 0, Max: maxString}
}

func (sizes) EstimateCallCost(string, string, *cost.AstNode, []cost.AstNode) *cost.CallEstimate {
	return nil
}

// Package auth authenticates sluiced's callers (bearer tokens, client
// certificates) and decides what each principal may do, from one policy
// file. It provides the gRPC interceptors and the server.Authorizer.
package auth

import (
	"context"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"fmt"
	"os"
	"path"
	"strings"
	"sync"

	grpcauth "github.com/grpc-ecosystem/go-grpc-middleware/v2/interceptors/auth"
	"go.yaml.in/yaml/v3"
	"golang.org/x/time/rate"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/peer"
	"google.golang.org/grpc/status"

	"github.com/sluice-io/sluice/server"
)

// File is the policy file's layout (YAML). See the README's security model.
type File struct {
	// Tokens map bearer tokens, by their SHA-256 (hex), to principals.
	Tokens []struct {
		SHA256    string `yaml:"sha256"`
		Principal string `yaml:"principal"`
	} `yaml:"tokens"`
	// Principals say what each principal may do. A client certificate's
	// identity (first URI SAN, else first DNS SAN, else subject CN) names a
	// principal too.
	Principals map[string]PrincipalConfig `yaml:"principals"`
}

// PrincipalConfig is one principal's permissions and limits.
type PrincipalConfig struct {
	// Stream-name patterns (path.Match: * ? [...]) it may publish to,
	// subscribe to (and ack, nack, extend, reject on), and administer (dead
	// letters, and later inspection and trimming).
	Publish   []string `yaml:"publish"`
	Subscribe []string `yaml:"subscribe"`
	Admin     []string `yaml:"admin"`
	// Groups are the consumer-group patterns it may use; empty means any.
	Groups []string `yaml:"groups"`
	// MaxSubscriptions is how many Subscribe streams it may hold open at
	// once on one server; 0 means 100.
	MaxSubscriptions int `yaml:"max_subscriptions"`
	// RateLimit is its requests per second on one server (Subscribe counts
	// once per stream opened); 0 means 1000. Burst defaults to RateLimit.
	RateLimit float64 `yaml:"rate_limit"`
	Burst     int     `yaml:"burst"`
}

// Policy is a loaded policy file. It is safe for concurrent use.
type Policy struct {
	tokens     map[[32]byte]string
	principals map[string]*principal
	refused    func(limit string)
}

// OnRefusal sets what is told of each request refused for a limit ("rate",
// "subscriptions"), e.g. a metrics counter. Default: nothing. Call it
// before the policy is in use.
func (p *Policy) OnRefusal(f func(limit string)) { p.refused = f }

type principal struct {
	name string
	cfg  PrincipalConfig
	lim  *rate.Limiter

	mu   sync.Mutex
	subs int
}

// Load reads a policy file.
func Load(file string) (*Policy, error) {
	b, err := os.ReadFile(file)
	if err != nil {
		return nil, err
	}
	return Parse(b)
}

// Parse reads a policy from YAML.
func Parse(b []byte) (*Policy, error) {
	var f File
	dec := yaml.NewDecoder(strings.NewReader(string(b)))
	dec.KnownFields(true)
	if err := dec.Decode(&f); err != nil {
		return nil, fmt.Errorf("auth policy: %w", err)
	}
	p := &Policy{tokens: make(map[[32]byte]string), principals: make(map[string]*principal), refused: func(string) {}}
	for name, cfg := range f.Principals {
		for _, pat := range append(append(append(append([]string{}, cfg.Publish...), cfg.Subscribe...), cfg.Admin...), cfg.Groups...) {
			if _, err := path.Match(pat, ""); err != nil {
				return nil, fmt.Errorf("auth policy: principal %q: bad pattern %q", name, pat)
			}
		}
		if cfg.MaxSubscriptions <= 0 {
			cfg.MaxSubscriptions = 100
		}
		if cfg.RateLimit <= 0 {
			cfg.RateLimit = 1000
		}
		if cfg.Burst <= 0 {
			cfg.Burst = max(1, int(cfg.RateLimit))
		}
		p.principals[name] = &principal{name: name, cfg: cfg, lim: rate.NewLimiter(rate.Limit(cfg.RateLimit), cfg.Burst)}
	}
	for i, t := range f.Tokens {
		h, err := hex.DecodeString(t.SHA256)
		if err != nil || len(h) != 32 {
			return nil, fmt.Errorf("auth policy: tokens[%d].sha256 must be 64 hex digits (sha256sum of the token)", i)
		}
		if p.principals[t.Principal] == nil {
			return nil, fmt.Errorf("auth policy: tokens[%d] names principal %q, which has no entry under principals", i, t.Principal)
		}
		p.tokens[[32]byte(h)] = t.Principal
	}
	return p, nil
}

type ctxKey struct{}

// PrincipalFrom returns the authenticated principal's name, if any.
func PrincipalFrom(ctx context.Context) (string, bool) {
	p, ok := ctx.Value(ctxKey{}).(*principal)
	if !ok {
		return "", false
	}
	return p.name, true
}

// lookupToken finds a token by its SHA-256: the policy never holds tokens,
// and a lookup by hash reveals nothing about them through timing.
func (p *Policy) lookupToken(token string) (string, bool) {
	name, ok := p.tokens[sha256.Sum256([]byte(token))]
	return name, ok
}

// Authenticate is the go-grpc-middleware AuthFunc: a bearer token, else a
// verified client certificate, names a principal known to the policy.
func (p *Policy) Authenticate(ctx context.Context) (context.Context, error) {
	if token, err := grpcauth.AuthFromMD(ctx, "bearer"); err == nil {
		name, ok := p.lookupToken(token)
		if !ok {
			return nil, status.Error(codes.Unauthenticated, "unknown bearer token")
		}
		return context.WithValue(ctx, ctxKey{}, p.principals[name]), nil
	}
	if id := certIdentity(ctx); id != "" {
		pr := p.principals[id]
		if pr == nil {
			return nil, status.Errorf(codes.PermissionDenied, "client certificate identity %q is not a principal in the policy", id)
		}
		return context.WithValue(ctx, ctxKey{}, pr), nil
	}
	return nil, status.Error(codes.Unauthenticated, `no credentials: send "authorization: Bearer <token>" or a client certificate`)
}

// certIdentity is the verified client certificate's identity: its first URI
// SAN, else its first DNS SAN, else its subject's common name.
func certIdentity(ctx context.Context) string {
	pe, ok := peer.FromContext(ctx)
	if !ok {
		return ""
	}
	info, ok := pe.AuthInfo.(credentials.TLSInfo)
	if !ok || len(info.State.VerifiedChains) == 0 || len(info.State.VerifiedChains[0]) == 0 {
		return ""
	}
	return Identity(info.State.VerifiedChains[0][0])
}

// Identity is the principal name a client certificate stands for.
func Identity(c *x509.Certificate) string {
	switch {
	case len(c.URIs) > 0:
		return c.URIs[0].String()
	case len(c.DNSNames) > 0:
		return c.DNSNames[0]
	}
	return c.Subject.CommonName
}

// Limit is the go-grpc-middleware ratelimit.Limiter: one token bucket per
// principal.
func (p *Policy) Limit(ctx context.Context) error {
	pr, ok := ctx.Value(ctxKey{}).(*principal)
	if !ok {
		return nil // open methods (health, reflection)
	}
	if !pr.lim.Allow() {
		p.refused("rate")
		return status.Errorf(codes.ResourceExhausted, "rate limit: principal %q may make %g requests per second (burst %d)",
			pr.name, pr.cfg.RateLimit, pr.cfg.Burst)
	}
	return nil
}

var errNoPrincipal = status.Error(codes.Unauthenticated, "not authenticated")

// Allow implements server.Authorizer.
func (p *Policy) Allow(ctx context.Context, perm server.Permission, stream, group string) error {
	pr, ok := ctx.Value(ctxKey{}).(*principal)
	if !ok {
		return errNoPrincipal
	}
	var pats []string
	switch perm {
	case server.PermPublish:
		pats = pr.cfg.Publish
	case server.PermSubscribe:
		pats = pr.cfg.Subscribe
	case server.PermAdmin:
		pats = pr.cfg.Admin
	default:
		return status.Error(codes.PermissionDenied, "unknown permission")
	}
	if !match(pats, stream) {
		return status.Errorf(codes.PermissionDenied, "principal %q may not %s stream %q", pr.name, perm, stream)
	}
	if group != "" && len(pr.cfg.Groups) > 0 && !match(pr.cfg.Groups, group) {
		return status.Errorf(codes.PermissionDenied, "principal %q may not use consumer group %q", pr.name, group)
	}
	return nil
}

// OpenSubscription implements server.Authorizer: it counts the principal's
// open Subscribe streams.
func (p *Policy) OpenSubscription(ctx context.Context) (func(), error) {
	pr, ok := ctx.Value(ctxKey{}).(*principal)
	if !ok {
		return nil, errNoPrincipal
	}
	pr.mu.Lock()
	defer pr.mu.Unlock()
	if pr.subs >= pr.cfg.MaxSubscriptions {
		p.refused("subscriptions")
		return nil, status.Errorf(codes.ResourceExhausted, "subscription limit: principal %q has %d Subscribe streams open; the limit is %d",
			pr.name, pr.subs, pr.cfg.MaxSubscriptions)
	}
	pr.subs++
	var once sync.Once
	return func() {
		once.Do(func() {
			pr.mu.Lock()
			pr.subs--
			pr.mu.Unlock()
		})
	}, nil
}

func match(patterns []string, name string) bool {
	for _, pat := range patterns {
		if ok, _ := path.Match(pat, name); ok {
			return true
		}
	}
	return false
}

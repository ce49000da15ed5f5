package auth

import (
	"context"
	"strings"
	"testing"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/sluice-io/sluice/server"
)

const hash = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08" // sha256("test")

func TestParseRejectsBadPolicies(t *testing.T) {
	for name, bad := range map[string]string{
		"unknown key":         "principals: {a: {publsh: [x]}}",
		"bad pattern":         "principals: {a: {publish: ['[']}}",
		"short hash":          "tokens: [{sha256: abc, principal: a}]\nprincipals: {a: {}}",
		"token for a nobody":  "tokens: [{sha256: " + hash + ", principal: b}]\nprincipals: {a: {}}",
		"not yaml":            "tokens: [",
		"token is not a list": "tokens: 5",
	} {
		if _, err := Parse([]byte(bad)); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

func TestAllow(t *testing.T) {
	p, err := Parse([]byte(`
tokens: [{sha256: ` + hash + `, principal: team}]
principals:
  team: {publish: ["orders.*"], subscribe: ["orders.eu"], admin: ["o?ders"], groups: ["team-*"]}`))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.WithValue(context.Background(), ctxKey{}, p.principals["team"])
	for _, c := range []struct {
		perm          server.Permission
		stream, group string
		want          codes.Code
	}{
		{server.PermPublish, "orders.eu", "", codes.OK},
		{server.PermPublish, "orders", "", codes.PermissionDenied},
		{server.PermSubscribe, "orders.eu", "team-a", codes.OK},
		{server.PermSubscribe, "orders.eu", "other", codes.PermissionDenied},
		{server.PermSubscribe, "orders.us", "team-a", codes.PermissionDenied},
		{server.PermAdmin, "orders", "", codes.OK},
		{server.PermAdmin, "orders.eu", "", codes.PermissionDenied},
	} {
		if got := status.Code(p.Allow(ctx, c.perm, c.stream, c.group)); got != c.want {
			t.Errorf("%s %s/%s: %v, want %v", c.perm, c.stream, c.group, got, c.want)
		}
	}
	if got := status.Code(p.Allow(context.Background(), server.PermPublish, "orders.eu", "")); got != codes.Unauthenticated {
		t.Errorf("no principal: %v", got)
	}
	if name, ok := p.lookupToken("test"); !ok || name != "team" {
		t.Errorf("token lookup: %q %v", name, ok)
	}
	if _, ok := p.lookupToken("Test"); ok {
		t.Error("wrong token accepted")
	}
	release, err := p.OpenSubscription(ctx)
	if err != nil || !strings.Contains(p.principals["team"].name, "team") {
		t.Fatal(err)
	}
	release()
	release() // idempotent
	if n := p.principals["team"].subs; n != 0 {
		t.Fatalf("subscriptions = %d after release", n)
	}
}

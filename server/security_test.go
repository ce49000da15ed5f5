package server_test

import (
	"context"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/credentials/insecure"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/status"

	"github.com/sluice-io/sluice/client"
	sluicev1 "github.com/sluice-io/sluice/gen/go/sluice/v1"
	"github.com/sluice-io/sluice/internal/daemon"
	"github.com/sluice-io/sluice/internal/testcerts"
	"github.com/sluice-io/sluice/internal/testkit"
	"github.com/sluice-io/sluice/internal/testredis"
	"github.com/sluice-io/sluice/internal/testserver"
)

func sha(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

// writePolicy writes an auth policy with three principals.
func writePolicy(t *testing.T, extra string) string {
	t.Helper()
	policy := fmt.Sprintf(`
tokens:
  - {sha256: %s, principal: billing}
  - {sha256: %s, principal: auditor}
  - {sha256: %s, principal: limited}
principals:
  billing:
    publish: ["orders", "orders.*"]
    subscribe: ["orders"]
    groups: ["billing-*"]
    max_subscriptions: 2
  auditor:
    subscribe: ["audit.*"]
    admin: ["orders"]
  limited:
    publish: ["*"]
    rate_limit: 5
    burst: 5
%s`, sha("billing-token"), sha("auditor-token"), sha("limited-token"), extra)
	file := filepath.Join(t.TempDir(), "policy.yaml")
	if err := os.WriteFile(file, []byte(policy), 0o600); err != nil {
		t.Fatal(err)
	}
	return file
}

type caller struct {
	pub sluicev1.PublisherServiceClient
	sub sluicev1.SubscriberServiceClient
	dl  sluicev1.DeadLetterServiceClient
}

func dialAs(t *testing.T, addr, token string) caller {
	t.Helper()
	opts := []grpc.DialOption{grpc.WithTransportCredentials(insecure.NewCredentials())}
	if token != "" {
		opts = append(opts, grpc.WithPerRPCCredentials(client.BearerToken{Token: token, AllowInsecure: true}))
	}
	conn, err := grpc.NewClient(addr, opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	return caller{sluicev1.NewPublisherServiceClient(conn), sluicev1.NewSubscriberServiceClient(conn), sluicev1.NewDeadLetterServiceClient(conn)}
}

func openSub(ctx context.Context, c caller, req *sluicev1.SubscribeRequest) (grpc.ServerStreamingClient[sluicev1.SubscribeResponse], error) {
	s, err := c.sub.Subscribe(ctx, req)
	if err != nil {
		return nil, err
	}
	_, err = s.Recv()
	return s, err
}

func TestAuthentication(t *testing.T) {
	t.Parallel()
	r := testredis.Start(t)
	ackKey := filepath.Join(t.TempDir(), "ack.key")
	_ = os.WriteFile(ackKey, []byte("a shared key of 32 bytes or so.."), 0o600)
	s := testserver.Start(t, r.URL, daemon.Config{AuthPolicy: writePolicy(t, ""), AckKeyFile: ackKey, MetricsListen: "127.0.0.1:0"})
	ctx := t.Context()
	one := []*sluicev1.Event{{Type: "demo.v1.E"}}

	anon, stranger := dialAs(t, s.Addr, ""), dialAs(t, s.Addr, "wrong-token")
	billing, auditor, limited := dialAs(t, s.Addr, "billing-token"), dialAs(t, s.Addr, "auditor-token"), dialAs(t, s.Addr, "limited-token")

	// Health stays open.
	hc, err := healthpb.NewHealthClient(s.Conn).Check(ctx, &healthpb.HealthCheckRequest{})
	if err != nil || hc.GetStatus() != healthpb.HealthCheckResponse_SERVING {
		t.Fatalf("health without credentials: %v %v", hc, err)
	}
	for name, c := range map[string]caller{"anonymous": anon, "unknown token": stranger} {
		_, err := c.pub.Publish(ctx, &sluicev1.PublishRequest{Stream: "orders", Events: one})
		wantCode(t, err, codes.Unauthenticated)
		_, err = openSub(ctx, c, &sluicev1.SubscribeRequest{Stream: "orders", Group: "billing-a"})
		if status.Code(err) != codes.Unauthenticated {
			t.Fatalf("%s subscribe: %v", name, err)
		}
	}

	cases := []struct {
		name string
		err  error
		want codes.Code
	}{}
	check := func(name string, err error, want codes.Code) {
		cases = append(cases, struct {
			name string
			err  error
			want codes.Code
		}{name, err, want})
	}
	_, err = billing.pub.Publish(ctx, &sluicev1.PublishRequest{Stream: "orders", Events: one})
	check("billing publishes orders", err, codes.OK)
	_, err = billing.pub.Publish(ctx, &sluicev1.PublishRequest{Stream: "orders.eu", Events: one})
	check("billing publishes orders.eu", err, codes.OK)
	_, err = billing.pub.Publish(ctx, &sluicev1.PublishRequest{Stream: "payments", Events: one})
	check("billing publishes payments", err, codes.PermissionDenied)
	_, err = openSub(ctx, billing, &sluicev1.SubscribeRequest{Stream: "orders", Group: "shipping"})
	check("billing joins another team's group", err, codes.PermissionDenied)
	_, err = openSub(ctx, billing, &sluicev1.SubscribeRequest{Stream: "orders.eu", Group: "billing-a"})
	check("billing subscribes orders.eu", err, codes.PermissionDenied)
	_, err = auditor.pub.Publish(ctx, &sluicev1.PublishRequest{Stream: "orders", Events: one})
	check("auditor publishes", err, codes.PermissionDenied)
	_, err = auditor.dl.ListDeadLetters(ctx, &sluicev1.ListDeadLettersRequest{Stream: "orders"})
	check("auditor lists orders dead letters", err, codes.OK)
	_, err = billing.dl.ListDeadLetters(ctx, &sluicev1.ListDeadLettersRequest{Stream: "orders"})
	check("billing lists dead letters", err, codes.PermissionDenied)
	_, err = auditor.dl.RedriveDeadLetters(ctx, &sluicev1.RedriveDeadLettersRequest{Stream: "orders", TargetStream: "audit.x"})
	check("auditor redrives into a stream it may not publish to", err, codes.PermissionDenied)
	for _, c := range cases {
		if status.Code(c.err) != c.want {
			t.Errorf("%s: got %v, want %v", c.name, c.err, c.want)
		}
	}

	// Ack IDs are not credentials: one for a stream the caller may not
	// subscribe to is refused, and a tampered one does not decode.
	sub, err := openSub(ctx, billing, &sluicev1.SubscribeRequest{Stream: "orders", Group: "billing-a",
		Start: earliest()})
	if err != nil {
		t.Fatal(err)
	}
	res, err := sub.Recv()
	if err != nil {
		t.Fatal(err)
	}
	ackID := res.GetMessages()[0].GetAckId()
	_, err = auditor.sub.Ack(ctx, &sluicev1.AckRequest{AckIds: []string{ackID}})
	wantCode(t, err, codes.PermissionDenied)
	raw, _ := base64.RawURLEncoding.DecodeString(ackID)
	raw[len(raw)-20] ^= 1 // inside the payload: the entry ID
	_, err = billing.sub.Ack(ctx, &sluicev1.AckRequest{AckIds: []string{base64.RawURLEncoding.EncodeToString(raw)}})
	wantCode(t, err, codes.InvalidArgument)
	if !strings.Contains(err.Error(), "signature") {
		t.Fatalf("tampered ack ID: %v", err)
	}
	ack, err := billing.sub.Ack(ctx, &sluicev1.AckRequest{AckIds: []string{ackID}})
	if err != nil || ack.GetResults()[0].GetStatus() != sluicev1.AckStatus_ACK_STATUS_ACKED {
		t.Fatalf("own ack: %v %v", ack, err)
	}

	// At most two open Subscribe streams for billing (one is open above).
	sctx, cancel := context.WithCancel(ctx)
	if _, err := openSub(sctx, billing, &sluicev1.SubscribeRequest{Stream: "orders", Group: "billing-b"}); err != nil {
		t.Fatal(err)
	}
	_, err = openSub(ctx, billing, &sluicev1.SubscribeRequest{Stream: "orders", Group: "billing-c"})
	wantCode(t, err, codes.ResourceExhausted)
	if !strings.Contains(err.Error(), "subscription limit") {
		t.Fatalf("limit error: %v", err)
	}
	cancel() // frees one
	testkit.Eventually(t, func() error {
		sctx, cancel := context.WithCancel(ctx)
		defer cancel()
		if _, err := openSub(sctx, billing, &sluicev1.SubscribeRequest{Stream: "orders", Group: "billing-c"}); err != nil {
			return fmt.Errorf("closing a subscription did not free the slot: %w", err)
		}
		return nil
	})

	// Rate limit: 5 per second, burst 5.
	var limitedErr error
	for i := 0; i < 20 && limitedErr == nil; i++ {
		_, limitedErr = limited.pub.Publish(ctx, &sluicev1.PublishRequest{Stream: "x", Events: one})
	}
	wantCode(t, limitedErr, codes.ResourceExhausted)
	if !strings.Contains(limitedErr.Error(), "rate limit") {
		t.Fatalf("rate limit error: %v", limitedErr)
	}
	// ... counted in the metrics.
	body := scrape(t, s)
	for _, want := range []string{`sluice_limit_rejections_total{limit="rate"}`, `sluice_limit_rejections_total{limit="subscriptions"}`} {
		if !strings.Contains(body, want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
}

func scrape(t *testing.T, s *testserver.Server) string {
	t.Helper()
	res, err := http.Get("http://" + s.MetricsAddr + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return string(b)
}

// TLS with client certificates: the certificate names the principal, a
// client without one cannot connect, and a certificate replaced on disk is
// served without a restart.
func TestMutualTLS(t *testing.T) {
	t.Parallel()
	r := testredis.Start(t)
	dir := t.TempDir()
	ca := testcerts.NewCA(t, dir)
	srvCert, srvKey := ca.Issue(t, dir, "server", "localhost", 10)
	cliCert, cliKey := ca.Issue(t, dir, "client", "billing", 20)
	other, otherKey := ca.Issue(t, dir, "other", "nobody", 30)
	pool := x509.NewCertPool()
	pool.AddCert(ca.Cert)
	var mu sync.Mutex
	var lastSerial int64 // of the server certificate in the latest handshake
	tlsFor := func(cert, key string) *tls.Config {
		c := &tls.Config{RootCAs: pool, ServerName: "localhost",
			VerifyConnection: func(cs tls.ConnectionState) error {
				mu.Lock()
				lastSerial = cs.PeerCertificates[0].SerialNumber.Int64()
				mu.Unlock()
				return nil
			}}
		if cert != "" {
			pair, err := tls.LoadX509KeyPair(cert, key)
			if err != nil {
				t.Fatal(err)
			}
			c.Certificates = []tls.Certificate{pair}
		}
		return c
	}
	s := testserver.Start(t, r.URL, daemon.Config{AuthPolicy: writePolicy(t, ""), TLSCert: srvCert, TLSKey: srvKey, TLSClientCA: ca.CertPEM},
		grpc.WithTransportCredentials(credentials.NewTLS(tlsFor(cliCert, cliKey))))
	ctx := t.Context()
	one := []*sluicev1.Event{{Type: "demo.v1.E"}}
	if _, err := s.Pub.Publish(ctx, &sluicev1.PublishRequest{Stream: "orders", Events: one}); err != nil {
		t.Fatalf("billing by certificate: %v", err)
	}
	_, err := s.Pub.Publish(ctx, &sluicev1.PublishRequest{Stream: "payments", Events: one})
	wantCode(t, err, codes.PermissionDenied)

	dial := func(cfg *tls.Config) sluicev1.PublisherServiceClient {
		conn, err := grpc.NewClient(s.Addr, grpc.WithTransportCredentials(credentials.NewTLS(cfg)))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { conn.Close() })
		return sluicev1.NewPublisherServiceClient(conn)
	}
	_, err = dial(tlsFor("", "")).Publish(ctx, &sluicev1.PublishRequest{Stream: "orders", Events: one})
	wantCode(t, err, codes.Unavailable) // the handshake fails
	_, err = dial(tlsFor(other, otherKey)).Publish(ctx, &sluicev1.PublishRequest{Stream: "orders", Events: one})
	wantCode(t, err, codes.PermissionDenied)

	// Replace the server certificate on disk; new connections get it.
	// The new files get a modification time of their own whatever the file
	// system's granularity; the server looks at most once a second.
	ca.Issue(t, dir, "server", "localhost", 11)
	later := time.Now().Add(time.Hour)
	for _, f := range []string{srvCert, srvKey} {
		if err := os.Chtimes(f, later, later); err != nil {
			t.Fatal(err)
		}
	}
	testkit.Eventually(t, func() error {
		if _, err := dial(tlsFor(cliCert, cliKey)).Publish(ctx, &sluicev1.PublishRequest{Stream: "orders", Events: one}); err != nil {
			t.Fatal(err)
		}
		mu.Lock()
		defer mu.Unlock()
		if lastSerial != 11 {
			return fmt.Errorf("the server still serves certificate %d, not the new one", lastSerial)
		}
		return nil
	})
}

// Towards Redis: TLS with a private CA and an ACL user; the password never
// reaches the logs.
func TestRedisTLSAndACL(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	ca := testcerts.NewCA(t, dir)
	cert, key := ca.Issue(t, dir, "redis", "localhost", 40)
	tlsPort := testkit.FreePort(t)
	r := testredis.StartWithArgs(t, "--tls-port", fmt.Sprint(tlsPort), "--tls-cert-file", cert, "--tls-key-file", key,
		"--tls-ca-cert-file", ca.CertPEM, "--tls-auth-clients", "no", "--user", "sluice", "on", ">s3cret-pw", "~*", "&*", "+@all")
	var logs strings.Builder
	s := testserver.Start(t, fmt.Sprintf("rediss://sluice:s3cret-pw@localhost:%d/0", tlsPort),
		daemon.Config{RedisCA: ca.CertPEM, Logger: newCapture(&logs)})
	if _, err := s.Pub.Publish(t.Context(), &sluicev1.PublishRequest{Stream: "orders", Events: []*sluicev1.Event{{Type: "demo.v1.E"}}}); err != nil {
		t.Fatal(err)
	}
	if n := r.Client.XLen(t.Context(), "orders").Val(); n != 1 {
		t.Fatalf("XLEN = %d", n)
	}
	if !strings.Contains(r.Client.ClientList(t.Context()).Val(), "user=sluice") {
		t.Fatal("no connection as the ACL user")
	}
	s.Stop()
	if strings.Contains(logs.String(), "s3cret") {
		t.Fatalf("password in logs: %s", logs.String())
	}
	if !strings.Contains(logs.String(), "sluiced listening") {
		t.Fatalf("log not captured: %s", logs.String())
	}
}

// A topic's permissions are its partition streams': a policy names them
// ("clicks.p*"); the topic's bare name grants nothing.
func TestTopicPermissions(t *testing.T) {
	t.Parallel()
	r := testredis.Start(t)
	policy := fmt.Sprintf(`
tokens:
  - {sha256: %s, principal: owner}
  - {sha256: %s, principal: narrow}
principals:
  owner:
    publish: ["clicks.p*"]
    subscribe: ["clicks.p*"]
    groups: ["*"]
    admin: ["clicks.p*"]
  narrow:
    publish: ["clicks"]
    subscribe: ["clicks.p0"]
    groups: ["*"]
    admin: ["clicks.p0"]
`, sha("owner-token"), sha("narrow-token"))
	file := filepath.Join(t.TempDir(), "policy.yaml")
	if err := os.WriteFile(file, []byte(policy), 0o600); err != nil {
		t.Fatal(err)
	}
	s := testserver.Start(t, r.URL, daemon.Config{AuthPolicy: file})
	ctx := t.Context()
	adminAs := func(token string) sluicev1.AdminServiceClient {
		conn, err := grpc.NewClient(s.Addr, grpc.WithTransportCredentials(insecure.NewCredentials()),
			grpc.WithPerRPCCredentials(client.BearerToken{Token: token, AllowInsecure: true}))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { conn.Close() })
		return sluicev1.NewAdminServiceClient(conn)
	}
	owner, narrow := dialAs(t, s.Addr, "owner-token"), dialAs(t, s.Addr, "narrow-token")
	ownerAdmin, narrowAdmin := adminAs("owner-token"), adminAs("narrow-token")

	_, err := narrowAdmin.CreateTopic(ctx, &sluicev1.CreateTopicRequest{Topic: "clicks", Partitions: 3})
	wantCode(t, err, codes.PermissionDenied)
	// No access, no hint whether a topic exists.
	_, err = narrow.pub.Publish(ctx, &sluicev1.PublishRequest{Topic: "missing", Events: []*sluicev1.Event{{Type: "a.B"}}})
	wantCode(t, err, codes.PermissionDenied)
	if _, err := ownerAdmin.CreateTopic(ctx, &sluicev1.CreateTopicRequest{Topic: "clicks", Partitions: 3}); err != nil {
		t.Fatal(err)
	}
	one := []*sluicev1.Event{{Type: "demo.v1.Click", Key: "u1"}}
	_, err = narrow.pub.Publish(ctx, &sluicev1.PublishRequest{Topic: "clicks", Events: one})
	wantCode(t, err, codes.PermissionDenied)
	_, err = openSub(ctx, narrow, &sluicev1.SubscribeRequest{Topic: "clicks", Group: "g"})
	wantCode(t, err, codes.PermissionDenied)
	_, err = narrowAdmin.DescribeTopic(ctx, &sluicev1.DescribeTopicRequest{Topic: "clicks"})
	wantCode(t, err, codes.PermissionDenied)
	if lt, err := narrowAdmin.ListTopics(ctx, &sluicev1.ListTopicsRequest{}); err != nil || len(lt.GetTopics()) != 0 {
		t.Fatalf("narrow lists %v %v", lt, err)
	}

	if _, err := owner.pub.Publish(ctx, &sluicev1.PublishRequest{Topic: "clicks", Events: one}); err != nil {
		t.Fatal(err)
	}
	sub, err := openSub(ctx, owner, &sluicev1.SubscribeRequest{Topic: "clicks", Group: "g", Start: earliest()})
	if err != nil {
		t.Fatal(err)
	}
	var ackID string
	for ackID == "" {
		res, err := sub.Recv()
		if err != nil {
			t.Fatal(err)
		}
		if ms := res.GetMessages(); len(ms) > 0 {
			ackID = ms[0].GetAckId()
		}
	}
	ack, err := owner.sub.Ack(ctx, &sluicev1.AckRequest{AckIds: []string{ackID}})
	if err != nil || ack.GetResults()[0].GetStatus() != sluicev1.AckStatus_ACK_STATUS_ACKED {
		t.Fatalf("ack: %v %v", ack, err)
	}
	if lt, err := ownerAdmin.ListTopics(ctx, &sluicev1.ListTopicsRequest{}); err != nil || len(lt.GetTopics()) != 1 {
		t.Fatalf("owner lists %v %v", lt, err)
	}
}

package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	reflectionpb "google.golang.org/grpc/reflection/grpc_reflection_v1"

	sluicev1 "github.com/sluice-io/sluice/gen/go/sluice/v1"
	"github.com/sluice-io/sluice/internal/testredis"
)

// The real binary, as a user runs it: embedded mode warns loudly, health and
// reflection answer, SIGTERM stops it cleanly.
func TestBinary(t *testing.T) {
	bin := filepath.Join(t.TempDir(), "sluiced")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	r := testredis.Start(t)
	for _, c := range []struct {
		name, redisURL string
		want           string
	}{
		{"embedded", "", "EMBEDDED IN-PROCESS REDIS"},
		{"redis from env", r.URL, `redis="` + r.Addr},
	} {
		t.Run(c.name, func(t *testing.T) {
			cmd := exec.Command(bin, "--listen", "127.0.0.1:0")
			cmd.Env = append(os.Environ(), "REDIS_URL="+c.redisURL, "SLUICE_LOG_LEVEL=debug", "SLUICE_NO_AUTH="+fmt.Sprint(c.redisURL != ""))
			stderr, _ := cmd.StderrPipe()
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { _ = cmd.Process.Kill() })
			lines := bufio.NewScanner(stderr)
			var log strings.Builder
			addr := ""
			for addr == "" && lines.Scan() {
				log.WriteString(lines.Text() + "\n")
				if m := regexp.MustCompile(`msg="sluiced listening" addr=(\S+)`).FindStringSubmatch(lines.Text()); m != nil {
					addr = m[1]
				}
			}
			go func() { _, _ = io.Copy(io.Discard, stderr) }()
			if addr == "" || !strings.Contains(log.String(), c.want) {
				t.Fatalf("no %q before listening in:\n%s", c.want, log.String())
			}
			conn, err := grpc.NewClient(addr, grpc.WithTransportCredentials(insecure.NewCredentials()))
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
			defer cancel()
			hc, err := healthpb.NewHealthClient(conn).Check(ctx, &healthpb.HealthCheckRequest{Service: "sluice.v1.PublisherService"})
			if err != nil || hc.GetStatus() != healthpb.HealthCheckResponse_SERVING {
				t.Fatalf("health: %v %v", hc, err)
			}
			rc, err := reflectionpb.NewServerReflectionClient(conn).ServerReflectionInfo(ctx)
			if err != nil {
				t.Fatal(err)
			}
			_ = rc.Send(&reflectionpb.ServerReflectionRequest{MessageRequest: &reflectionpb.ServerReflectionRequest_ListServices{}})
			res, err := rc.Recv()
			if err != nil {
				t.Fatal(err)
			}
			_ = rc.CloseSend() // an open reflection stream would hold up GracefulStop
			var services []string
			for _, s := range res.GetListServicesResponse().GetService() {
				services = append(services, s.GetName())
			}
			for _, want := range []string{"sluice.v1.PublisherService", "sluice.v1.SubscriberService", "grpc.health.v1.Health"} {
				if !slices.Contains(services, want) {
					t.Fatalf("reflection lists %v, missing %s", services, want)
				}
			}
			// A Subscribe stream is open when SIGTERM arrives: it ends, and
			// the process exits 0 well within the shutdown timeout.
			sub, err := sluicev1.NewSubscriberServiceClient(conn).Subscribe(ctx, &sluicev1.SubscribeRequest{Stream: "s", Group: "g"})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := sub.Recv(); err != nil {
				t.Fatal(err)
			}
			pub, err := sluicev1.NewPublisherServiceClient(conn).Publish(ctx, &sluicev1.PublishRequest{
				Stream: "s", Events: []*sluicev1.Event{{Type: "demo.v1.Hello"}}})
			if err != nil {
				t.Fatal(err)
			}
			if got, err := sub.Recv(); err != nil || got.GetMessages()[0].GetId() != pub.GetIds()[0] {
				t.Fatalf("delivery: %v %v", got, err)
			}
			start := time.Now()
			_ = cmd.Process.Signal(syscall.SIGTERM)
			if _, err := sub.Recv(); err == nil {
				t.Fatal("stream still open after SIGTERM")
			}
			if err := cmd.Wait(); err != nil {
				t.Fatalf("exit: %v", err)
			}
			if d := time.Since(start); d > 5*time.Second {
				t.Fatalf("shutdown took %v", d)
			}
		})
	}
}

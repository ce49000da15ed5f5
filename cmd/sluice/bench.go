package main

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"runtime/pprof"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"

	"github.com/sluice-io/sluice/client"
	"github.com/sluice-io/sluice/internal/bench"
	"github.com/sluice-io/sluice/internal/daemon"
)

// benchCmd compares Sluice with raw go-redis on the same Redis. Without
// --redis-url it starts a redis-server; without --server it runs a sluiced
// in this process against that Redis.
func benchCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("sluice bench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	redisURL := fs.String("redis-url", "", "Redis to measure on (default: start a throwaway redis-server)")
	server := fs.String("server", "", "a running sluiced on that Redis (default: start one in this process)")
	var cfg bench.Config
	fs.DurationVar(&cfg.Duration, "duration", 5*time.Second, "length of each throughput scenario")
	fs.IntVar(&cfg.Payload, "payload", 256, "payload bytes per event")
	fs.IntVar(&cfg.Publishers, "publishers", 4, "concurrent publishers")
	fs.IntVar(&cfg.Subscribers, "subscribers", 4, "subscribers in the consume scenario")
	fs.IntVar(&cfg.Batch, "batch", 100, "events per batched publish")
	fs.IntVar(&cfg.Messages, "messages", 200000, "messages drained in the consume scenario")
	rates := fs.String("rates", "1000,5000,20000", "msgs/s of the latency scenario")
	fs.DurationVar(&cfg.Tick, "tick", 0, "latency scenario's pacing: send what has come due every TICK (default 1s/rate: evenly spaced; 1ms: bursts of rate/1000)")
	fs.IntVar(&cfg.ScheduleRate, "schedule-rate", 10000, "schedule scenario: scheduled events falling due per second")
	fs.IntVar(&cfg.ScheduleBacklog, "schedule-backlog", 1000000, "schedule scenario: events scheduled far ahead for its second phase and the memory measure")
	only := fs.String("only", "", "comma-separated scenarios to run: publish, consume, latency, filter, schedule (default: all)")
	asJSON := fs.Bool("json", false, "print the report as JSON")
	fanout := fs.String("fanout", "", "instead of the other scenarios: comma-separated counts of Subscribe streams to hold open (e.g. 1000,10000)")
	fanStreams := fs.Int("fanout-streams", 10, "fan-out: streams")
	fanGroups := fs.Int("fanout-groups", 10, "fan-out: groups per stream (each message goes to every group); 0: independent readers (each gets every message of its stream)")
	fanRate := fs.Int("fanout-rate", 1000, "fan-out: published msgs/s")
	fs.BoolVar(&cfg.Auth, "auth", false, "run the in-process sluiced with an auth policy (a bearer token for every call, no rate limit that the bench reaches) and signed ack IDs, as a deployment with auth runs")
	floorMiB := fs.Int("gc-heap-floor-mib", daemon.DefaultHeapFloor>>20, "the in-process sluiced's GC heap floor, as sluiced's --gc-heap-floor-mib (it holds for this whole process, go-redis's side too; 0: off; ignored when GOGC is set)")
	cpuProfile := fs.String("cpuprofile", "", "write a CPU profile of this process (client and in-process sluiced) to this file")
	fs.StringVar(&bench.HeapProfile, "heapprofile", "", "fan-out: write heap profiles at the start and end of the steady phase to FILE.start and FILE.end")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if err := cfg.SetOnly(*only); err != nil {
		return err
	}
	for _, r := range strings.Split(*rates, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(r))
		if err != nil || n <= 0 {
			return fmt.Errorf("--rates: %q is not a positive number", r)
		}
		cfg.Rates = append(cfg.Rates, n)
	}
	if cfg.Duration <= 0 || cfg.Payload < 8 || cfg.Publishers < 1 || cfg.Subscribers < 1 || cfg.Batch < 1 || cfg.Messages < 1 {
		return errors.New("--duration, --payload (>= 8), --publishers, --subscribers, --batch and --messages must be positive")
	}
	if cfg.ScheduleRate < 1 || cfg.ScheduleBacklog < 1 {
		return errors.New("--schedule-rate and --schedule-backlog must be positive")
	}
	if cfg.Tick < 0 {
		return errors.New("--tick must not be negative")
	}
	if cfg.Auth && *server != "" {
		return errors.New("--auth sets up the in-process sluiced; it does not go with --server")
	}
	if *redisURL == "" {
		url, stop, err := bench.StartRedis(ctx)
		if err != nil {
			return err
		}
		defer stop()
		*redisURL = url
	}
	opts, err := redis.ParseURL(*redisURL)
	if err != nil {
		return err
	}
	rdb := redis.NewClient(opts)
	defer rdb.Close()
	dialOpts := append(client.DialOptions(), grpc.WithTransportCredentials(insecure.NewCredentials()))
	if *server == "" {
		dcfg := daemon.Config{Listen: "127.0.0.1:0", RedisURL: *redisURL, NoAuth: true,
			Logger: slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelError}))}
		if cfg.Auth {
			token, dir, err := benchAuth(&dcfg)
			if err != nil {
				return err
			}
			defer os.RemoveAll(dir)
			dialOpts = append(dialOpts, grpc.WithPerRPCCredentials(client.BearerToken{Token: token, AllowInsecure: true}))
		}
		if *floorMiB > 0 && os.Getenv("GOGC") == "" {
			defer daemon.SetHeapFloor(uint64(*floorMiB)<<20, os.Getenv)()
			cfg.HeapFloorMiB = *floorMiB
		}
		ctx, cancel := context.WithCancel(ctx)
		ready := make(chan string, 1)
		done := make(chan error, 1)
		dcfg.Ready = func(a net.Addr) { ready <- a.String() }
		go func() { done <- daemon.Run(ctx, dcfg) }()
		select {
		case *server = <-ready:
		case err := <-done:
			cancel()
			return err
		}
		defer func() { cancel(); <-done }()
	}
	conn, err := grpc.NewClient(*server, dialOpts...)
	if err != nil {
		return err
	}
	defer conn.Close()
	if *cpuProfile != "" {
		f, err := os.Create(*cpuProfile)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}
	if *fanout != "" {
		var results []*bench.FanOut
		for _, f := range strings.Split(*fanout, ",") {
			n, err := strconv.Atoi(strings.TrimSpace(f))
			if err != nil || n < 1 {
				return fmt.Errorf("--fanout: %q is not a positive number", f)
			}
			r, err := bench.RunFanOut(ctx, conn, rdb, n, *fanStreams, *fanGroups, *fanRate, cfg.Duration)
			if err != nil {
				return err
			}
			results = append(results, r)
		}
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(results)
	}
	rep, err := bench.Run(ctx, cfg, conn, rdb, stderr)
	if err != nil {
		return err
	}
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(rep)
	}
	bench.Table(stdout, rep)
	return nil
}

// benchAuth writes an auth policy with one random token allowed everything
// the bench does, without limits the bench would reach, and a random ack key,
// into a new temporary directory (the caller removes it), and names them in
// cfg; it returns the token.
func benchAuth(cfg *daemon.Config) (token, dir string, err error) {
	var raw [32]byte
	if _, err := rand.Read(raw[:]); err != nil {
		return "", "", err
	}
	token = hex.EncodeToString(raw[:16])
	policy := fmt.Sprintf(`tokens:
  - {sha256: %x, principal: bench}
principals:
  bench:
    publish: ["*"]
    subscribe: ["*"]
    max_subscriptions: 100000
    rate_limit: 1000000000
`, sha256.Sum256([]byte(token)))
	if dir, err = os.MkdirTemp("", "sluice-bench-auth-"); err != nil {
		return "", "", err
	}
	cfg.AuthPolicy, cfg.AckKeyFile, cfg.NoAuth = filepath.Join(dir, "policy.yaml"), filepath.Join(dir, "ack.key"), false
	err = errors.Join(os.WriteFile(cfg.AuthPolicy, []byte(policy), 0o600),
		os.WriteFile(cfg.AckKeyFile, []byte(hex.EncodeToString(raw[16:])), 0o600))
	if err != nil {
		os.RemoveAll(dir)
		return "", "", err
	}
	return token, dir, nil
}

// Command sluice is the Sluice command-line client: it publishes and
// subscribes, manages dead letters, inspects and administers streams,
// groups and topics through the Admin API, and runs the benchmark.
//
//	sluice publish   --stream S | --topic T, --type T (--json '{...}' | --data TEXT | --data @FILE) [--deliver-at TIME | --deliver-after D] [--expire-at TIME | --ttl D] ...
//	sluice subscribe --stream S | --topic T [--group G [--consumer C]] [--from POSITION] [--count N] ...
//	sluice dlq list | redrive | purge --stream S ...
//	sluice streams | describe | pending | read ...
//	sluice group create | delete | seek --stream S --group G ...
//	sluice trim --stream S (--max-len N | --max-age D | --min-id ID) --yes
//	sluice topic create | list | describe ...
//	sluice scheduled list | cancel --stream S ...
//	sluice bench [--only SCENARIO] [--fanout N,...] ...
//
// The usage text (sluice help) lists every flag. The server address comes
// from --server or SLUICE_SERVER (default 127.0.0.1:7070).
package main

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"
	"unicode/utf8"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/sluice-io/sluice/client"
	sluicev1 "github.com/sluice-io/sluice/gen/go/sluice/v1"
	"github.com/sluice-io/sluice/internal/envflag"
)

const usage = `usage:
  sluice publish   (--stream S | --topic T) --type T (--json '{...}' | --data TEXT | --data @FILE) [--key K]
                   [--header NAME=VALUE]... [--idempotency-key K] [--deliver-at TIME | --deliver-after DURATION]
                   [--expire-at TIME | --ttl DURATION]
  sluice subscribe (--stream S | --topic T) [--group G [--consumer C]] [--from earliest|newest|ID|TIME|DURATION] [--count N]
                   [--no-ack | --nack | --reject REASON] [--ack-deadline D] [--max-deliveries N]
                   [--dead-letter-expired] [--filter EXPR]
  sluice dlq list    --stream S [--limit N]
  sluice dlq redrive --stream S (--all | --id ID...) [--to STREAM]
  sluice dlq purge   --stream S (--all | --id ID...) --yes
  sluice bench [--redis-url URL] [--server ADDR] [--duration D] [--json] ...
  sluice streams   [--pattern P]
  sluice describe  --stream S
  sluice pending   --stream S --group G [--consumer C] [--due] [--limit N]
  sluice read      --stream S [--start ID] [--end ID] [--reverse] [--limit N]
  sluice group create|delete|seek --stream S --group G [--from POSITION] [--filter EXPR] [--yes]
  sluice trim      --stream S (--max-len N | --max-age D | --min-id ID) --yes
  sluice topic create --topic T --partitions N
  sluice topic list
  sluice topic describe --topic T
  sluice scheduled list   --stream S [--limit N]
  sluice scheduled cancel --stream S --id SCHEDULE_ID

Every command takes --server ADDR (env SLUICE_SERVER, default 127.0.0.1:7070), --token (SLUICE_TOKEN),
and for TLS --tls-ca (SLUICE_TLS_CA), --tls-cert and --tls-key (SLUICE_CLIENT_CERT, SLUICE_CLIENT_KEY).
Run 'sluice COMMAND -h' for a command's flags.
`

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr, os.Getenv)
	stop()
	if err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			msg := err.Error()
			if !strings.HasPrefix(msg, "sluice: ") {
				msg = "sluice: " + msg
			}
			fmt.Fprintln(os.Stderr, msg)
		}
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer, getenv func(string) string) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return errors.New("no command")
	}
	switch args[0] {
	case "publish":
		return publish(ctx, args[1:], stdin, stdout, stderr, getenv)
	case "subscribe":
		return subscribe(ctx, args[1:], stdout, stderr, getenv)
	case "dlq":
		return dlq(ctx, args[1:], stdout, stderr, getenv)
	case "bench":
		return benchCmd(ctx, args[1:], stdout, stderr)
	case "streams", "describe", "pending", "read", "group", "trim", "topic", "scheduled":
		return admin(ctx, args[0], args[1:], stdout, stderr, getenv)
	case "-h", "--help", "help":
		fmt.Fprint(stdout, usage)
		return nil
	}
	fmt.Fprint(stderr, usage)
	return fmt.Errorf("unknown command %q", args[0])
}

// connFlags are how every command reaches sluiced.
type connFlags struct {
	server, token, ca, cert, key string
}

var connEnv = envflag.Only(map[string]string{
	"server": "SLUICE_SERVER", "token": "SLUICE_TOKEN", "tls-ca": "SLUICE_TLS_CA",
	"tls-cert": "SLUICE_CLIENT_CERT", "tls-key": "SLUICE_CLIENT_KEY",
})

func newFlagSet(name string, stderr io.Writer) (*flag.FlagSet, *connFlags) {
	fs := flag.NewFlagSet("sluice "+name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	c := &connFlags{}
	fs.StringVar(&c.server, "server", "127.0.0.1:7070", "sluiced address (env SLUICE_SERVER)")
	fs.StringVar(&c.token, "token", "", "bearer token (env SLUICE_TOKEN)")
	fs.StringVar(&c.ca, "tls-ca", "", "PEM CA of sluiced's certificate: connect with TLS (env SLUICE_TLS_CA)")
	fs.StringVar(&c.cert, "tls-cert", "", "PEM client certificate for mutual TLS (env SLUICE_CLIENT_CERT)")
	fs.StringVar(&c.key, "tls-key", "", "PEM client key for mutual TLS (env SLUICE_CLIENT_KEY)")
	return fs, c
}

func dial(c *connFlags) (*grpc.ClientConn, error) {
	creds := insecure.NewCredentials()
	if c.ca != "" || c.cert != "" {
		cfg := &tls.Config{MinVersion: tls.VersionTLS12}
		if c.ca != "" {
			pem, err := os.ReadFile(c.ca)
			if err != nil {
				return nil, err
			}
			cfg.RootCAs = x509.NewCertPool()
			if !cfg.RootCAs.AppendCertsFromPEM(pem) {
				return nil, fmt.Errorf("--tls-ca %s: no PEM certificates", c.ca)
			}
		}
		if c.cert != "" {
			pair, err := tls.LoadX509KeyPair(c.cert, c.key)
			if err != nil {
				return nil, fmt.Errorf("--tls-cert/--tls-key: %w", err)
			}
			cfg.Certificates = []tls.Certificate{pair}
		}
		creds = credentials.NewTLS(cfg)
	}
	opts := append(client.DialOptions(), grpc.WithTransportCredentials(creds))
	if c.token != "" {
		// Without TLS the token crosses the network in clear text: allowed
		// (a loopback server), but the user chose it by giving no --tls-ca.
		opts = append(opts, grpc.WithPerRPCCredentials(client.BearerToken{Token: c.token, AllowInsecure: c.ca == "" && c.cert == ""}))
	}
	return grpc.NewClient(c.server, opts...)
}

type headerFlag map[string]string

func (h headerFlag) String() string { return "" }

func (h headerFlag) Set(v string) error {
	name, value, ok := strings.Cut(v, "=")
	if !ok {
		return errors.New("want NAME=VALUE")
	}
	h[name] = value
	return nil
}

func publish(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer, getenv func(string) string) error {
	fs, server := newFlagSet("publish", stderr)
	stream := fs.String("stream", "", "stream name")
	topic := fs.String("topic", "", "partitioned topic name, instead of --stream")
	typ := fs.String("type", "", "full event type, e.g. examples.orders.v1.OrderCreated (required)")
	js := fs.String("json", "", "event as JSON; the server converts it to Protobuf when it knows the type")
	data := fs.String("data", "", "raw payload: TEXT, @FILE, or @- for standard input")
	contentType := fs.String("content-type", "", "payload media type (default application/protobuf for --data, application/json for --json)")
	version := fs.String("version", "", "schema version (default: from the type's package, e.g. v1)")
	key := fs.String("key", "", "event key")
	idem := fs.String("idempotency-key", "", "publish at most once per key within the server's window; retried while the server is unavailable")
	headers := headerFlag{}
	fs.Var(headers, "header", "header NAME=VALUE (repeatable)")
	deliverAt := fs.String("deliver-at", "", "schedule: deliver at this RFC 3339 time (e.g. 2026-12-24T18:00:00Z)")
	deliverAfter := fs.Duration("deliver-after", 0, "schedule: deliver this long from now (e.g. 90s, 2h)")
	expireAt := fs.String("expire-at", "", "expire at this RFC 3339 time: groups not sent the event by then never are")
	ttl := fs.Duration("ttl", 0, "expire this long after the event is in the stream (e.g. 30s, 24h)")
	if err := envflag.Parse(fs, args, connEnv, getenv); err != nil {
		return err
	}
	if (*stream == "") == (*topic == "") || *typ == "" {
		return errors.New("publish needs --type and one of --stream and --topic")
	}
	if (*js == "") == (*data == "") {
		return errors.New("publish needs exactly one of --json and --data")
	}
	ev := &sluicev1.Event{Type: *typ, Version: *version, ContentType: *contentType, Key: *key, IdempotencyKey: *idem}
	if len(headers) > 0 {
		ev.Headers = headers
	}
	switch {
	case *deliverAt != "" && *deliverAfter != 0:
		return errors.New("publish takes at most one of --deliver-at and --deliver-after")
	case *deliverAt != "":
		t, err := time.Parse(time.RFC3339Nano, *deliverAt)
		if err != nil {
			return fmt.Errorf("--deliver-at: %q is not an RFC 3339 time such as 2026-12-24T18:00:00Z", *deliverAt)
		}
		client.WithDeliverAt(t)(ev)
	case *deliverAfter != 0:
		client.WithDeliverAfter(*deliverAfter)(ev)
	}
	switch {
	case *expireAt != "" && *ttl != 0:
		return errors.New("publish takes at most one of --expire-at and --ttl")
	case *expireAt != "":
		t, err := time.Parse(time.RFC3339Nano, *expireAt)
		if err != nil {
			return fmt.Errorf("--expire-at: %q is not an RFC 3339 time such as 2026-12-24T18:00:00Z", *expireAt)
		}
		client.WithExpireAt(t)(ev)
	case *ttl != 0:
		client.WithTTL(*ttl)(ev)
	}
	if *js != "" {
		ev.Data = &sluicev1.Event_Json{Json: *js}
	} else {
		payload, err := readData(*data, stdin)
		if err != nil {
			return err
		}
		ev.Data = &sluicev1.Event_Payload{Payload: payload}
	}
	conn, err := dial(server)
	if err != nil {
		return err
	}
	defer conn.Close()
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	pub := client.NewPublisher(conn)
	if *topic != "" {
		pos, err := pub.PublishTopic(ctx, *topic, ev)
		if err != nil {
			return err
		}
		id := pos[0].ID
		if id == "" {
			id = "scheduled " + pos[0].ScheduleID
		}
		fmt.Fprintf(stdout, "%s %s\n", streamOf(*topic, pos[0].Partition), id)
		return nil
	}
	ids, err := pub.Publish(ctx, *stream, ev)
	if err != nil {
		return err
	}
	if client.IsScheduleID(ids[0]) {
		fmt.Fprintln(stdout, "scheduled", ids[0])
		return nil
	}
	fmt.Fprintln(stdout, ids[0])
	return nil
}

func readData(v string, stdin io.Reader) ([]byte, error) {
	switch {
	case v == "@-":
		return io.ReadAll(stdin)
	case strings.HasPrefix(v, "@"):
		return os.ReadFile(v[1:])
	}
	return []byte(v), nil
}

// streamOf is the stream of a topic's partition (streams.PartitionStream,
// without importing the server side).
func streamOf(topic string, partition int) string { return fmt.Sprintf("%s.p%d", topic, partition) }

// parseFrom reads --from: earliest, newest, an entry ID, an RFC 3339 time,
// or a duration meaning that long ago.
func parseFrom(v string, now time.Time) (*sluicev1.StartPosition, error) {
	edge := func(e sluicev1.Edge) *sluicev1.StartPosition {
		return &sluicev1.StartPosition{Position: &sluicev1.StartPosition_Edge{Edge: e}}
	}
	switch v {
	case "", "newest":
		return edge(sluicev1.Edge_EDGE_NEWEST), nil
	case "earliest":
		return edge(sluicev1.Edge_EDGE_EARLIEST), nil
	}
	if t, err := time.Parse(time.RFC3339Nano, v); err == nil {
		return &sluicev1.StartPosition{Position: &sluicev1.StartPosition_Time{Time: timestamppb.New(t)}}, nil
	}
	if d, err := time.ParseDuration(v); err == nil && d > 0 {
		return &sluicev1.StartPosition{Position: &sluicev1.StartPosition_Time{Time: timestamppb.New(now.Add(-d))}}, nil
	}
	if v[0] >= '0' && v[0] <= '9' {
		return &sluicev1.StartPosition{Position: &sluicev1.StartPosition_AfterId{AfterId: v}}, nil
	}
	return nil, fmt.Errorf("--from %q: use earliest, newest, an entry ID, an RFC 3339 time or a duration like 15m", v)
}

// output is the JSON line printed per message.
type output struct {
	Stream          string            `json:"stream"`
	Topic           string            `json:"topic,omitempty"`
	Partition       *int32            `json:"partition,omitempty"`
	Group           string            `json:"group,omitempty"`
	ID              string            `json:"id"`
	Type            string            `json:"type"`
	Version         string            `json:"version,omitempty"`
	ContentType     string            `json:"content_type,omitempty"`
	Key             string            `json:"key,omitempty"`
	Headers         map[string]string `json:"headers,omitempty"`
	PublishTime     string            `json:"publish_time"`
	DeliverAt       string            `json:"deliver_at,omitempty"`
	ExpireAt        string            `json:"expire_at,omitempty"`
	DeliveryAttempt int32             `json:"delivery_attempt,omitempty"`
	Payload         json.RawMessage   `json:"payload,omitempty"`
	PayloadText     *string           `json:"payload_text,omitempty"`
	PayloadBase64   *string           `json:"payload_base64,omitempty"`
	ExtraFields     map[string]string `json:"extra_fields,omitempty"`
}

// toOutput converts a message of stream (unless the message names its own
// stream, as topic deliveries do).
func toOutput(stream, group string, m *sluicev1.Message) output {
	e := m.GetEvent()
	if m.GetStream() != "" {
		stream = m.GetStream()
	}
	o := output{
		Stream: stream, Group: group, ID: m.GetId(), Type: e.GetType(), Version: e.GetVersion(),
		ContentType: e.GetContentType(), Key: e.GetKey(), Headers: e.GetHeaders(),
		PublishTime: e.GetPublishTime().AsTime().UTC().Format(time.RFC3339Nano), DeliveryAttempt: m.GetDeliveryAttempt(),
	}
	if e.GetDeliverAt() != nil {
		o.DeliverAt = e.GetDeliverAt().AsTime().UTC().Format(time.RFC3339Nano)
	}
	if e.GetExpireAt() != nil {
		o.ExpireAt = e.GetExpireAt().AsTime().UTC().Format(time.RFC3339Nano)
	}
	switch p := e.GetPayload(); {
	case e.GetJson() != "" && json.Valid([]byte(e.GetJson())):
		var compact bytes.Buffer
		_ = json.Compact(&compact, []byte(e.GetJson())) // valid, so it cannot fail
		o.Payload = compact.Bytes()
	case utf8.Valid(p) && !strings.HasPrefix(e.GetContentType(), "application/protobuf"):
		s := string(p)
		o.PayloadText = &s
	default:
		s := base64.StdEncoding.EncodeToString(p)
		o.PayloadBase64 = &s
	}
	for k, v := range m.GetExtraFields() {
		if o.ExtraFields == nil {
			o.ExtraFields = make(map[string]string)
		}
		if utf8.Valid(v) {
			o.ExtraFields[k] = string(v)
		} else {
			o.ExtraFields[k] = "base64:" + base64.StdEncoding.EncodeToString(v)
		}
	}
	return o
}

func subscribe(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) error {
	fs, server := newFlagSet("subscribe", stderr)
	stream := fs.String("stream", "", "stream name")
	topic := fs.String("topic", "", "partitioned topic name, instead of --stream")
	group := fs.String("group", "", "consumer group; without one, read independently (no acks)")
	consumer := fs.String("consumer", "", "consumer name in the group (default: generated)")
	from := fs.String("from", "newest", "where a new group or a reader starts: earliest, newest, an entry ID (exclusive), an RFC 3339 time, or a duration ago (15m)")
	count := fs.Int("count", 0, "exit after this many messages (0: run until interrupted)")
	noAck := fs.Bool("no-ack", false, "leave messages pending instead of acking them")
	nack := fs.Bool("nack", false, "nack messages instead of acking them (redelivered after the retry backoff)")
	reject := fs.String("reject", "", "dead-letter messages with this reason instead of acking them")
	ackDeadline := fs.Duration("ack-deadline", 0, "ack deadline of the subscription (default: the server's, 30s)")
	maxDeliveries := fs.Int("max-deliveries", 0, "deliveries before dead-lettering (default: the server's, 10)")
	filterExpr := fs.String("filter", "", "only messages matching this CEL expression (with --group: the group's filter, set when the group is created)")
	deadLetterExpired := fs.Bool("dead-letter-expired", false, "dead-letter expired messages (reason expired) instead of acking them")
	if err := envflag.Parse(fs, args, connEnv, getenv); err != nil {
		return err
	}
	if (*stream == "") == (*topic == "") {
		return errors.New("subscribe needs one of --stream and --topic")
	}
	if *count < 0 {
		return errors.New("--count must not be negative")
	}
	start, err := parseFrom(*from, time.Now())
	if err != nil {
		return err
	}
	conn, err := dial(server)
	if err != nil {
		return err
	}
	defer conn.Close()
	settle := 0
	for _, b := range []bool{*noAck, *nack, *reject != ""} {
		if b {
			settle++
		}
	}
	if settle > 1 {
		return errors.New("use at most one of --no-ack, --nack and --reject")
	}
	cfg := client.SubscriberConfig{Stream: *stream, Topic: *topic, Group: *group, Consumer: *consumer, Start: start,
		PayloadFormat: sluicev1.PayloadFormat_PAYLOAD_FORMAT_JSON, AckDeadline: *ackDeadline, MaxDeliveries: *maxDeliveries,
		DeadLetterExpired: *deadLetterExpired, Filter: *filterExpr}
	if *count > 0 {
		// Never hold more than we will print: the rest stays for others.
		cfg.MaxInFlight = min(*count, 1000)
	}
	sub, err := client.NewSubscriber(conn, cfg)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	enc := json.NewEncoder(stdout)
	printed := 0
	err = sub.Consume(ctx, func(hctx context.Context, m *client.Message) error {
		if *count > 0 && printed >= *count {
			m.Hold() // not ours to print: pending, released when we exit
			return nil
		}
		o := toOutput(*stream, *group, m.Message)
		if *topic != "" {
			p := m.GetPartition()
			o.Topic, o.Partition = *topic, &p
		}
		if err := enc.Encode(o); err != nil {
			cancel()
			return err
		}
		printed++
		if *count > 0 && printed == *count {
			cancel()
		}
		switch {
		case *group == "":
		case *noAck:
			m.Hold()
		case *nack:
			_, err := m.Nack(context.WithoutCancel(hctx), -1, "nacked with sluice subscribe --nack")
			return err
		case *reject != "":
			_, err := m.Reject(context.WithoutCancel(hctx), *reject)
			return err
		}
		return nil
	})
	return err
}

func dlq(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return errors.New("dlq needs a command: list, redrive or purge")
	}
	op := args[0]
	fs, server := newFlagSet("dlq "+op, stderr)
	stream := fs.String("stream", "", "source stream whose dead letters to manage (required)")
	limit := fs.Int("limit", 100, "list: most records to print")
	all := fs.Bool("all", false, "redrive / purge: every record")
	to := fs.String("to", "", "redrive: publish to this stream instead of each record's source")
	yes := fs.Bool("yes", false, "purge: confirm deleting records for good")
	var ids multiFlag
	fs.Var(&ids, "id", "redrive / purge: record ID (repeatable)")
	if err := envflag.Parse(fs, args[1:], connEnv, getenv); err != nil {
		return err
	}
	if *stream == "" {
		return errors.New("dlq needs --stream")
	}
	if op != "list" && *all == (len(ids) > 0) {
		return fmt.Errorf("dlq %s needs either --all or --id", op)
	}
	conn, err := dial(server)
	if err != nil {
		return err
	}
	defer conn.Close()
	rpc := sluicev1.NewDeadLetterServiceClient(conn)
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	enc := json.NewEncoder(stdout)
	switch op {
	case "list":
		token := ""
		for printed := 0; printed < *limit; {
			res, err := rpc.ListDeadLetters(ctx, &sluicev1.ListDeadLettersRequest{Stream: *stream,
				PageSize: int32(min(*limit-printed, 1000)), PageToken: token})
			if err != nil {
				return err
			}
			for _, d := range res.GetDeadLetters() {
				o := toOutput(d.GetSourceStream(), d.GetGroup(), &sluicev1.Message{Id: d.GetSourceId(), Event: d.GetEvent(),
					DeliveryAttempt: d.GetDeliveryAttempts(), ExtraFields: d.GetExtraFields()})
				if err := enc.Encode(deadLetterOutput{ID: d.GetId(), Reason: d.GetReason(),
					DeadLetteredAt: d.GetDeadLetteredAt().AsTime().UTC().Format(time.RFC3339Nano), Source: o}); err != nil {
					return err
				}
				printed++
			}
			if token = res.GetNextPageToken(); token == "" {
				break
			}
		}
		return nil
	case "redrive":
		res, err := rpc.RedriveDeadLetters(ctx, &sluicev1.RedriveDeadLettersRequest{Stream: *stream, Ids: ids, TargetStream: *to})
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "redriven: %d, not found: %d\n", len(res.GetNewIds()), len(res.GetMissingIds()))
		return nil
	case "purge":
		if !*yes {
			return errors.New("purge deletes dead letters for good: add --yes to confirm")
		}
		res, err := rpc.PurgeDeadLetters(ctx, &sluicev1.PurgeDeadLettersRequest{Stream: *stream, Ids: ids})
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "purged: %d\n", res.GetDeleted())
		return nil
	}
	return fmt.Errorf("unknown dlq command %q: use list, redrive or purge", op)
}

type deadLetterOutput struct {
	ID             string `json:"id"`
	Reason         string `json:"reason"`
	DeadLetteredAt string `json:"dead_lettered_at"`
	Source         output `json:"source"`
}

type multiFlag []string

func (m *multiFlag) String() string { return strings.Join(*m, ",") }

func (m *multiFlag) Set(v string) error {
	*m = append(*m, v)
	return nil
}

func envflagParse(fs *flag.FlagSet, args []string, getenv func(string) string) error {
	return envflag.Parse(fs, args, connEnv, getenv)
}

func jsonLine(w io.Writer, v any) error { return json.NewEncoder(w).Encode(v) }

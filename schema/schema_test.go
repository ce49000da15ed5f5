package schema_test

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"google.golang.org/protobuf/proto"

	ordersv1 "github.com/sluice-io/sluice/gen/go/examples/orders/v1"
	ordersv2 "github.com/sluice-io/sluice/gen/go/examples/orders/v2"
	"github.com/sluice-io/sluice/schema"
)

func load(t *testing.T) *schema.Registry {
	t.Helper()
	r, err := schema.Load("../gen/sluice.binpb")
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestKnownAndValidate(t *testing.T) {
	r := load(t)
	const v1 = "examples.orders.v1.OrderCreated"
	if !r.Known(v1) || !r.Known("examples.orders.v2.LineItem") {
		t.Fatal("example types not known")
	}
	if r.Known("examples.orders.v3.OrderCreated") {
		t.Fatal("unknown type reported known")
	}
	good, _ := proto.Marshal(&ordersv1.OrderCreated{OrderId: "o1", TotalCents: 5})
	if err := r.Validate(v1, good); err != nil {
		t.Fatalf("valid payload rejected: %v", err)
	}
	for _, bad := range [][]byte{{0xff, 0xff}, {0x0a, 0x05, 'a'}, {0x0a, 0x01, 0xff}} {
		if err := r.Validate(v1, bad); err == nil {
			t.Errorf("payload %x accepted", bad)
		}
	}
	var nilReg *schema.Registry
	if nilReg.Known(v1) || nilReg.Len() != 0 || nilReg.Validate(v1, good) == nil {
		t.Fatal("nil registry must know nothing")
	}
}

func TestJSONRoundTripAndEvolution(t *testing.T) {
	r := load(t)
	bin, err := r.FromJSON("examples.orders.v2.OrderCreated",
		[]byte(`{"order_id":"o7","customerId":"c1","totalCents":"1250","currency":"EUR","items":[{"sku":"s","quantity":2}]}`))
	if err != nil {
		t.Fatal(err)
	}
	// A v2 payload decodes with the v1 code: v2 only added fields.
	var old ordersv1.OrderCreated
	if err := proto.Unmarshal(bin, &old); err != nil || old.GetOrderId() != "o7" || old.GetTotalCents() != 1250 {
		t.Fatalf("v1 view of v2 payload: %v %v", &old, err)
	}
	var v2 ordersv2.OrderCreated
	if err := proto.Unmarshal(bin, &v2); err != nil || v2.GetCurrency() != "EUR" || len(v2.GetItems()) != 1 {
		t.Fatalf("v2 view: %v %v", &v2, err)
	}
	js, err := r.ToJSON("examples.orders.v2.OrderCreated", bin)
	var compact bytes.Buffer
	if err == nil {
		err = json.Compact(&compact, js) // protojson varies its spacing on purpose
	}
	if err != nil || !strings.Contains(compact.String(), `"currency":"EUR"`) {
		t.Fatalf("ToJSON = %s, %v", js, err)
	}
	if _, err := r.FromJSON("examples.orders.v1.OrderCreated", []byte(`{"nope":1}`)); err == nil {
		t.Fatal("unknown JSON field accepted")
	}
}

// FuzzFromJSON: converting any JSON never panics, and what converts is a
// valid payload that survives a JSON round trip unchanged.
func FuzzFromJSON(f *testing.F) {
	r, err := schema.Load("../gen/sluice.binpb")
	if err != nil {
		f.Fatal(err)
	}
	f.Add("examples.orders.v2.OrderCreated", []byte(`{"orderId":"o","items":[{"sku":"s","quantity":2}]}`))
	f.Add("examples.orders.v1.OrderCreated", []byte(`{"totalCents":"-9223372036854775808"}`))
	f.Add("sluice.v1.Event", []byte(`{"type":"t","json":"{}","headers":{"a":"b"},"publishTime":"2024-01-01T00:00:00Z"}`))
	f.Fuzz(func(t *testing.T, typ string, js []byte) {
		bin, err := r.FromJSON(typ, js)
		if err != nil {
			return
		}
		if err := r.Validate(typ, bin); err != nil {
			t.Fatalf("converted payload does not validate: %v", err)
		}
		back, err := r.ToJSON(typ, bin)
		if err != nil {
			t.Fatalf("ToJSON of converted payload: %v", err)
		}
		again, err := r.FromJSON(typ, back)
		if err != nil || !bytes.Equal(again, bin) {
			t.Fatalf("round trip changed %x into %x (%v)", bin, again, err)
		}
	})
}

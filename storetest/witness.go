package storetest

import (
	"context"
	"testing"
	"time"

	"github.com/plaudit/plaudit"
)

func init() { register(110, "Witness", testWitness) }

// testWitness: attestations are one per witness and epoch (a repeat is harmless, other values conflict),
// disputes are resolved once, publication is recorded once.
func testWitness(t *testing.T, open Opener) {
	ctx := context.Background()
	st, ok := open(t).(plaudit.WitnessStore)
	if !ok {
		t.Skip("the store keeps no witness records")
	}
	at := time.Date(2026, 11, 23, 1, 0, 0, 0, time.UTC)
	a := plaudit.WitnessRecord{Epoch: "poe@x", Witness: "0xA", Kind: plaudit.WitnessAttestation, Time: at, Root: "0x01", TotalPaid: "5", Document: `{"a":1}`}
	if added, err := st.AddWitnessRecord(ctx, &a); err != nil || !added || a.ID == 0 {
		t.Fatalf("add: %v %v %d", added, err, a.ID)
	}
	again := a
	again.ID = 0
	if added, err := st.AddWitnessRecord(ctx, &again); err != nil || added || again.ID != a.ID {
		t.Fatalf("repeat: added %v, %v, id %d", added, err, again.ID)
	}
	other := a
	other.Document = `{"a":2}`
	if _, err := st.AddWitnessRecord(ctx, &other); plaudit.ErrorCode(err) != plaudit.ECONFLICT {
		t.Fatalf("other values: %v, want ECONFLICT", err)
	}
	d := plaudit.WitnessRecord{Epoch: "poe@x", Witness: "0xB", Kind: plaudit.WitnessDispute, Time: at, Member: "alice", Stored: "9", Rebuilt: "5", Reason: "r", Document: `{}`}
	for range 2 {
		if _, err := st.AddWitnessRecord(ctx, &d); err != nil {
			t.Fatal(err)
		}
	}
	recs, err := st.WitnessRecords(ctx, "poe@x")
	if err != nil || len(recs) != 2 || recs[0].Time != at || recs[1].Member != "alice" || recs[1].Stored != "9" {
		t.Fatalf("records: %+v, %v", recs, err)
	}
	other.Document, other.Kind, other.Witness = `{"b":1}`, plaudit.WitnessDispute, "0xC"
	if _, err := st.AddWitnessRecord(ctx, &other); err != nil {
		t.Fatal(err)
	}
	if n, err := st.ResolveDisputes(ctx, "poe@x", at.Add(time.Hour), "root", "overruled", "checked by hand"); err != nil || n != 2 {
		t.Fatalf("resolve: %d, %v", n, err)
	}
	if n, _ := st.ResolveDisputes(ctx, "poe@x", at, "root", "fixed", "x"); n != 0 {
		t.Fatalf("resolved twice: %d", n)
	}
	recs, _ = st.WitnessRecords(ctx, "")
	if r := recs[1]; r.Resolution != "overruled" || r.ResolveReason != "checked by hand" || !r.ResolvedAt.Equal(at.Add(time.Hour)) {
		t.Fatalf("resolved record: %+v", r)
	}
	if p, err := st.Published(ctx, "poe@x"); err != nil || !p.IsZero() {
		t.Fatalf("published before: %v %v", p, err)
	}
	if ok, err := st.Publish(ctx, "poe@x", at); err != nil || !ok {
		t.Fatalf("publish: %v %v", ok, err)
	}
	if ok, err := st.Publish(ctx, "poe@x", at.Add(time.Hour)); err != nil || ok {
		t.Fatalf("publish again: %v %v", ok, err)
	}
	if p, _ := st.Published(ctx, "poe@x"); !p.Equal(at) {
		t.Fatalf("published at %v", p)
	}
}

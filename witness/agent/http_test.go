package agent_test

import (
	"context"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/api"
	"github.com/plaudit/plaudit/service"
	"github.com/plaudit/plaudit/witness/agent"
)

// TestOverHTTP: a witness with a witness API key reads the pending epochs and an epoch's inputs through the
// real API and posts its attestation there; the operator records it. A key of the ingest role is refused.
func TestOverHTTP(t *testing.T) {
	ctx := context.Background()
	clk := &clock{t: time.Date(2026, 3, 4, 12, 0, 0, 0, time.UTC)}
	st := open(t, "sqlite", "operator")
	svc, ids := operator(t, st, clk)
	srv := httptest.NewServer(api.NewServer(st, api.Options{Service: svc, Tokens: []string{"admin-token"}}))
	t.Cleanup(srv.Close)
	key, err := svc.CreateKey(ctx, service.NewKey{Name: "witness 0", Role: plaudit.RoleWitness, By: "test"})
	if err != nil {
		t.Fatal(err)
	}
	ingest, err := svc.CreateKey(ctx, service.NewKey{Name: "ingest", Role: plaudit.RoleIngest, By: "test"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := (agent.HTTP{BaseURL: srv.URL, Key: ingest.Secret}).Pending(ctx); plaudit.ErrorCode(err) != plaudit.EFORBIDDEN {
		t.Fatalf("pending with an ingest key: %v, want forbidden", err)
	}
	w := newAgent(t, 0, agent.HTTP{BaseURL: srv.URL, Key: key.Secret}, open(t, "sqlite", "w0"))
	outs, err := w.Round(ctx)
	if err != nil || len(outs) != len(ids) {
		t.Fatalf("round over HTTP: %d outcomes for %d epochs, %v", len(outs), len(ids), err)
	}
	for _, o := range outs {
		if o.Dispute != nil || o.State == nil || o.State.Valid != 1 {
			t.Fatalf("outcome %+v", o)
		}
	}
	recs, _ := st.WitnessRecords(ctx, ids[0])
	if len(recs) != 1 || recs[0].Kind != plaudit.WitnessAttestation || recs[0].Witness != w.Signer.Address().String() {
		t.Fatalf("operator's records: %+v", recs)
	}
	// A second round signs nothing more: both epochs are attested by this witness.
	if outs, err := w.Round(ctx); err != nil || len(outs) != 0 {
		t.Fatalf("second round: %d outcomes, %v", len(outs), err)
	}
}

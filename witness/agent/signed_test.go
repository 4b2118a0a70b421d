package agent_test

import (
	"context"
	"crypto/ed25519"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/didkey"
	"github.com/plaudit/plaudit/eventio"
	"github.com/plaudit/plaudit/gen"
	"github.com/plaudit/plaudit/payout"
	"github.com/plaudit/plaudit/policy"
	"github.com/plaudit/plaudit/service"
	"github.com/plaudit/plaudit/witness/agent"
)

// signedEvent returns a native post by actor at t, signed with priv over its canonical bytes.
func signedEvent(t *testing.T, priv ed25519.PrivateKey, id, actor, content string, at time.Time) plaudit.Event {
	t.Helper()
	e := plaudit.Event{Source: plaudit.SourceAPI, ExternalID: id, Kind: plaudit.KindPost, Actor: actor, Content: content, Time: at,
		Attrs: map[string]any{"lang": "en"}}
	msg, err := eventio.SigningBytes(&e)
	if err != nil {
		t.Fatal(err)
	}
	e.Attrs[eventio.SignatureAttr] = eventio.FormatSignature(didkey.Format(priv.Public().(ed25519.PublicKey)), ed25519.Sign(priv, msg))
	return e
}

// TestSignedNativeTampered: with program.witnesses.signed_native, the operator links alice's did:key,
// accepts her signed native posts (and refuses an unsigned one), and closes the week: an honest witness
// attests. Then one signed event's content is changed in the operator's store: verify fails and every
// witness disputes, naming the event. On SQLite and PostgreSQL.
func TestSignedNativeTampered(t *testing.T) {
	for _, backend := range []string{"sqlite", "postgres"} {
		t.Run(backend, func(t *testing.T) { testSignedNativeTampered(t, backend) })
	}
}

func testSignedNativeTampered(t *testing.T, backend string) {
	ctx := context.Background()
	clk := &clock{t: time.Date(2026, 3, 4, 12, 0, 0, 0, time.UTC)}
	st := open(t, backend, "operator")
	var events []plaudit.Event
	if _, err := gen.Generate(gen.Config{Members: 30, Days: 7, Seed: 3}, func(e *plaudit.Event) error { events = append(events, *e); return nil }); err != nil {
		t.Fatal(err)
	}
	if _, err := st.AppendEvents(ctx, events); err != nil {
		t.Fatal(err)
	}
	var addrs []string
	for _, k := range witnessKeys {
		s, _ := payout.NewSigner(k)
		addrs = append(addrs, `"`+s.Address().String()+`"`)
	}
	src, err := policy.PresetSource("default")
	if err != nil {
		t.Fatal(err)
	}
	prog := "program:\n  name: acme\n  period: weekly\n  pool: {token: \"0xa0b86991c6218b36c1d19d4a2e9eb0ce3606eb48\", decimals: 6, amount: 1000000000}\n" +
		"  witnesses:\n    addresses: [" + strings.Join(addrs, ", ") + "]\n    quorum: 2\n    signed_native: true\n"
	doc := regexp.MustCompile(`(?m)^program:\n(?:[ \t].*\n)*`).ReplaceAllString(string(src), prog)
	svc := service.New(st, service.Options{Now: clk.Now})
	if _, err := svc.ActivatePolicy(ctx, []byte(doc), "test.yml", "test"); err != nil {
		t.Fatal(err)
	}

	priv := ed25519.NewKeyFromSeed(make([]byte, 32))
	did := didkey.Format(priv.Public().(ed25519.PublicKey))
	if _, err := svc.LinkAccount(ctx, "api:alice", "alice", "", "test"); err != nil {
		t.Fatal(err)
	}
	clk.Add(time.Second) // the operator's changes are ids of the clock's nanoseconds
	if _, err := svc.KeyChange(ctx, "alice", did, false, "test"); err != nil {
		t.Fatal(err)
	}
	day := time.Date(2026, 1, 6, 10, 0, 0, 0, time.UTC)
	batch := []plaudit.Event{
		signedEvent(t, priv, "a1", "alice", "a first signed post", day),
		signedEvent(t, priv, "a2", "alice", "a second signed post", day.Add(time.Hour)),
	}
	if err := svc.CheckEventSignatures(ctx, batch, nil); err != nil {
		t.Fatalf("signed batch: %v", err)
	}
	if _, err := svc.AppendEvents(ctx, batch); err != nil {
		t.Fatal(err)
	}
	unsigned := []plaudit.Event{{Source: plaudit.SourceAPI, ExternalID: "a3", Kind: plaudit.KindPost, Actor: "alice", Time: day, Content: "unsigned"}}
	if err := svc.CheckEventSignatures(ctx, unsigned, nil); plaudit.ErrorCode(err) != plaudit.EFORBIDDEN || !strings.Contains(err.Error(), "api/a3") {
		t.Fatalf("unsigned native event under signed_native: %v, want EFORBIDDEN naming api/a3", err)
	}

	res, err := svc.CloseEpochs(ctx, service.CloseRequest{Verdicts: []plaudit.Verdict{}, Operator: "test", Through: time.Date(2026, 1, 12, 0, 0, 0, 0, time.UTC)})
	if err != nil || len(res.Epochs) == 0 {
		t.Fatalf("close: %+v %v", res, err)
	}
	var id string
	for _, ce := range res.Epochs {
		if !day.Before(ce.Window.Start) && day.Before(ce.Window.End) {
			id = ce.Window.ID
		}
	}
	if id == "" {
		t.Fatalf("no closed epoch holds %s", day)
	}
	local := agent.Local{Service: svc}
	if o, err := newAgent(t, 0, local, open(t, "sqlite", "w0")).Attest(ctx, id); err != nil || o.Dispute != nil {
		t.Fatalf("honest witness on the signed epoch: %+v %v", o, err)
	}

	// Tamper with a signed event's content in the store.
	if r, err := st.SQL().ExecContext(ctx, st.Rebind("UPDATE events SET content = ? WHERE source = 'api' AND external_id = 'a2'"), "a forged post"); err != nil {
		t.Fatal(err)
	} else if n, _ := r.RowsAffected(); n != 1 {
		t.Fatalf("tampering changed %d rows", n)
	}
	if _, err := svc.Verify(ctx, id, nil, nil); plaudit.ErrorCode(err) != plaudit.ECONFLICT {
		t.Fatalf("verify after tampering: %v, want ECONFLICT", err)
	}
	o, err := newAgent(t, 1, local, open(t, "sqlite", "w1")).Attest(ctx, id)
	if err != nil || o.Dispute == nil {
		t.Fatalf("witness after tampering: %+v %v, want a dispute", o, err)
	}
	if d := o.Dispute; d.Member != "alice" || d.Stored != "api/a2" || !strings.Contains(d.Reason, "native event api/a2") || !strings.Contains(d.Reason, "does not verify") {
		t.Fatalf("dispute %+v: want member alice, event api/a2, a signature that does not verify", d)
	}
	if o.State.State != service.EpochDisputed {
		t.Fatalf("state after the dispute: %s", o.State.State)
	}
}

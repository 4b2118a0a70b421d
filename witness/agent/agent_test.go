package agent_test

import (
	"context"
	"encoding/json"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/gen"
	"github.com/plaudit/plaudit/internal/testenv"
	"github.com/plaudit/plaudit/payout"
	"github.com/plaudit/plaudit/policy"
	"github.com/plaudit/plaudit/service"
	"github.com/plaudit/plaudit/sqlstore"
	"github.com/plaudit/plaudit/witness"
	"github.com/plaudit/plaudit/witness/agent"
)

// Three development keys (Hardhat's first accounts), never real ones.
var witnessKeys = []string{
	"0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80",
	"0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d",
	"0x5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3b79a4560d7f1e3b",
}

// clock is a settable clock shared by the operator's service.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

func open(t *testing.T, backend, name string) *sqlstore.DB {
	t.Helper()
	dsn := filepath.Join(t.TempDir(), name+".db")
	if backend == "postgres" {
		dsn = testenv.Postgres(t)
	}
	st, err := sqlstore.Open(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

// operator fills a store with a generated community and a policy paying a pool each week, with three
// witnesses and quorum 2, and closes the first week.
func operator(t *testing.T, st plaudit.Store, clk *clock) (*service.Service, []string) {
	t.Helper()
	ctx := context.Background()
	var events []plaudit.Event
	if _, err := gen.Generate(gen.Config{Members: 40, Days: 14, Seed: 3}, func(e *plaudit.Event) error { events = append(events, *e); return nil }); err != nil {
		t.Fatal(err)
	}
	for len(events) > 0 {
		n := min(len(events), 2000)
		if _, err := st.AppendEvents(ctx, events[:n]); err != nil {
			t.Fatal(err)
		}
		events = events[n:]
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
		"  witnesses:\n    addresses: [" + strings.Join(addrs, ", ") + "]\n    quorum: 2\n    dispute_window: 2h\n"
	doc := regexp.MustCompile(`(?m)^program:\n(?:[ \t].*\n)*`).ReplaceAllString(string(src), prog)
	svc := service.New(st, service.Options{Now: clk.Now})
	if _, err := svc.ActivatePolicy(ctx, []byte(doc), "test.yml", "test"); err != nil {
		t.Fatal(err)
	}
	res, err := svc.CloseEpochs(ctx, service.CloseRequest{Verdicts: []plaudit.Verdict{}, Operator: "test", Through: time.Date(2026, 1, 12, 0, 0, 0, 0, time.UTC)})
	var ids []string
	for _, ce := range res.Epochs {
		if ce.Epoch != nil && ce.Epoch.Root != "" {
			ids = append(ids, ce.Window.ID)
		}
	}
	if err != nil || len(ids) < 2 {
		t.Fatalf("close: %v, epochs that pay %v: the test needs two", err, ids)
	}
	return svc, ids
}

func newAgent(t *testing.T, i int, src agent.Source, own plaudit.Store) *agent.Agent {
	t.Helper()
	s, err := payout.NewSigner(witnessKeys[i])
	if err != nil {
		t.Fatal(err)
	}
	return &agent.Agent{Signer: s, Source: src, Own: service.New(own, service.Options{}), Record: own.(plaudit.WitnessStore)}
}

// TestThreeWitnesses is issue 15's acceptance: three witnesses, quorum 2. Before any attestation nothing is
// claimable; two honest witnesses attest and the epoch publishes only after the 2 h window; proofs work
// then. In a second epoch the operator's store is tampered with (a payout changed): the witnesses dispute,
// publication is held, the dispute names the member and both amounts; an admin's overrule with a reason
// releases it; every step is in the ledger's audit log. A witness killed after recording its statement and
// restarted sends the same statement again and never signs a second one.
func TestThreeWitnesses(t *testing.T) {
	for _, backend := range []string{"sqlite", "postgres"} {
		t.Run(backend, func(t *testing.T) { testThreeWitnesses(t, backend) })
	}
}

func testThreeWitnesses(t *testing.T, backend string) {
	ctx := context.Background()
	clk := &clock{t: time.Date(2026, 3, 4, 12, 0, 0, 0, time.UTC)}
	st := open(t, backend, "operator")
	svc, ids := operator(t, st, clk)
	id, id2 := ids[0], ids[1]
	src := agent.Local{Service: svc}
	var paidMember string
	ce, err := svc.Epoch(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range ce.Allocations {
		if a.Paid.Sign() > 0 {
			paidMember = a.Member
			break
		}
	}
	if _, err := svc.EpochProof(ctx, id, paidMember); plaudit.ErrorCode(err) != plaudit.ECONFLICT || !strings.Contains(err.Error(), "0 of the 2") {
		t.Fatalf("proof before any attestation: %v, want ECONFLICT (not published)", err)
	}

	w0 := newAgent(t, 0, src, open(t, "sqlite", "w0"))
	w1own := open(t, "sqlite", "w1")
	w1 := newAgent(t, 1, src, w1own)
	o, err := w0.Attest(ctx, id)
	if err != nil || o.Dispute != nil || o.State.State != service.EpochClosed || o.State.Valid != 1 {
		t.Fatalf("first attestation: %+v %v", o, err)
	}
	o, err = w1.Attest(ctx, id)
	if err != nil || o.State.State != service.EpochAttested || o.State.Valid != 2 {
		t.Fatalf("second attestation: %+v %v", o, err)
	}
	if err := svc.Claimable(ctx, id); plaudit.ErrorCode(err) != plaudit.ECONFLICT || !strings.Contains(err.Error(), "dispute window") {
		t.Fatalf("claimable inside the window: %v", err)
	}
	clk.Add(2*time.Hour - time.Second)
	if st, _ := svc.WitnessState(ctx, id); st.State != service.EpochAttested {
		t.Fatalf("a second before the window ends: %s", st.State)
	}
	clk.Add(time.Second)
	if err := svc.Claimable(ctx, id); err != nil {
		t.Fatalf("claimable after the window: %v", err)
	}
	if _, err := svc.EpochProof(ctx, id, paidMember); err != nil {
		t.Fatalf("proof after publication: %v", err)
	}

	// Restart: witness 1 again, with its own store (killed after recording, before or after sending):
	// it sends its recorded attestation again; the operator counts it once; its own store holds one.
	w1again := newAgent(t, 1, src, w1own)
	o2, err := w1again.Attest(ctx, id)
	if err != nil || !o2.Resent || o2.Signed.Signature != o.Signed.Signature {
		t.Fatalf("restarted witness: %+v %v", o2, err)
	}
	mine, _ := w1own.WitnessRecords(ctx, id)
	recs, _ := st.WitnessRecords(ctx, id)
	if len(mine) != 1 || len(recs) != 2 {
		t.Fatalf("after the restart: the witness holds %d statements, the operator %d records; want 1 and 2", len(mine), len(recs))
	}

	// The next week, tampered with: one payout changed in the operator's store after the close.
	var member, paid string
	if err := st.SQL().QueryRowContext(ctx, st.Rebind("SELECT member, paid FROM allocations WHERE epoch = ? AND paid <> '0' ORDER BY member LIMIT 1"), id2).Scan(&member, &paid); err != nil {
		t.Fatal(err)
	}
	if _, err := st.SQL().ExecContext(ctx, st.Rebind("UPDATE allocations SET paid = '999999999' WHERE epoch = ? AND member = ?"), id2, member); err != nil {
		t.Fatal(err)
	}
	w2 := newAgent(t, 2, src, open(t, "sqlite", "w2"))
	outs, err := w2.Round(ctx)
	if err != nil || len(outs) != 1 || outs[0].Dispute == nil {
		t.Fatalf("round of witness 2: %+v %v", outs, err)
	}
	d := outs[0].Dispute
	if d.Member != member || d.Stored != "999999999" || d.Rebuilt != paid || outs[0].State.State != service.EpochDisputed {
		t.Fatalf("dispute %+v (state %s), want member %s stored 999999999 rebuilt %s", d, outs[0].State.State, member, paid)
	}
	for _, w := range []*agent.Agent{w0, w1} {
		if o, err := w.Attest(ctx, id2); err != nil || o.Dispute == nil || o.Dispute.Member != member {
			t.Fatalf("honest witness on the tampered epoch: %+v %v", o, err)
		}
	}
	clk.Add(3 * time.Hour)
	if err := svc.Claimable(ctx, id2); plaudit.ErrorCode(err) != plaudit.ECONFLICT || !strings.Contains(err.Error(), "disputed") {
		t.Fatalf("claimable while disputed: %v", err)
	}
	if _, err := svc.ResolveDisputes(ctx, id2, "admin", service.ResolveFixed, "restored"); plaudit.ErrorCode(err) != plaudit.ECONFLICT {
		t.Fatalf("fixed while it still does not verify: %v", err)
	}
	if _, err := svc.ResolveDisputes(ctx, id2, "admin", service.ResolveOverruled, ""); plaudit.ErrorCode(err) != plaudit.EINVALID {
		t.Fatalf("overrule without a reason: %v", err)
	}
	// The operator restores the payout, resolves as fixed; the witnesses attest and it publishes after
	// the window.
	if _, err := st.SQL().ExecContext(ctx, st.Rebind("UPDATE allocations SET paid = ? WHERE epoch = ? AND member = ?"), paid, id2, member); err != nil {
		t.Fatal(err)
	}
	if s, err := svc.ResolveDisputes(ctx, id2, "admin", service.ResolveFixed, "restored the payout from the backup"); err != nil || s.State != service.EpochClosed {
		t.Fatalf("resolve fixed: %+v %v", s, err)
	}
	for _, w := range []*agent.Agent{w0, w2} {
		if o, err := w.Attest(ctx, id2); err != nil || o.Dispute != nil {
			t.Fatalf("attest after the fix: %+v %v", o, err)
		}
	}
	clk.Add(2 * time.Hour)
	if err := svc.Claimable(ctx, id2); err != nil {
		t.Fatalf("claimable after the fix and the window: %v", err)
	}

	// The audit log holds every step.
	ps, err := svc.Postings(ctx, plaudit.PostingFilter{Account: "witness:" + id2})
	if err != nil {
		t.Fatal(err)
	}
	var log []string
	for _, p := range ps {
		log = append(log, p.Origin.String()+" "+p.Reason)
	}
	all := strings.Join(log, "\n")
	for _, want := range []string{"disputed epoch " + id2 + ": member " + member, "operator:admin 3 dispute(s) of epoch " + id2 + " fixed: restored", "attested epoch " + id2, "epoch " + id2 + " published"} {
		if !strings.Contains(all, want) {
			t.Errorf("audit log lacks %q:\n%s", want, all)
		}
	}
	if bals, _ := svc.Balances(ctx, "witness:"); len(bals) != 0 {
		t.Errorf("audit postings left balances: %+v", bals)
	}
}

// TestOverrule: a wrong dispute holds an epoch that two witnesses attested, past its window; an admin's
// overrule with a reason releases it at once, and the audit log says who and why.
func TestOverrule(t *testing.T) {
	ctx := context.Background()
	clk := &clock{t: time.Date(2026, 3, 4, 12, 0, 0, 0, time.UTC)}
	st := open(t, "sqlite", "operator")
	svc, ids := operator(t, st, clk)
	id := ids[0]
	src := agent.Local{Service: svc}
	for i := range 2 {
		if _, err := newAgent(t, i, src, open(t, "sqlite", "w")).Attest(ctx, id); err != nil {
			t.Fatal(err)
		}
	}
	s2, _ := payout.NewSigner(witnessKeys[2])
	d, err := witness.SignDispute(s2, &witness.Dispute{Program: "acme", Epoch: id, Member: "nobody", Stored: "1", Rebuilt: "2", Reason: "a buggy witness"})
	if err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(d)
	if _, ws, err := svc.RecordWitness(ctx, id, b); err != nil || ws.State != service.EpochDisputed {
		t.Fatalf("dispute: %+v %v", ws, err)
	}
	clk.Add(3 * time.Hour)
	if err := svc.Claimable(ctx, id); plaudit.ErrorCode(err) != plaudit.ECONFLICT {
		t.Fatalf("claimable while disputed: %v", err)
	}
	ws, err := svc.ResolveDisputes(ctx, id, "alice", service.ResolveOverruled, "the witness ran an old build")
	if err != nil || ws.State != service.EpochPublished {
		t.Fatalf("overrule: %+v %v", ws, err)
	}
	ps, _ := svc.Postings(ctx, plaudit.PostingFilter{Origin: "operator:alice"})
	if len(ps) != 1 || !strings.Contains(ps[0].Reason, "overruled: the witness ran an old build") {
		t.Fatalf("audit: %+v", ps)
	}
	// Someone not in the policy cannot file a dispute.
	other, _ := payout.NewSigner("0x7c852118294e51e653712a81e05800f419141751be58f605c371e15141b007a6")
	d2, _ := witness.SignDispute(other, &witness.Dispute{Program: "acme", Epoch: id, Reason: "x"})
	b2, _ := json.Marshal(d2)
	if _, _, err := svc.RecordWitness(ctx, id, b2); plaudit.ErrorCode(err) != plaudit.EFORBIDDEN {
		t.Fatalf("a stranger's dispute: %v", err)
	}
}

package main

import (
	"context"
	"encoding/json"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/gen"
	"github.com/plaudit/plaudit/payout"
	"github.com/plaudit/plaudit/policy"
	"github.com/plaudit/plaudit/service"
	"github.com/plaudit/plaudit/sqlstore"
	"github.com/plaudit/plaudit/witness"
)

// TestWitnessAttest: `plaudit witness attest EPOCH` prints the signed attestation as one JSON object on its
// last line (witness, typed_data, signature; the signature recovers to the witness) and records it; on a
// tampered epoch it prints the signed dispute naming the member and exits 2; without a key it exits 2
// naming the variable.
func TestWitnessAttest(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "w.db")
	st, err := sqlstore.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	var events []plaudit.Event
	if _, err := gen.Generate(gen.Config{Members: 30, Days: 14, Seed: 3}, func(e *plaudit.Event) error { events = append(events, *e); return nil }); err != nil {
		t.Fatal(err)
	}
	if _, err := st.AppendEvents(ctx, events); err != nil {
		t.Fatal(err)
	}
	signer, _ := payout.NewSigner(demoWitnessKeys[0])
	src, _ := policy.PresetSource("default")
	doc := programSection.ReplaceAllString(string(src), "program:\n  name: acme\n  pool: {token: \"0xa0b86991c6218b36c1d19d4a2e9eb0ce3606eb48\", decimals: 6, amount: 1000000000}\n"+
		"  witnesses:\n    addresses: [\""+signer.Address().String()+"\"]\n    quorum: 1\n")
	svc := service.New(st, service.Options{Now: func() time.Time { return time.Date(2026, 3, 4, 0, 0, 0, 0, time.UTC) }})
	if _, err := svc.ActivatePolicy(ctx, []byte(doc), "w.yml", "test"); err != nil {
		t.Fatal(err)
	}
	res, err := svc.CloseEpochs(ctx, service.CloseRequest{Verdicts: []plaudit.Verdict{}, Operator: "test", Through: time.Date(2026, 1, 12, 0, 0, 0, 0, time.UTC)})
	if err != nil || len(res.Epochs) < 2 {
		t.Fatalf("close: %v", err)
	}
	id, id2 := res.Epochs[0].Window.ID, res.Epochs[1].Window.ID
	var member string
	if err := st.SQL().QueryRowContext(ctx, "SELECT member FROM allocations WHERE epoch = ? AND paid <> '0' ORDER BY member LIMIT 1", id2).Scan(&member); err != nil {
		t.Fatal(err)
	}
	if _, err := st.SQL().ExecContext(ctx, "UPDATE allocations SET paid = '7' WHERE epoch = ? AND member = ?", id2, member); err != nil {
		t.Fatal(err)
	}
	st.Close()

	t.Setenv("MY_WITNESS_KEY", demoWitnessKeys[0])
	lastJSON := func(out string) witness.Signed {
		t.Helper()
		lines := strings.Split(strings.TrimSpace(out), "\n")
		var s witness.Signed
		if err := json.Unmarshal([]byte(lines[len(lines)-1]), &s); err != nil {
			t.Fatalf("last line is not the signed JSON: %v\n%s", err, out)
		}
		return s
	}
	out, code, err := execute(t, "--db", path, "witness", "attest", id, "--key-env", "MY_WITNESS_KEY")
	if code != 0 || err != nil {
		t.Fatalf("attest: %d %v\n%s", code, err, out)
	}
	s := lastJSON(out)
	b, _ := json.Marshal(s)
	if _, a, _, err := witness.Parse(b); err != nil || a == nil || s.Witness != signer.Address() || a.Epoch != id {
		t.Fatalf("attestation %s: %v", b, err)
	}
	if !regexp.MustCompile(`"typed_data":\{"domain":.*"types":.*"primaryType":"Attestation","message":`).Match(b) {
		t.Fatalf("shape: %s", b)
	}

	out, code, _ = execute(t, "--db", path, "witness", "attest", id2, "--key-env", "MY_WITNESS_KEY")
	if code != 2 {
		t.Fatalf("tampered epoch: exit %d\n%s", code, out)
	}
	d := lastJSON(out)
	var msg struct{ Member, Stored string }
	_ = json.Unmarshal(d.TypedData.Message, &msg)
	if d.TypedData.PrimaryType != "Dispute" || msg.Member != member || msg.Stored != "7" {
		t.Fatalf("dispute %+v %+v\n%s", d.TypedData, msg, out)
	}

	out, code, err = execute(t, "--db", path, "witness", "attest", id, "--key-env", "NO_SUCH_WITNESS_KEY")
	if code != 2 || err == nil || !strings.Contains(err.Error(), "NO_SUCH_WITNESS_KEY") {
		t.Fatalf("no key: exit %d, %v\n%s", code, err, out)
	}
}

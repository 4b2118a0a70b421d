package service_test

import (
	"bytes"
	"context"
	"math"
	"strings"
	"testing"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/policy"
	"github.com/plaudit/plaudit/score"
	"github.com/plaudit/plaudit/service"
	"github.com/plaudit/plaudit/sqlstore"
)

// TestEpochReputationCommitted: an epoch of a reputation-weighted program (the default preset's poe scorer
// weighs by reputation) closes with a reputation hash and its vector; verify and a witness rebuilding from
// the inputs document accept it by one EigenTrust iteration; a stored trust value tampered with makes verify
// name "reputation" (the hash), and tampered with its hash too, the L1 distance of the failed fixed-point
// check; a witness given a tampered vector disputes the same way.
func TestEpochReputationCommitted(t *testing.T) {
	ctx := context.Background()
	forEachStore(t, func(t *testing.T, st plaudit.Store) {
		svc := setUp(t, st)
		res, err := svc.CloseEpochs(ctx, service.CloseRequest{Through: at("2026-01-05")})
		if err != nil || len(res.Epochs) != 1 || !res.Rescored {
			t.Fatalf("close the first week: %v %v", epochIDs(res), err)
		}
		// The second week closes from the scores stored already: the log is streamed, not held.
		res2, err := svc.CloseEpochs(ctx, service.CloseRequest{Through: at("2026-01-12")})
		if err != nil || len(res2.Epochs) != 1 || res2.Rescored {
			t.Fatalf("close the second week: %v %v", epochIDs(res2), err)
		}
		res.Epochs = append(res.Epochs, res2.Epochs...)
		// The second week's reputation is EigenTrust over the first week's interactions.
		ep := res.Epochs[1].Epoch
		vec, err := st.(plaudit.EpochReputationStore).EpochReputation(ctx, ep.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(vec) < 10 || ep.ReputationHash != plaudit.ReputationHash(vec) {
			t.Fatalf("epoch %s: hash %q over %d trust values", ep.ID, ep.ReputationHash, len(vec))
		}
		// The first week has no interactions before it: a pre-trust snapshot, which commits to no values.
		if first := res.Epochs[0].Epoch; first.ReputationHash != plaudit.ReputationHash(nil) {
			t.Fatalf("first epoch %s: hash %q, want the empty vector's", first.ID, first.ReputationHash)
		}
		for _, ce := range res.Epochs {
			if v, err := svc.Verify(ctx, ce.Window.ID, nil, nil); err != nil || !v.OK {
				t.Fatalf("verify %s: %+v %v", ce.Window.ID, v, err)
			}
		}

		// A witness: the inputs document carries the vector; the rebuild accepts it.
		in, err := svc.EpochInputs(ctx, ep.ID)
		if err != nil {
			t.Fatal(err)
		}
		var doc bytes.Buffer
		if err := in.WriteJSON(&doc); err != nil {
			t.Fatal(err)
		}
		read := func() *service.EpochInputs {
			in, err := service.ReadEpochInputs(bytes.NewReader(doc.Bytes()))
			if err != nil {
				t.Fatal(err)
			}
			return in
		}
		w := read()
		if len(w.Reputation) != len(vec) {
			t.Fatalf("the inputs document carries %d trust values, want %d", len(w.Reputation), len(vec))
		}
		if v, err := svc.RebuildEpoch(ctx, w); err != nil || !v.OK {
			t.Fatalf("witness rebuild: %+v %v", v, err)
		}
		// Move 1% of the most trusted member's trust to another member.
		top := 0
		for i := range vec {
			if math.Float64frombits(vec[i].Bits) > math.Float64frombits(vec[top].Bits) {
				top = i
			}
		}
		other := (top + 1) % len(vec)
		moved := math.Float64frombits(vec[top].Bits) / 100
		tamper := func(vs []plaudit.TrustValue) {
			vs[top].Bits = math.Float64bits(math.Float64frombits(vs[top].Bits) - moved)
			vs[other].Bits = math.Float64bits(math.Float64frombits(vs[other].Bits) + moved)
		}
		w = read()
		tamper(w.Reputation)
		v, err := svc.RebuildEpoch(ctx, w)
		if plaudit.ErrorCode(err) != plaudit.ECONFLICT || v.Field != "reputation" || !strings.Contains(v.Line, "reputation: the committed vector") {
			t.Fatalf("witness rebuild of a tampered vector: %+v %v", v, err)
		}
		w = read()
		tamper(w.Reputation)
		w.Epoch.ReputationHash = plaudit.ReputationHash(w.Reputation)
		v, err = svc.RebuildEpoch(ctx, w)
		if plaudit.ErrorCode(err) != plaudit.ECONFLICT || v.Field != "reputation" || !strings.Contains(v.Line, "not EigenTrust's fixed point: L1 distance") {
			t.Fatalf("witness rebuild of a tampered vector and hash: %+v %v", v, err)
		}

		// The operator's store tampered with: verify disputes, naming reputation.
		db := st.(*sqlstore.DB)
		bad := append([]plaudit.TrustValue(nil), vec...)
		tamper(bad)
		for _, i := range []int{top, other} {
			if _, err := db.SQL().ExecContext(ctx, db.Rebind("UPDATE epoch_reputation SET trust_bits = ? WHERE epoch = ? AND member = ?"), int64(bad[i].Bits), ep.ID, bad[i].Member); err != nil {
				t.Fatal(err)
			}
		}
		v, err = svc.Verify(ctx, ep.ID, nil, nil)
		if plaudit.ErrorCode(err) != plaudit.ECONFLICT || v.Field != "reputation" || !strings.Contains(v.Line, "hashes to") {
			t.Fatalf("verify after a trust value was changed: %+v %v", v, err)
		}
		if _, err := db.SQL().ExecContext(ctx, db.Rebind("UPDATE epochs SET reputation_hash = ? WHERE id = ?"), plaudit.ReputationHash(bad), ep.ID); err != nil {
			t.Fatal(err)
		}
		v, err = svc.Verify(ctx, ep.ID, nil, nil)
		if plaudit.ErrorCode(err) != plaudit.ECONFLICT || v.Field != "reputation" || !strings.Contains(v.Line, "L1 distance") {
			t.Fatalf("verify after a trust value and the hash were changed: %+v %v", v, err)
		}
	})
}

// TestEpochWithoutReputation: a program whose policy does not weigh by reputation closes its epochs
// without a reputation hash or vector, and they verify as before.
func TestEpochWithoutReputation(t *testing.T) {
	ctx := context.Background()
	src := strings.Replace(string(testPolicy(t)), "    kinds: [comment, reply, quote, repost, flag, curate, feedback]\n",
		"    kinds: [comment, reply, quote, repost, flag, curate, feedback]\n    params:\n      reputation_weight: 0\n", 1)
	pol, err := policy.Parse([]byte(src), "test")
	if err != nil {
		t.Fatal(err)
	}
	if score.UsesReputation(pol) {
		t.Fatal("the policy still weighs by reputation")
	}
	forEachStore(t, func(t *testing.T, st plaudit.Store) {
		appendAll(t, st, community(t))
		svc := newService(st)
		if _, err := svc.ActivatePolicy(ctx, []byte(src), "test.yml", "test"); err != nil {
			t.Fatal(err)
		}
		res, err := svc.CloseEpochs(ctx, service.CloseRequest{Through: at("2026-01-12")})
		if err != nil || len(res.Epochs) != 2 {
			t.Fatalf("close: %v %v", epochIDs(res), err)
		}
		for _, ce := range res.Epochs {
			if ce.Epoch.ReputationHash != "" {
				t.Fatalf("epoch %s has a reputation hash %q", ce.Epoch.ID, ce.Epoch.ReputationHash)
			}
			if vec, err := st.(plaudit.EpochReputationStore).EpochReputation(ctx, ce.Epoch.ID); err != nil || len(vec) != 0 {
				t.Fatalf("epoch %s has a reputation vector: %v %v", ce.Epoch.ID, vec, err)
			}
			if v, err := svc.Verify(ctx, ce.Window.ID, nil, nil); err != nil || !v.OK {
				t.Fatalf("verify %s: %+v %v", ce.Window.ID, v, err)
			}
		}
	})
}

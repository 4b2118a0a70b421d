package service_test

import (
	"context"
	"strings"
	"testing"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/service"
	"github.com/plaudit/plaudit/sqlstore"
)

// TestVerifyStreamed: verify streams the log and the stored allocations from the store, and rebuilds the
// same epoch as from a log in memory and as a witness does from its inputs; a tampered score, a missing
// line and an extra line are each still found and explained, on both stores.
func TestVerifyStreamed(t *testing.T) {
	ctx := context.Background()
	forEachStore(t, func(t *testing.T, st plaudit.Store) {
		svc, res := closedFortnight(t, st)
		ep := res.Epochs[0].Epoch
		id := ep.ID
		log, err := svc.ReadLog(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		var stages []string
		streamed, err := svc.VerifyProgress(ctx, id, nil, func(stage string, done, total int64) {
			if len(stages) == 0 || stages[len(stages)-1] != stage {
				stages = append(stages, stage)
			}
		})
		if err != nil || !streamed.OK || streamed.Line != "verified "+id+" "+ep.Root {
			t.Fatalf("streamed verify: %+v %v", streamed, err)
		}
		if len(stages) == 0 || stages[len(stages)-1] != "scored" {
			t.Fatalf("streamed verify reported stages %v, want them to end with scored", stages)
		}
		held, err := svc.Verify(ctx, id, nil, log)
		if err != nil || held.Line != streamed.Line || held.RebuiltEpoch.Digest != streamed.RebuiltEpoch.Digest {
			t.Fatalf("verify from the log in memory: %+v %v, streamed %+v", held, err, streamed)
		}
		in, err := svc.EpochInputs(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		witnessed, err := svc.RebuildEpoch(ctx, in)
		if err != nil || witnessed.Line != streamed.Line || witnessed.RebuiltEpoch.Digest != streamed.RebuiltEpoch.Digest {
			t.Fatalf("witness rebuild: %+v %v, streamed %+v", witnessed, err, streamed)
		}

		db := st.(*sqlstore.DB)
		exec := func(q string, args ...any) {
			t.Helper()
			if _, err := db.SQL().ExecContext(ctx, db.Rebind(q), args...); err != nil {
				t.Fatalf("%s: %v", q, err)
			}
		}
		mustConflict := func(want ...string) *service.VerifyResult {
			t.Helper()
			v, err := svc.Verify(ctx, id, nil, nil)
			if plaudit.ErrorCode(err) != plaudit.ECONFLICT || v == nil {
				t.Fatalf("verify of a tampered epoch: %+v %v, want a conflict", v, err)
			}
			for _, w := range want {
				if !strings.Contains(v.Line, w) {
					t.Fatalf("verify of a tampered epoch: %q, want it to contain %q", v.Line, w)
				}
			}
			return v
		}
		var first, last string
		if err := db.SQL().QueryRowContext(ctx, db.Rebind("SELECT MIN(member), MAX(member) FROM allocations WHERE epoch = ?"), id).Scan(&first, &last); err != nil {
			t.Fatal(err)
		}

		// A score and its member's points raised alike: the member's scores are rebuilt again to name the event.
		var member, event string
		if err := db.SQL().QueryRowContext(ctx, db.Rebind(`SELECT member, event FROM scores WHERE policy_hash = ? AND points > 0
			AND time_ns >= ? AND time_ns < ? AND member IN (SELECT member FROM allocations WHERE epoch = ? AND points > 0)
			ORDER BY seq LIMIT 1`), ep.PolicyHash, ep.Start.UnixNano(), ep.End.UnixNano(), id).Scan(&member, &event); err != nil {
			t.Fatal(err)
		}
		exec("UPDATE scores SET points = points + 7 WHERE policy_hash = ? AND event = ? AND member = ?", ep.PolicyHash, event, member)
		exec("UPDATE allocations SET points = points + 7 WHERE epoch = ? AND member = ?", id, member)
		v := mustConflict("member "+member+": stored ", "event "+event+": stored score ", "the log and policy give")
		if v.Member != member || v.Field != "paid" {
			t.Fatalf("tampered score: member %q field %q, want %s paid", v.Member, v.Field, member)
		}
		// A witness, without the stored scores, names the member only.
		in, err = svc.EpochInputs(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		if w, err := svc.RebuildEpoch(ctx, in); plaudit.ErrorCode(err) != plaudit.ECONFLICT || w.Member != member || !strings.HasSuffix(w.Line, ": the events' points differ") {
			t.Fatalf("witness rebuild of a tampered allocation: %+v %v", w, err)
		}
		exec("UPDATE scores SET points = points - 7 WHERE policy_hash = ? AND event = ? AND member = ?", ep.PolicyHash, event, member)
		exec("UPDATE allocations SET points = points - 7 WHERE epoch = ? AND member = ?", id, member)
		if v, err := svc.Verify(ctx, id, nil, nil); err != nil || v.Line != streamed.Line {
			t.Fatalf("verify after the tampering was undone: %+v %v", v, err)
		}

		// A line the rebuild does not have, after the last.
		exec(`INSERT INTO allocations (epoch, member, kind, wallet, events, excluded, points, share, carry_in, fee, paid, carry_out, eng, capped, notes)
			SELECT epoch, member || 'x', kind, wallet, events, excluded, points, share, carry_in, fee, paid, carry_out, eng, capped, notes
			FROM allocations WHERE epoch = ? AND member = ?`, id, last)
		mustConflict("member "+last+"x: stored paid ", "rebuilt nothing")
		exec("DELETE FROM allocations WHERE epoch = ? AND member = ?", id, last+"x")
		// The last line missing: found after the stored lines run out.
		exec("DELETE FROM allocations WHERE epoch = ? AND member = ?", id, last)
		mustConflict("member "+last+": rebuilt share ", "but the stored epoch has no line for them")
		// The first line missing: found at the first stored line.
		exec("DELETE FROM allocations WHERE epoch = ? AND member = ?", id, first)
		mustConflict("member "+first+": rebuilt share ", "but the stored epoch has no line for them")
	})
}

// closedFortnight sets up the test community on st and closes its two weekly epochs.
func closedFortnight(t *testing.T, st plaudit.Store) (*service.Service, *service.CloseResult) {
	t.Helper()
	svc := setUp(t, st)
	res, err := svc.CloseEpochs(context.Background(), service.CloseRequest{Through: at("2026-01-12")})
	if err != nil || len(res.Epochs) != 2 {
		t.Fatalf("close: %v %v", epochIDs(res), err)
	}
	return svc, res
}

// TestRebuildChecksTheEventsFirst: the events' own problems (seq order, an event past the epoch's log
// position) are reported before anything else, as they always were, now that the check rides on the
// reputation check's first walk of an epoch that committed to its reputation vector.
func TestRebuildChecksTheEventsFirst(t *testing.T) {
	ctx := context.Background()
	forEachStore(t, func(t *testing.T, st plaudit.Store) {
		svc, res := closedFortnight(t, st)
		ep := res.Epochs[1].Epoch
		if ep.ReputationHash == "" {
			t.Fatal("the epoch committed to no reputation vector: the check does not ride on its walk")
		}
		inputs := func() *service.EpochInputs {
			in, err := svc.EpochInputs(ctx, ep.ID)
			if err != nil {
				t.Fatal(err)
			}
			if len(in.Events) < 3 {
				t.Fatalf("the epoch has %d events", len(in.Events))
			}
			return in
		}
		if r, err := svc.RebuildEpoch(ctx, inputs()); err != nil || !r.OK {
			t.Fatalf("rebuild of the untouched inputs: %+v %v", r, err)
		}
		in := inputs()
		n := len(in.Events)
		in.Events[n-2], in.Events[n-1] = in.Events[n-1], in.Events[n-2]
		if _, err := svc.RebuildEpoch(ctx, in); plaudit.ErrorCode(err) != plaudit.EINVALID || !strings.Contains(err.Error(), "out of seq order") {
			t.Fatalf("rebuild of events out of seq order: %v, want the seq-order error", err)
		}
		in = inputs()
		extra := in.Events[n-1]
		extra.Seq, extra.ExternalID = ep.LogSeq+1, extra.ExternalID+"-late"
		in.Events = append(in.Events, extra)
		if _, err := svc.RebuildEpoch(ctx, in); plaudit.ErrorCode(err) != plaudit.EINVALID || !strings.Contains(err.Error(), "past the epoch's log position") {
			t.Fatalf("rebuild with an event past the log position: %v, want that error", err)
		}
	})
}

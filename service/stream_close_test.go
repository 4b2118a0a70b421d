package service_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/internal/testenv"
	"github.com/plaudit/plaudit/score"
	"github.com/plaudit/plaudit/service"
	"github.com/plaudit/plaudit/sqlstore"
)

// TestStreamedCloseMatchesInMemory: a close over current whole-history scores streams the log (it never
// holds it) and streams the window's scores into the tally; it settles byte for byte what a close that
// reads the whole log and rescores settles (epochs, allocations, verdicts), on both stores, and both verify.
func TestStreamedCloseMatchesInMemory(t *testing.T) {
	ctx := context.Background()
	for _, backend := range []string{"sqlite", "postgres"} {
		t.Run(backend, func(t *testing.T) {
			open := func() plaudit.Store {
				dsn := filepath.Join(t.TempDir(), "plaudit.db")
				if backend == "postgres" {
					dsn = testenv.Postgres(t)
				}
				st, err := sqlstore.Open(ctx, dsn)
				if err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() { st.Close() })
				return st
			}
			streamed, inMemory := open(), open()
			svcS, svcM := setUp(t, streamed), setUp(t, inMemory)
			if _, err := svcS.Rescore(ctx, nil); err != nil {
				t.Fatal(err)
			}
			// A stored window run for week 2 that is still current: the streamed close must find it.
			pre, err := svcS.RunIntegrity(ctx, service.IntegrityRequest{Since: at("2026-01-12"), Until: at("2026-01-19"), By: "test"})
			if err != nil {
				t.Fatal(err)
			}
			resS, err := svcS.CloseEpochs(ctx, service.CloseRequest{Through: at("2026-01-19")})
			if err != nil {
				t.Fatal(err)
			}
			resM, err := svcM.CloseEpochs(ctx, service.CloseRequest{Through: at("2026-01-19")})
			if err != nil {
				t.Fatal(err)
			}
			if resS.Rescored || !resM.Rescored {
				t.Fatalf("rescored: streamed close %v (want false), in-memory close %v (want true)", resS.Rescored, resM.Rescored)
			}
			if len(resS.Epochs) != 3 || len(resM.Epochs) != 3 || resS.LogSeq != resM.LogSeq {
				t.Fatalf("closed %v (log seq %d) and %v (log seq %d), want the same three weeks", epochIDs(resS), resS.LogSeq, epochIDs(resM), resM.LogSeq)
			}
			if ce := resS.Epochs[1]; ce.IntegrityRan || ce.IntegrityRun.ID != pre.Run.ID {
				t.Fatalf("week 2: ran %v run %d, want the stored run %d", ce.IntegrityRan, ce.IntegrityRun.ID, pre.Run.ID)
			}
			paid := false
			for i := range resS.Epochs {
				a, b := resS.Epochs[i].Epoch, resM.Epochs[i].Epoch
				if a.Digest != b.Digest || a.Root != b.Root || a.Members != b.Members || a.Events != b.Events || a.Paid.Cmp(b.Paid) != 0 || a.ENG.Cmp(b.ENG) != 0 || resS.Epochs[i].Verdicts != resM.Epochs[i].Verdicts {
					t.Fatalf("epoch %s: streamed %+v (%d verdicts), in memory %+v (%d verdicts)", a.ID, a, resS.Epochs[i].Verdicts, b, resM.Epochs[i].Verdicts)
				}
				paid = paid || a.Root != ""
				var la, lb []plaudit.Allocation
				if err := streamed.ScanAllocations(ctx, a.ID, func(x *plaudit.Allocation) error { la = append(la, *x); return nil }); err != nil {
					t.Fatal(err)
				}
				if err := inMemory.ScanAllocations(ctx, b.ID, func(x *plaudit.Allocation) error { lb = append(lb, *x); return nil }); err != nil {
					t.Fatal(err)
				}
				if len(la) != len(lb) || len(la) == 0 {
					t.Fatalf("epoch %s: %d and %d allocations", a.ID, len(la), len(lb))
				}
				for j := range la {
					x, y := la[j], lb[j]
					if x.Member != y.Member || x.Kind != y.Kind || x.Wallet != y.Wallet || x.Points != y.Points || x.Events != y.Events || x.Paid.Cmp(y.Paid) != 0 || x.Share.Cmp(y.Share) != 0 || x.ENG.Cmp(y.ENG) != 0 || x.CarryOut.Cmp(y.CarryOut) != 0 {
						t.Fatalf("epoch %s, line %d: streamed %+v, in memory %+v", a.ID, j, x, y)
					}
				}
				if v, err := svcS.Verify(ctx, a.ID, nil, nil); err != nil || !v.OK {
					t.Fatalf("verify %s: %+v %v", a.ID, v, err)
				}
			}
			if !paid {
				t.Fatal("no epoch paid anyone: the comparison proves nothing about the Merkle roots")
			}
		})
	}
}

// TestCloseTakesRescoreReputation: a streamed rescore keeps the reputation vector it weighed each epoch
// with (the one an epoch close computes from the log), and a close of the log it scored takes the kept
// vector instead of walking the log for it, but not one kept for another log position.
func TestCloseTakesRescoreReputation(t *testing.T) {
	ctx := context.Background()
	forEachStore(t, func(t *testing.T, st plaudit.Store) {
		svc := setUp(t, st)
		if _, err := svc.RescoreStreamed(ctx, nil, 0); err != nil {
			t.Fatal(err)
		}
		pol, err := svc.ActivePolicy(ctx)
		if err != nil {
			t.Fatal(err)
		}
		seq, err := st.LogSeq(ctx)
		if err != nil {
			t.Fatal(err)
		}
		rs := st.(plaudit.ScoreReputationStore)
		kept, through, err := rs.ScoreReputation(ctx, pol.Hash(), at("2026-01-12"))
		if err != nil || through != seq || len(kept) < 10 {
			t.Fatalf("the second week's kept vector: %d values through %d (log ends at %d), %v", len(kept), through, seq, err)
		}
		er, err := score.NewEpochReputation(pol, community(t))
		if err != nil {
			t.Fatal(err)
		}
		snap, err := er.Snapshot(at("2026-01-12"), at("2026-01-19"))
		if err != nil {
			t.Fatal(err)
		}
		if plaudit.ReputationHash(kept) != plaudit.ReputationHash(snap.Trust()) {
			t.Fatal("the kept vector is not the one computed from the log")
		}
		// Kept vectors changed on purpose: the current one is taken, the stale one is not.
		fake := append([]plaudit.TrustValue(nil), kept...)
		fake[0].Bits++
		if err := rs.SaveScoreReputation(ctx, pol.Hash(), at("2026-01-12"), seq, fake); err != nil {
			t.Fatal(err)
		}
		if err := rs.SaveScoreReputation(ctx, pol.Hash(), at("2026-01-05"), seq-1, fake); err != nil {
			t.Fatal(err)
		}
		res, err := svc.CloseEpochs(ctx, service.CloseRequest{Through: at("2026-01-12")})
		if err != nil || len(res.Epochs) != 2 || res.Rescored {
			t.Fatalf("close two weeks: %v rescored %v, %v", epochIDs(res), res != nil && res.Rescored, err)
		}
		if h := res.Epochs[0].Epoch.ReputationHash; h != plaudit.ReputationHash(nil) {
			t.Errorf("first week: reputation hash %s, want the empty pre-trust vector's (the kept one is stale)", h)
		}
		if h := res.Epochs[1].Epoch.ReputationHash; h != plaudit.ReputationHash(fake) {
			t.Errorf("second week: reputation hash %s, want the kept vector's %s", h, plaudit.ReputationHash(fake))
		}
	})
}

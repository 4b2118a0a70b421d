package service_test

import (
	"context"
	"strings"
	"testing"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/policy"
	"github.com/plaudit/plaudit/service"
)

// activatePreset activates the shipped preset name.
func activatePreset(t *testing.T, svc *service.Service, name string) *policy.Policy {
	t.Helper()
	src, err := policy.PresetSource(name)
	if err != nil {
		t.Fatal(err)
	}
	p, err := svc.ActivatePolicy(context.Background(), src, "preset:"+name, "test")
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// TestExplain explains an event and a member under the tiered preset, from the log scored afresh before
// `plaudit score` and from the stored scores after it, with the flags on them.
func TestExplain(t *testing.T) {
	ctx := context.Background()
	forEachStore(t, func(t *testing.T, st plaudit.Store) {
		appendAll(t, st, decode(t, smallLog))
		svc := tickingService(st)
		_, err := svc.Explain(ctx, "x/e2", nil)
		wantCode(t, "explain with no active policy", err, plaudit.ENOTFOUND)
		pol := activatePreset(t, svc, "tiered")

		check := func(stored bool) {
			t.Helper()
			x, err := svc.Explain(ctx, "x/e2", nil)
			if err != nil {
				t.Fatal(err)
			}
			if x.Stored != stored || x.Policy.Hash() != pol.Hash() || x.Event == nil || x.Event.Key() != "x/e2" || x.Member != "bob" || x.Total != nil {
				t.Fatalf("explain x/e2 (stored %v): %+v", stored, x)
			}
			if len(x.Scores) != 1 || x.Scores[0].Scorer != "tiered" || x.Scores[0].Points != plaudit.PointsFromInt(3) || len(x.Scores[0].Lines) == 0 {
				t.Fatalf("scores of x/e2 (stored %v): %+v", stored, x.Scores)
			}
			// A member, by handle and by an account key it holds.
			for _, subject := range []string{"bob", "x:xb", "discord:b1"} {
				x, err = svc.Explain(ctx, subject, nil)
				if err != nil {
					t.Fatal(err)
				}
				if x.Event != nil || x.Member != "bob" || x.Total == nil || x.Total.Points != plaudit.PointsFromInt(4) || x.Total.Scores != 2 || len(x.Scores) != 2 {
					t.Fatalf("explain %s (stored %v): %+v", subject, stored, x)
				}
				if x.Scores[0].Points < x.Scores[1].Points || x.Scores[0].Event != "x/e2" {
					t.Fatalf("bob's scores are not largest first: %+v", x.Scores)
				}
				if len(x.Total.Reasons) == 0 || x.Total.Reasons[0].Rule != "tiered.reply" {
					t.Fatalf("bob's reasons %+v: want tiered.reply first", x.Total.Reasons)
				}
			}
			// A member without scores, and an event no scorer reads.
			if x, err = svc.Explain(ctx, "mod", nil); err != nil || x.Total != nil || len(x.Scores) != 0 {
				t.Fatalf("explain mod: %+v %v", x, err)
			}
			if x, err = svc.Explain(ctx, "discord/c1", nil); err != nil || len(x.Scores) != 0 || x.Member != "bob" {
				t.Fatalf("explain discord/c1: %+v %v", x, err)
			}
		}
		check(false)
		if _, err := svc.Rescore(ctx, nil); err != nil {
			t.Fatal(err)
		}
		check(true)

		_, err = svc.Explain(ctx, "nobody", nil)
		wantCode(t, "explain an unknown member", err, plaudit.ENOTFOUND)
		_, err = svc.Explain(ctx, "x/nope", nil)
		wantCode(t, "explain an unknown event", err, plaudit.ENOTFOUND)

		// Under another policy than the active one: scored now, with its prices.
		next, err := policy.Parse([]byte(doubledTiered), "next.yml")
		if err != nil {
			t.Fatal(err)
		}
		x, err := svc.Explain(ctx, "bob", next)
		if err != nil || x.Stored || x.Policy.Hash() != next.Hash() || x.Total == nil || x.Total.Points != plaudit.PointsFromInt(8) {
			t.Fatalf("explain bob under another policy: %+v %v", x, err)
		}

		// Flags and verdicts on the subject.
		if x.Integrity.Subject != "member:bob" || !x.Integrity.Empty() {
			t.Fatalf("integrity of bob before any flag: %+v", x.Integrity)
		}
		if _, err := svc.RaiseFlag(ctx, "x/e2", "alice", "bought reply"); err != nil {
			t.Fatal(err)
		}
		if _, err := svc.RunIntegrity(ctx, service.IntegrityRequest{By: "test"}); err != nil {
			t.Fatal(err)
		}
		for _, subject := range []string{"x/e2", "bob"} {
			x, err := svc.Explain(ctx, subject, nil)
			if err != nil {
				t.Fatal(err)
			}
			if len(x.Integrity.Flags) != 1 || x.Integrity.Flags[0].Subject != "x/e2" {
				t.Fatalf("flags in the explanation of %s: %+v", subject, x.Integrity)
			}
		}
		si, err := svc.SubjectIntegrity(ctx, "alice")
		if err != nil || si.Subject != "member:alice" || len(si.Flags) != 0 {
			t.Fatalf("integrity of alice: %+v %v", si, err)
		}
		_, err = svc.EpochVerdicts(ctx, "tiered@2026-01-05T00:00:00Z")
		wantCode(t, "verdicts of an epoch never closed", err, plaudit.ENOTFOUND)
	})
}

// TestSubjectVerdicts: every stored integrity run's verdict on a subject, newest run first.
func TestSubjectVerdicts(t *testing.T) {
	ctx := context.Background()
	forEachStore(t, func(t *testing.T, st plaudit.Store) {
		svc := setUp(t, st)
		res, err := svc.RunIntegrity(ctx, service.IntegrityRequest{By: "test"})
		if err != nil {
			t.Fatal(err)
		}
		var subject string
		for _, v := range res.Run.Verdicts {
			if strings.HasPrefix(v.Subject, "member:") {
				subject = v.Subject
				break
			}
		}
		if subject == "" {
			t.Fatal("the integrity run of the test community gave no verdict on a member")
		}
		again, err := svc.RunIntegrity(ctx, service.IntegrityRequest{By: "test"})
		if err != nil {
			t.Fatal(err)
		}
		si, err := svc.SubjectIntegrity(ctx, strings.TrimPrefix(subject, "member:"))
		if err != nil {
			t.Fatal(err)
		}
		if si.Subject != subject || len(si.Runs) != 2 || si.Runs[0].Run != again.Run.ID || si.Runs[1].Run != res.Run.ID {
			t.Fatalf("verdicts on %s: %+v; want runs %d then %d", subject, si, again.Run.ID, res.Run.ID)
		}
	})
}

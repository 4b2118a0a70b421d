package service_test

import (
	"context"
	"testing"
	"time"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/score"
	"github.com/plaudit/plaudit/service"
)

// reputationsIn returns, by "epoch start|member", the reputation each score's lines weighed a member at: a
// PoE author's multiplier input and each reactor of a reaction line. It fails on two different values for
// one member in one epoch.
func reputationsIn(t *testing.T, scores []plaudit.Score, into map[string]string) {
	t.Helper()
	const week = 7 * 24 * time.Hour
	anchor := time.Date(1970, 1, 5, 0, 0, 0, 0, time.UTC) // weekly epochs start on Mondays
	for i := range scores {
		s := &scores[i]
		epoch := anchor.Add(s.Time.Sub(anchor) / week * week).Format("2006-01-02")
		put := func(member, rep string) {
			k := epoch + "|" + member
			if old, ok := into[k]; ok && old != rep {
				t.Fatalf("%s: %s weighed at %s and at %s in one epoch", s.Event, member, old, rep)
			}
			into[k] = rep
		}
		for _, l := range s.Lines {
			switch l.Rule {
			case "poe.reputation":
				for _, in := range l.Inputs {
					if in.Name == "reputation" {
						put(s.Member, in.Value)
					}
				}
			case "poe.comment.reactions":
				reactor := ""
				for _, in := range l.Inputs {
					switch in.Name {
					case "reactor":
						reactor = in.Value
					case "reputation":
						put(reactor, in.Value)
					}
				}
			}
		}
	}
}

// TestReputationInScoringVerifies: with reputation in scoring, the closed epochs verify on both stores
// (verify replays the log up to each epoch's close and computes the same epoch reputation), the reputation
// is not the old constant 0.5 for everyone, and explain lists each reactor with their reputation and what
// their like added.
func TestReputationInScoringVerifies(t *testing.T) {
	ctx := context.Background()
	forEachStore(t, func(t *testing.T, st plaudit.Store) {
		svc := setUp(t, st)
		res, err := svc.CloseEpochs(ctx, service.CloseRequest{Through: at("2026-01-19")})
		if err != nil || len(res.Epochs) != 3 {
			t.Fatalf("close: %v %v", epochIDs(res), err)
		}
		for _, ce := range res.Epochs {
			v, err := svc.Verify(ctx, ce.Window.ID, nil, nil)
			if err != nil || !v.OK {
				t.Fatalf("verify %s: %+v %v", ce.Window.ID, v, err)
			}
		}
		pol, err := svc.ActivePolicy(ctx)
		if err != nil {
			t.Fatal(err)
		}
		scores, err := st.Scores(ctx, plaudit.ScoreFilter{PolicyHash: pol.Hash(), Since: at("2026-01-12"), Until: at("2026-01-19")})
		if err != nil {
			t.Fatal(err)
		}
		reps := map[string]string{}
		reputationsIn(t, scores, reps)
		distinct := map[string]bool{}
		for _, r := range reps {
			distinct[r] = true
		}
		if len(distinct) < 3 || (len(distinct) == 1 && distinct[score.DefaultReputation.String()]) {
			t.Fatalf("the second week weighs members at %v: want EigenTrust's spread, not one constant", distinct)
		}
		// Explain an event whose reactions were weighed: each reactor with reputation and points added.
		var key string
		for i := range scores {
			for _, l := range scores[i].Lines {
				if l.Rule == "poe.comment.reactions" && key == "" {
					key = scores[i].Event
				}
			}
		}
		if key == "" {
			t.Fatal("no comment with reactions in the second week")
		}
		x, err := svc.Explain(ctx, key, nil)
		if err != nil {
			t.Fatal(err)
		}
		found := false
		for _, s := range x.Scores {
			for _, l := range s.Lines {
				if l.Rule != "poe.comment.reactions" {
					continue
				}
				var names []string
				for _, in := range l.Inputs {
					names = append(names, in.Name)
				}
				found = len(names) >= 5 && names[2] == "reactor" && names[3] == "reputation" && names[4] == "added"
			}
		}
		if !found {
			t.Fatalf("explain %s does not list the reactors' reputations: %+v", key, x.Scores)
		}
	})
}

// TestReputationSameAcrossPaths: a rescore and a streaming catch-up of the same log weigh every member at
// the same reputation in each epoch (the epoch reputation reads only the events before the epoch's start),
// and an epoch closed after streaming verifies.
func TestReputationSameAcrossPaths(t *testing.T) {
	ctx := context.Background()
	forEachStore(t, func(t *testing.T, st plaudit.Store) {
		events := communityOf(t, 30, 10) // streaming a conversation rescores it per comment: keep it small
		half := len(events) / 2
		appendAll(t, st, events[:half])
		svc := service.New(st, service.Options{Now: func() time.Time { return testNow }, Streaming: true})
		if _, err := svc.ActivatePolicy(ctx, testPolicy(t), "test.yml", "test"); err != nil {
			t.Fatal(err)
		}
		first, err := svc.CatchUp(ctx)
		if err != nil || !first.Full {
			t.Fatalf("first catch-up: %+v %v", first, err)
		}
		appendAll(t, st, events[half:])
		streamed, err := svc.CatchUp(ctx)
		if err != nil || streamed.Full {
			t.Fatalf("streaming catch-up: %+v %v", streamed, err)
		}
		viaStream := map[string]string{}
		reputationsIn(t, append(append([]plaudit.Score{}, first.Scores...), streamed.Scores...), viaStream)

		whole, err := svc.Rescore(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		viaRescore := map[string]string{}
		reputationsIn(t, whole.Scores, viaRescore)
		compared, notNeutral := 0, 0
		for k, v := range viaStream {
			w, ok := viaRescore[k]
			if !ok {
				continue // a reactor the streamed score saw and the whole-history one weighed elsewhere
			}
			if v != w {
				t.Fatalf("%s: streamed at %s, rescored at %s", k, v, w)
			}
			compared++
			if v != score.DefaultReputation.String() {
				notNeutral++
			}
		}
		t.Logf("compared %d reputations, %d not neutral", compared, notNeutral)
		if compared < 10 || notNeutral == 0 {
			t.Fatalf("compared %d reputations, %d not neutral: too few to mean anything", compared, notNeutral)
		}
		closed, err := svc.CloseEpochs(ctx, service.CloseRequest{Through: at("2026-01-12")})
		if err != nil || len(closed.Epochs) == 0 {
			t.Fatalf("close: %+v %v", closed, err)
		}
		for _, ce := range closed.Epochs {
			if v, err := svc.Verify(ctx, ce.Window.ID, nil, nil); err != nil || !v.OK {
				t.Fatalf("verify %s: %+v %v", ce.Window.ID, v, err)
			}
		}
	})
}

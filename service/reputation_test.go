package service_test

import (
	"context"
	"math"
	"reflect"
	"testing"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/service"
)

// TestReputation: member reputation over the log is deterministic, pre-trusts project members when told
// no one, follows the pre-trust it is given and the time bounds, and refuses an empty log.
func TestReputation(t *testing.T) {
	ctx := context.Background()
	forEachStore(t, func(t *testing.T, st plaudit.Store) {
		if _, err := newService(st).Reputation(ctx, service.ReputationRequest{}); plaudit.ErrorCode(err) != plaudit.EINVALID {
			t.Fatalf("reputation of an empty log: %v", err)
		}
		svc := setUp(t, st)
		rep, err := svc.Reputation(ctx, service.ReputationRequest{})
		if err != nil {
			t.Fatal(err)
		}
		if rep.Members < 60 || rep.Edges == 0 || len(rep.Result.Scores) != rep.Members {
			t.Fatalf("%d members, %d edges, %d scores", rep.Members, rep.Edges, len(rep.Result.Scores))
		}
		sum := 0.0
		for _, v := range rep.Result.Scores {
			sum += v
		}
		if math.Abs(sum-1) > 1e-6 {
			t.Fatalf("scores sum to %v", sum)
		}
		log, err := svc.ReadLog(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		dir := log.Directory(0)
		projects := 0
		for h := range rep.Pretrust {
			if m, ok := dir.Member(h); ok && m.Kind == plaudit.MemberProject {
				projects++
			}
		}
		if projects == 0 {
			t.Fatalf("derived pre-trust %v holds no project member", rep.Pretrust)
		}
		again, err := svc.Reputation(ctx, service.ReputationRequest{})
		if err != nil || !reflect.DeepEqual(again.Result.Scores, rep.Result.Scores) {
			t.Fatalf("a second run differs (%v)", err)
		}

		// One member pre-trusted alone ranks above where the derived pre-trust put them.
		profiles := rep.Result.Profiles()
		low := profiles[len(profiles)/2].Member
		one, err := svc.Reputation(ctx, service.ReputationRequest{Pretrust: map[string]float64{low: 1}})
		if err != nil {
			t.Fatal(err)
		}
		if len(one.Pretrust) != 1 || one.Pretrust[low] != 1 {
			t.Fatalf("given pre-trust came back as %v", one.Pretrust)
		}
		rank := func(r *service.MemberReputation, h string) int {
			for _, p := range r.Result.Profiles() {
				if p.Member == h {
					return p.Rank
				}
			}
			t.Fatalf("%s not ranked", h)
			return 0
		}
		if a, b := rank(rep, low), rank(one, low); b >= a {
			t.Fatalf("%s ranks %d pre-trusted alone, %d with the derived pre-trust", low, b, a)
		}

		// The first day's interactions are fewer edges than three weeks'.
		day, err := svc.Reputation(ctx, service.ReputationRequest{Since: at("2026-01-05"), Until: at("2026-01-06")})
		if err != nil {
			t.Fatal(err)
		}
		if day.Edges == 0 || day.Edges >= rep.Edges {
			t.Fatalf("edges of the first day: %d; of the whole log: %d", day.Edges, rep.Edges)
		}
	})
}

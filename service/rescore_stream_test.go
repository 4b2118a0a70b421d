package service_test

import (
	"context"
	"reflect"
	"testing"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/score"
	"github.com/plaudit/plaudit/service"
)

// TestRescoreStreamed: a streamed rescore (the log read from the store as a stream, the scores written as
// they are made) stores exactly the rows and the state Rescore stores, and reports the same counts and top
// members as the scores Rescore returns, on both stores. Its walks read the log 97 events a query, so that
// the pages of a walk are tested to be the log.
func TestRescoreStreamed(t *testing.T) {
	defer service.SetLogPage(97)()
	ctx := context.Background()
	forEachStore(t, func(t *testing.T, st plaudit.Store) {
		svc := setUp(t, st)
		held, err := svc.Rescore(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		hash := held.Policy.Hash()
		want, err := st.Scores(ctx, plaudit.ScoreFilter{PolicyHash: hash})
		if err != nil {
			t.Fatal(err)
		}
		wantState, err := st.ScoreState(ctx, hash)
		if err != nil {
			t.Fatal(err)
		}
		if len(want) == 0 {
			t.Fatal("the fixture gives no scores: the comparison proves nothing")
		}
		streamed, err := svc.RescoreStreamed(ctx, nil, 3)
		if err != nil {
			t.Fatal(err)
		}
		got, err := st.Scores(ctx, plaudit.ScoreFilter{PolicyHash: hash})
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("the streamed rescore stored %d scores, Rescore %d: they differ", len(got), len(want))
		}
		gotState, err := st.ScoreState(ctx, hash)
		if err != nil {
			t.Fatal(err)
		}
		if gotState.FullSeq != wantState.FullSeq || gotState.ScoredSeq != wantState.ScoredSeq || !gotState.FirstTime.Equal(wantState.FirstTime) {
			t.Fatalf("state %+v, Rescore's %+v", gotState, wantState)
		}
		totals := score.Totals(held.Scores)
		if streamed.Count != len(held.Scores) || streamed.Members != len(totals) || streamed.Events != held.Events || streamed.Through != held.Through {
			t.Fatalf("streamed: %d scores, %d members, %d events through %d; Rescore: %d, %d, %d through %d",
				streamed.Count, streamed.Members, streamed.Events, streamed.Through, len(held.Scores), len(totals), held.Events, held.Through)
		}
		if !reflect.DeepEqual(streamed.Top, totals[:3]) {
			t.Fatalf("top members %+v, want %+v", streamed.Top, totals[:3])
		}
	})
}

package service_test

import (
	"context"
	"strings"
	"testing"

	"github.com/plaudit/plaudit"
)

// TestJobs runs the scheduled jobs' work on both stores: with no active policy each job has nothing to do
// and succeeds saying why; over a community, score, rescore, integrity and epoch close each report what
// they did, and a second close finds nothing left.
func TestJobs(t *testing.T) {
	ctx := context.Background()
	forEachStore(t, func(t *testing.T, st plaudit.Store) {
		idle := newService(st)
		if o, err := idle.ScoreJob(ctx); err != nil || o.Note == "" || o.Items != 0 {
			t.Fatalf("score job without a policy: %+v, %v; want nothing to do, with a note", o, err)
		}
		if o, err := idle.CloseEpochsJob(ctx, 0); err != nil || o.Note == "" || o.Items != 0 {
			t.Fatalf("close job without a policy: %+v, %v; want nothing to do, with a note", o, err)
		}

		svc := setUp(t, st)
		o, err := svc.ScoreJob(ctx)
		if err != nil || o.Items == 0 || o.Awards == 0 || o.Scored == nil || !strings.Contains(o.Note, "reach event") {
			t.Fatalf("score job: %+v, %v", o, err)
		}
		o, err = svc.RescoreJob(ctx)
		if err != nil || o.Items == 0 || o.Scored == nil || !strings.HasPrefix(o.Note, "rescored the log through event") {
			t.Fatalf("rescore job: %+v, %v", o, err)
		}
		o, err = svc.IntegrityJob(ctx)
		if err != nil || !strings.Contains(o.Note, "epochs checked") {
			t.Fatalf("integrity job: %+v, %v", o, err)
		}
		o, err = svc.CloseEpochsJob(ctx, 0)
		if err != nil || o.Items == 0 || o.Awards == 0 || !strings.HasPrefix(o.Note, "closed ") {
			t.Fatalf("close job: %+v, %v", o, err)
		}
		o, err = svc.CloseEpochsJob(ctx, 0)
		if err != nil || o.Items != 0 || o.Note != "closed 0 epochs []" {
			t.Fatalf("second close job: %+v, %v; want nothing closed", o, err)
		}
	})
}

package main

import (
	"bytes"
	"context"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/jobs"
)

// eventWork is a jobs.Work for the CLI test: score appends two events (idempotently) and reports them.
type eventWork struct{ st plaudit.Store }

func (w eventWork) Score(ctx context.Context) (jobs.Outcome, error) {
	t := time.Date(2026, 1, 5, 0, 0, 0, 0, time.UTC)
	res, err := w.st.AppendEvents(ctx, []plaudit.Event{
		{Source: plaudit.SourcePlaudit, ExternalID: "job-1", Kind: plaudit.KindPost, Actor: "a", Time: t},
		{Source: plaudit.SourcePlaudit, ExternalID: "job-2", Kind: plaudit.KindPost, Actor: "a", Time: t},
	})
	if err != nil {
		return jobs.Outcome{}, err
	}
	out := jobs.Outcome{Items: int64(len(res)), Note: "appended"}
	for _, r := range res {
		if r.Status == plaudit.Accepted {
			out.Awards++
		}
	}
	return out, nil
}
func (w eventWork) Rescore(ctx context.Context) (jobs.Outcome, error)   { return w.Score(ctx) }
func (w eventWork) Integrity(ctx context.Context) (jobs.Outcome, error) { return jobs.Outcome{}, nil }
func (w eventWork) CloseEpochs(ctx context.Context, _ time.Duration) (jobs.Outcome, error) {
	return jobs.Outcome{}, nil
}

// runJob runs `plaudit --db dsn job args…` in this process.
func runJob(t *testing.T, dsn string, args ...string) (string, error) {
	t.Helper()
	for _, name := range []string{"list", "show", "run", "cancel"} {
		cmd, _, err := rootCmd.Find([]string{"job", name})
		if err != nil {
			t.Fatal(err)
		}
		resetFlags(cmd)
	}
	var out bytes.Buffer
	rootCmd.SetOut(&out)
	rootCmd.SetErr(&out)
	rootCmd.SetArgs(append([]string{"--db", dsn, "job"}, args...))
	defer rootCmd.SetArgs(nil)
	defer func() { dbFlag = "" }()
	err := rootCmd.ExecuteContext(context.Background())
	return out.String(), err
}

func TestJobCommands(t *testing.T) {
	dsn := filepath.Join(t.TempDir(), "plaudit.db")
	saved := newJobWork
	defer func() { newJobWork = saved }()

	newJobWork = nil
	if _, err := runJob(t, dsn, "run", "score"); err == nil || !strings.Contains(err.Error(), "not wired") {
		t.Fatalf("unwired run: %v", err)
	}
	newJobWork = func(_ context.Context, st plaudit.Store) jobs.Work { return eventWork{st} }
	out, err := runJob(t, dsn, "run", "score")
	if err != nil || !strings.Contains(out, "score, succeeded") || !strings.Contains(out, "awards     2") {
		t.Fatalf("run: %v\n%s", err, out)
	}
	out, err = runJob(t, dsn, "run", "score")
	if err != nil || !strings.Contains(out, "awards     0") {
		t.Fatalf("second run: %v\n%s", err, out)
	}
	if _, err := runJob(t, dsn, "run", "nope"); plaudit.ErrorCode(err) != plaudit.EINVALID {
		t.Fatalf("unknown kind: %v", err)
	}
	out, err = runJob(t, dsn, "list")
	if err != nil || !strings.Contains(out, "ID  KIND   STATUS") || strings.Count(out, "succeeded") != 2 {
		t.Fatalf("list: %v\n%s", err, out)
	}
	out, err = runJob(t, dsn, "list", "--json", "--kind", "score", "--limit", "1")
	var runs []jobs.Run
	if err != nil || json.Unmarshal([]byte(out), &runs) != nil || len(runs) != 1 || runs[0].ID != 2 || runs[0].Items != 2 {
		t.Fatalf("list --json: %v\n%s", err, out)
	}
	out, err = runJob(t, dsn, "show", "1")
	if err != nil || !strings.Contains(out, "job 1: score, succeeded (attempt 1 of 1)") || !strings.Contains(out, "note       appended") {
		t.Fatalf("show: %v\n%s", err, out)
	}
	if _, err := runJob(t, dsn, "show", "9"); plaudit.ErrorCode(err) != plaudit.ENOTFOUND {
		t.Fatalf("show missing: %v", err)
	}
}

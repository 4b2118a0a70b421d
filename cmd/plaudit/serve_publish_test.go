package main

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/config"
	"github.com/plaudit/plaudit/gen"
	"github.com/plaudit/plaudit/internal/testenv"
	"github.com/plaudit/plaudit/jobs"
	"github.com/plaudit/plaudit/payout"
	"github.com/plaudit/plaudit/policy"
	"github.com/plaudit/plaudit/service"
	"github.com/plaudit/plaudit/sqlstore"
	"github.com/plaudit/plaudit/witness"
)

// TestPublishJob: serve's publish job, run through the scheduler on the real store (SQLite and
// PostgreSQL), publishes an attested epoch whose window passed once, names the epochs it holds and why, and
// a second run publishes nothing.
func TestPublishJob(t *testing.T) {
	for _, backend := range []string{"sqlite", "postgres"} {
		t.Run(backend, func(t *testing.T) {
			ctx := context.Background()
			dsn := filepath.Join(t.TempDir(), "p.db")
			if backend == "postgres" {
				dsn = testenv.Postgres(t)
			}
			f := newWitnessFixture(t, dsn, "")
			st, svc, res, id := f.st, f.svc, f.res, f.ids[0]
			f.attest(t, id)
			mu, now := &f.mu, &f.now
			mu.Lock()
			*now = now.Add(time.Hour)
			mu.Unlock()

			env := &serveEnv{Config: config.Default(), Service: svc, Store: st}
			var kind jobs.Kind
			for _, k := range serveJobKinds {
				if kk, ok := k(env); ok && kk.Name == KindPublish {
					kind = kk
				}
			}
			if kind.Name == "" || kind.Every != time.Minute {
				t.Fatalf("publish kind %+v: want it registered, every minute by default", kind)
			}
			s, err := jobs.New(ctx, st, serviceWork{svc: svc}, jobs.Config{Kinds: []jobs.Kind{kind}, TestOnly: true}, slog.New(slog.NewTextHandler(io.Discard, nil)))
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { _ = s.Stop(context.Background()) })
			run, err := s.RunNow(ctx, KindPublish, nil)
			if err != nil || run.Status != jobs.StatusSucceeded || run.Awards != 1 || !strings.Contains(run.Note, "published 1 ["+id+"]") ||
				!strings.Contains(run.Note, "held 1: "+res.Epochs[1].Window.ID+" closed (0 of the 1 witness attestations it needs)") {
				t.Fatalf("first run: %+v %v", run, err)
			}
			if ws, err := svc.WitnessState(ctx, id); err != nil || ws.State != service.EpochPublished || !ws.PublishedAt.Equal(*now) {
				t.Fatalf("after the job: %+v %v", ws, err)
			}
			run, err = s.RunNow(ctx, KindPublish, nil)
			if err != nil || run.Awards != 0 || !strings.HasPrefix(run.Note, "published 0 []") {
				t.Fatalf("second run: %+v %v", run, err)
			}
		})
	}
}

// witnessFixture is a store at dsn with a generated community under a program with one witness (the first
// demo witness key, quorum 1, window 1h, and extra witness settings), its first epochs closed.
type witnessFixture struct {
	st     *sqlstore.DB
	svc    *service.Service
	signer *payout.Signer
	res    *service.CloseResult
	ids    []string
	mu     sync.Mutex
	now    time.Time
}

func newWitnessFixture(t *testing.T, dsn, extra string) *witnessFixture {
	t.Helper()
	ctx := context.Background()
	st, err := sqlstore.Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	var events []plaudit.Event
	if _, err := gen.Generate(gen.Config{Members: 30, Days: 14, Seed: 3}, func(e *plaudit.Event) error { events = append(events, *e); return nil }); err != nil {
		t.Fatal(err)
	}
	if _, err := st.AppendEvents(ctx, events); err != nil {
		t.Fatal(err)
	}
	signer, err := payout.NewSigner(demoWitnessKeys[0])
	if err != nil {
		t.Fatal(err)
	}
	src, _ := policy.PresetSource("default")
	doc := programSection.ReplaceAllString(string(src), "program:\n  name: acme\n  pool: {token: \"0xa0b86991c6218b36c1d19d4a2e9eb0ce3606eb48\", decimals: 6, amount: 1000000000}\n"+
		"  witnesses:\n    addresses: [\""+signer.Address().String()+"\"]\n    quorum: 1\n    dispute_window: 1h\n"+extra)
	f := &witnessFixture{st: st, signer: signer, now: time.Date(2026, 3, 4, 0, 0, 0, 0, time.UTC)}
	f.svc = service.New(st, service.Options{Now: func() time.Time { f.mu.Lock(); defer f.mu.Unlock(); return f.now }})
	if _, err := f.svc.ActivatePolicy(ctx, []byte(doc), "p.yml", "test"); err != nil {
		t.Fatal(err)
	}
	f.res, err = f.svc.CloseEpochs(ctx, service.CloseRequest{Verdicts: []plaudit.Verdict{}, Operator: "test", Through: time.Date(2026, 1, 12, 0, 0, 0, 0, time.UTC)})
	if err != nil || len(f.res.Epochs) < 2 {
		t.Fatalf("close: %v", err)
	}
	for _, ce := range f.res.Epochs {
		f.ids = append(f.ids, ce.Window.ID)
	}
	return f
}

// attest records the witness's honest attestation of epoch id.
func (f *witnessFixture) attest(t *testing.T, id string) {
	t.Helper()
	ctx := context.Background()
	in, err := f.svc.EpochInputs(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	digest, _ := witness.InputsDigest(in.Events)
	a, _ := witness.ForEpoch(in.Epoch, digest)
	signed, err := witness.SignAttestation(f.signer, a)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(signed)
	if _, _, err := f.svc.RecordWitness(ctx, id, b); err != nil {
		t.Fatal(err)
	}
}

package service_test

import (
	"context"
	"fmt"
	"path/filepath"
	"reflect"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/gen"
	"github.com/plaudit/plaudit/internal/testenv"
	"github.com/plaudit/plaudit/policy"
	"github.com/plaudit/plaudit/service"
	"github.com/plaudit/plaudit/sqlstore"
)

// testNow is the clock of every test: months after the generated communities end, so their epochs have
// ended; and before the weeks in which the tests look for still-open epochs.
var testNow = time.Date(2026, 3, 4, 12, 0, 0, 0, time.UTC)

// testProgram pays 1,000 USDC a week with a fee, a cap and a minimum payout, as the demo does.
const testProgram = `program:
  name: acme
  period: weekly
  pool: {token: "0xa0b86991c6218b36c1d19d4a2e9eb0ce3606eb48", decimals: 6, amount: 1000000000}
  cap: 0.1
  min_payout: 1000000
  fee_rate: 0.05
  treasury: "0x00000000000000000000000000000000000d4a0e"
`

// testPolicy is the default preset with testProgram as its program section.
func testPolicy(t testing.TB) []byte {
	t.Helper()
	src, err := policy.PresetSource("default")
	if err != nil {
		t.Fatal(err)
	}
	doc := regexp.MustCompile(`(?m)^program:\n(?:[ \t].*\n)*`).ReplaceAllString(string(src), testProgram)
	if _, err := policy.Parse([]byte(doc), "test"); err != nil {
		t.Fatal(err)
	}
	return []byte(doc)
}

// community generates a small community: 60 members over three weeks from Monday 2026-01-05.
func community(t testing.TB) []plaudit.Event { return communityOf(t, 60, 21) }

// communityOf generates a community of members over days from Monday 2026-01-05.
func communityOf(t testing.TB, members, days int) []plaudit.Event {
	t.Helper()
	var events []plaudit.Event
	if _, err := gen.Generate(gen.Config{Members: members, Days: days, Seed: 3}, func(e *plaudit.Event) error {
		events = append(events, *e)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return events
}

// forEachStore runs fn on a fresh SQLite store and a fresh PostgreSQL schema.
func forEachStore(t *testing.T, fn func(t *testing.T, st plaudit.Store)) {
	for _, backend := range []string{"sqlite", "postgres"} {
		t.Run(backend, func(t *testing.T) {
			dsn := filepath.Join(t.TempDir(), "plaudit.db")
			if backend == "postgres" {
				dsn = testenv.Postgres(t)
			}
			st, err := sqlstore.Open(context.Background(), dsn)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { st.Close() })
			fn(t, st)
		})
	}
}

func newService(st plaudit.Store) *service.Service {
	return service.New(st, service.Options{Now: func() time.Time { return testNow }})
}

func appendAll(t testing.TB, st plaudit.Store, events []plaudit.Event) {
	t.Helper()
	for len(events) > 0 {
		n := min(len(events), 2000)
		if _, err := st.AppendEvents(context.Background(), events[:n]); err != nil {
			t.Fatal(err)
		}
		events = events[n:]
	}
}

// setUp fills st with the community and activates the test policy; it scores nothing.
func setUp(t *testing.T, st plaudit.Store) *service.Service {
	t.Helper()
	appendAll(t, st, community(t))
	svc := newService(st)
	if _, err := svc.ActivatePolicy(context.Background(), testPolicy(t), "test.yml", "test"); err != nil {
		t.Fatal(err)
	}
	return svc
}

func at(s string) time.Time {
	t, err := time.Parse("2006-01-02", s)
	if err != nil {
		panic(err)
	}
	return t
}

func epochIDs(res *service.CloseResult) []string {
	var ids []string
	for _, ce := range res.Epochs {
		ids = append(ids, ce.Window.ID)
	}
	return ids
}

// TestCloseAfterUnscoredImport: a close after an import nobody scored settles exactly what a close after
// `plaudit score` settles, because it rescores first; with NoRescore it refuses and says what to run.
func TestCloseAfterUnscoredImport(t *testing.T) {
	ctx := context.Background()
	forEachStore(t, func(t *testing.T, st plaudit.Store) {
		svc := setUp(t, st)
		if _, err := svc.CloseEpochs(ctx, service.CloseRequest{Through: at("2026-01-19"), NoRescore: true}); plaudit.ErrorCode(err) != plaudit.ECONFLICT ||
			!strings.Contains(err.Error(), "run `plaudit score` first") {
			t.Fatalf("close from stale scores with NoRescore: %v", err)
		}
		unscored, err := svc.CloseEpochs(ctx, service.CloseRequest{Through: at("2026-01-19")})
		if err != nil {
			t.Fatal(err)
		}
		if !unscored.Rescored || len(unscored.Epochs) != 3 {
			t.Fatalf("close after an unscored import: rescored %v, epochs %v", unscored.Rescored, epochIDs(unscored))
		}

		// The same log, scored first, in a second store of the same kind.
		dsn := filepath.Join(t.TempDir(), "scored.db")
		st2, err := sqlstore.Open(ctx, dsn)
		if err != nil {
			t.Fatal(err)
		}
		defer st2.Close()
		svc2 := setUp(t, st2)
		if _, err := svc2.Rescore(ctx, nil); err != nil {
			t.Fatal(err)
		}
		scored, err := svc2.CloseEpochs(ctx, service.CloseRequest{Through: at("2026-01-19")})
		if err != nil {
			t.Fatal(err)
		}
		if scored.Rescored {
			t.Fatal("a close after `plaudit score` rescored again")
		}
		for i := range scored.Epochs {
			a, b := unscored.Epochs[i].Epoch, scored.Epochs[i].Epoch
			if a.ID != b.ID || a.Digest != b.Digest || a.Root != b.Root || a.Paid.Cmp(b.Paid) != 0 || a.Members != b.Members {
				t.Fatalf("epoch %d: after an unscored import %s paid %s to %d (root %s); after scoring %s paid %s to %d (root %s)",
					i, a.ID, a.Paid, a.Members, a.Root, b.ID, b.Paid, b.Members, b.Root)
			}
			if a.Members < 10 || a.Paid.Sign() <= 0 {
				t.Fatalf("epoch %s paid %s to %d members: the test community should earn", a.ID, a.Paid, a.Members)
			}
		}
	})
}

// TestCloseInOrder: epochs close in order from the one holding the first scored event; a close before it,
// after a gap, before the last closed epoch, of an open epoch or out of range is refused and writes nothing;
// --through closes every pending epoch in order.
func TestCloseInOrder(t *testing.T) {
	ctx := context.Background()
	forEachStore(t, func(t *testing.T, st plaudit.Store) {
		svc := setUp(t, st)
		refused := func(req service.CloseRequest, want string) {
			t.Helper()
			before, _ := st.Epochs(ctx, "")
			res, err := svc.CloseEpochs(ctx, req)
			if err == nil || !strings.Contains(plaudit.ErrorMessage(err), want) {
				t.Fatalf("close %+v: %v, %v; want an error saying %q", req, res, err, want)
			}
			if after, _ := st.Epochs(ctx, ""); len(after) != len(before) {
				t.Fatalf("a refused close %+v closed an epoch", req)
			}
		}
		refused(service.CloseRequest{At: at("2025-12-30")}, "is before the first epoch of acme, acme@2026-01-05T00:00:00Z")
		refused(service.CloseRequest{At: at("2026-01-13")}, "acme@2026-01-05T00:00:00Z is not closed yet: close epochs in order, or run `plaudit epoch close acme --through 2026-01-13`")
		refused(service.CloseRequest{At: at("3000-01-01")}, "year 3000 out of range 2000–2200")
		refused(service.CloseRequest{At: at("1999-01-01")}, "year 1999 out of range 2000–2200")
		refused(service.CloseRequest{At: testNow}, "acme@2026-03-02T00:00:00Z is still open: it ends at 2026-03-09T00:00:00Z")
		refused(service.CloseRequest{Program: "other"}, `program "other"`)

		// No flags: the next pending epoch, the first one.
		res, err := svc.CloseEpochs(ctx, service.CloseRequest{})
		if err != nil || len(res.Epochs) != 1 || res.Epochs[0].Window.ID != "acme@2026-01-05T00:00:00Z" {
			t.Fatalf("close the next epoch: %v %v", epochIDs(res), err)
		}
		again, err := svc.CloseEpochs(ctx, service.CloseRequest{At: at("2026-01-07")})
		if err != nil || len(again.Epochs) != 1 || !again.Epochs[0].Already {
			t.Fatalf("close it again: %+v %v", again, err)
		}
		refused(service.CloseRequest{At: at("2026-01-21")}, "acme@2026-01-12T00:00:00Z is not closed yet")
		res, err = svc.CloseEpochs(ctx, service.CloseRequest{At: at("2026-01-12")})
		if err != nil || len(res.Epochs) != 1 || res.Epochs[0].Already || res.Epochs[0].Window.ID != "acme@2026-01-12T00:00:00Z" {
			t.Fatalf("close the second epoch: %v %v", epochIDs(res), err)
		}
		refused(service.CloseRequest{At: at("2025-12-30")}, "is before acme@2026-01-12T00:00:00Z, the last closed epoch of acme")

		// Through: every pending epoch to the one holding the date, in order, and the next open one named.
		res, err = svc.CloseEpochs(ctx, service.CloseRequest{Through: at("2026-02-04")})
		if err != nil {
			t.Fatal(err)
		}
		want := []string{"acme@2026-01-19T00:00:00Z", "acme@2026-01-26T00:00:00Z", "acme@2026-02-02T00:00:00Z"}
		if got := epochIDs(res); fmt.Sprint(got) != fmt.Sprint(want) || res.Open != nil {
			t.Fatalf("through 2026-02-04: closed %v (open %v), want %v", got, res.Open, want)
		}
		res, err = svc.CloseEpochs(ctx, service.CloseRequest{Through: at("2026-12-01")})
		if err != nil {
			t.Fatal(err)
		}
		if got := epochIDs(res); len(got) != 3 || got[2] != "acme@2026-02-23T00:00:00Z" || res.Open == nil || res.Open.ID != "acme@2026-03-02T00:00:00Z" {
			t.Fatalf("through a date past now: closed %v, open %v", got, res.Open)
		}
		eps, err := st.Epochs(ctx, "acme")
		if err != nil {
			t.Fatal(err)
		}
		for i := 1; i < len(eps); i++ {
			if !eps[i].Start.Equal(eps[i-1].End) {
				t.Fatalf("epochs %s and %s leave a gap", eps[i-1].ID, eps[i].ID)
			}
		}
		if len(eps) != 8 {
			t.Fatalf("%d epochs closed, want the 8 weeks from 2026-01-05 to 2026-03-02", len(eps))
		}
		// Carries chain: what the empty weeks could not pay stays in the pool.
		last := eps[len(eps)-1]
		if last.PoolCarryIn.Sign() <= 0 {
			t.Fatalf("the last epoch carried nothing in from the empty weeks before it: %+v", last)
		}
	})
}

// TestVerifyAfterIdentityChanges: epochs closed before members are merged, unlinked, re-linked and given
// new wallets, and before late events arrive for their weeks, still verify: verify rebuilds each from the log
// as it stood at its close.
func TestVerifyAfterIdentityChanges(t *testing.T) {
	ctx := context.Background()
	forEachStore(t, func(t *testing.T, st plaudit.Store) {
		svc := setUp(t, st)
		res, err := svc.CloseEpochs(ctx, service.CloseRequest{Through: at("2026-01-12")})
		if err != nil || len(res.Epochs) != 2 {
			t.Fatalf("close: %v %v", epochIDs(res), err)
		}
		// The paid members of the first week, richest first.
		allocs := res.Epochs[0].Result.Allocations
		sort.SliceStable(allocs, func(i, j int) bool { return allocs[i].Paid.Cmp(allocs[j].Paid) > 0 })
		a, b, c := allocs[0].Member, allocs[1].Member, allocs[2].Member
		log, err := svc.ReadLog(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		dir := log.Directory(0)
		ma, _ := dir.Member(a)
		mc, _ := dir.Member(c)
		if len(ma.Accounts) == 0 || len(mc.Accounts) == 0 {
			t.Fatalf("members %s and %s have no accounts", a, c)
		}
		ts := at("2026-02-10")
		op := func(id string, kind plaudit.Kind, actor string, attrs map[string]any) plaudit.Event {
			return plaudit.Event{Source: plaudit.SourcePlaudit, ExternalID: id, Kind: kind, Actor: actor, Time: ts, Attrs: attrs}
		}
		late := log.Events[len(log.Events)/3] // a copy of an event of an early week, under a new id
		late.ExternalID, late.Seq = late.ExternalID+"-late", 0
		appendAll(t, st, []plaudit.Event{
			op("t-merge", plaudit.KindMerge, "operator", map[string]any{"from": b, "into": a}),
			op("t-unlink", plaudit.KindUnlink, ma.Accounts[0], nil),
			op("t-relink", plaudit.KindLink, ma.Accounts[0], map[string]any{"member": c}),
			op("t-unlink-c", plaudit.KindUnlink, mc.Accounts[0], nil),
			op("t-wallet", plaudit.KindWallet, a, map[string]any{"address": "0x52908400098527886E0F7030069857D2E4169EE7"}),
			late,
		})
		log, err = svc.ReadLog(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		for _, ce := range res.Epochs {
			v, err := svc.Verify(ctx, ce.Window.ID, nil, log)
			if err != nil || !v.OK || !strings.HasPrefix(v.Line, "verified "+ce.Window.ID+" 0x") {
				t.Fatalf("verify %s after identity changes: %v %v", ce.Window.ID, v, err)
			}
		}
		// The next close sees the changes (and rescores for them); it verifies too.
		res, err = svc.CloseEpochs(ctx, service.CloseRequest{})
		if err != nil || len(res.Epochs) != 1 || !res.Rescored {
			t.Fatalf("close after the changes: %+v %v", res, err)
		}
		if v, err := svc.Verify(ctx, res.Epochs[0].Window.ID, nil, nil); err != nil || !v.OK {
			t.Fatalf("verify the epoch closed after the changes: %v %v", v, err)
		}
		// And an edited epoch still fails verification, naming the member.
		if db, ok := st.(*sqlstore.DB); ok {
			id := res.Epochs[0].Window.ID
			var member string
			if err := db.SQL().QueryRowContext(ctx, db.Rebind("SELECT member FROM allocations WHERE epoch = ? AND paid <> '0' ORDER BY member LIMIT 1"), id).Scan(&member); err != nil {
				t.Fatal(err)
			}
			if _, err := db.SQL().ExecContext(ctx, db.Rebind("UPDATE allocations SET paid = '1', fee = '0' WHERE epoch = ? AND member = ?"), id, member); err != nil {
				t.Fatal(err)
			}
			v, err := svc.Verify(ctx, id, nil, nil)
			if plaudit.ErrorCode(err) != plaudit.ECONFLICT || !strings.HasPrefix(v.Line, "member "+member+": stored fee 0") {
				t.Fatalf("verify of an edited epoch: %v %v", v, err)
			}
		}
	})
}

// TestCatchUpStreams: the first catch-up scores the whole log; later ones stream only what arrived, and
// move the scored position but not the whole-history one, so that a close rescores.
func TestCatchUpStreams(t *testing.T) {
	ctx := context.Background()
	forEachStore(t, func(t *testing.T, st plaudit.Store) {
		events := communityOf(t, 30, 10) // streaming a conversation rescores it per comment: keep it small
		half := len(events) / 2
		appendAll(t, st, events[:half])
		svc := service.New(st, service.Options{Now: func() time.Time { return testNow }, Streaming: true})
		pol, err := svc.ActivatePolicy(ctx, testPolicy(t), "test.yml", "test")
		if err != nil {
			t.Fatal(err)
		}
		res, err := svc.CatchUp(ctx)
		if err != nil || !res.Full || res.Events != half {
			t.Fatalf("first catch-up: %+v %v", res, err)
		}
		full := res.Through
		if res, err = svc.CatchUp(ctx); err != nil || res.Events != 0 {
			t.Fatalf("a catch-up with nothing new: %+v %v", res, err)
		}
		appendAll(t, st, events[half:])
		res, err = svc.CatchUp(ctx)
		if err != nil || res.Full || res.Events != len(events)-half || len(res.Scores) == 0 {
			t.Fatalf("streaming catch-up: full %v, %d events, %d scores, %v", res.Full, res.Events, len(res.Scores), err)
		}
		state, err := st.ScoreState(ctx, pol.Hash())
		if err != nil {
			t.Fatal(err)
		}
		if state.FullSeq != full || state.ScoredSeq != res.Through || state.ScoredSeq <= full {
			t.Fatalf("state %+v: want full %d, scored %d", state, full, res.Through)
		}
		// A second service (another process) streams from the stored state.
		appendAll(t, st, []plaudit.Event{{Source: plaudit.SourceAPI, ExternalID: "late-post", Kind: plaudit.KindPost, Actor: "zed", Content: "late", Time: at("2026-01-20")}})
		res, err = newService(st).CatchUp(ctx)
		if err != nil || res.Full || res.Events != 1 {
			t.Fatalf("catch-up in a new service: %+v %v", res, err)
		}
		closed, err := svc.CloseEpochs(ctx, service.CloseRequest{})
		if err != nil || !closed.Rescored {
			t.Fatalf("a close from streamed scores: %+v %v (want a rescore first)", closed, err)
		}
	})
}

// TestCatchUpAlternatingProcesses: two streaming services on one store (two workers) catch up in turn,
// each after events the other scored; each moves its engine over the other's events instead of rebuilding
// it from the log, and the scores are the ones a single process streams.
func TestCatchUpAlternatingProcesses(t *testing.T) {
	ctx := context.Background()
	forEachStore(t, func(t *testing.T, st plaudit.Store) {
		events := communityOf(t, 30, 10)
		opts := service.Options{Now: func() time.Time { return testNow }, Streaming: true}
		a, b := service.New(st, opts), service.New(st, opts)
		pol, err := a.ActivatePolicy(ctx, testPolicy(t), "test.yml", "test")
		if err != nil {
			t.Fatal(err)
		}
		parts := 6
		for i := range parts {
			appendAll(t, st, events[i*len(events)/parts:(i+1)*len(events)/parts])
			svc := a
			if i%2 == 1 {
				svc = b
			}
			if _, err := svc.CatchUp(ctx); err != nil {
				t.Fatal(err)
			}
		}
		// The first catch-up of each built its engine; every later one moved it over the other's events.
		if na, nb := service.AdvancedCatchUps(a), service.AdvancedCatchUps(b); na != parts/2-1 || nb != parts/2-1 {
			t.Fatalf("advanced %d and %d times; want %d each (no rebuild after the first)", na, nb, parts/2-1)
		}
		got, err := st.Scores(ctx, plaudit.ScoreFilter{PolicyHash: pol.Hash()})
		if err != nil {
			t.Fatal(err)
		}

		// One process streaming the same parts, on a store of its own.
		st2, err := sqlstore.Open(ctx, filepath.Join(t.TempDir(), "one.db"))
		if err != nil {
			t.Fatal(err)
		}
		defer st2.Close()
		one := service.New(st2, opts)
		if _, err := one.ActivatePolicy(ctx, testPolicy(t), "test.yml", "test"); err != nil {
			t.Fatal(err)
		}
		for i := range parts {
			appendAll(t, st2, events[i*len(events)/parts:(i+1)*len(events)/parts])
			if _, err := one.CatchUp(ctx); err != nil {
				t.Fatal(err)
			}
		}
		want, err := st2.Scores(ctx, plaudit.ScoreFilter{PolicyHash: pol.Hash()})
		if err != nil {
			t.Fatal(err)
		}
		if len(got) == 0 || !reflect.DeepEqual(got, want) {
			t.Fatalf("two alternating processes stored %d scores, one process %d; they differ", len(got), len(want))
		}
	})
}

// TestCloseIntegrity: a close applies the integrity run over exactly its epoch's events when one is
// stored and still current, runs one when none is (or when the log changed inside the window), and records
// the verdicts with the epoch.
func TestCloseIntegrity(t *testing.T) {
	ctx := context.Background()
	forEachStore(t, func(t *testing.T, st plaudit.Store) {
		svc := setUp(t, st)
		pre, err := svc.RunIntegrity(ctx, service.IntegrityRequest{Since: at("2026-01-05"), Until: at("2026-01-12"), By: "test"})
		if err != nil {
			t.Fatal(err)
		}
		res, err := svc.CloseEpochs(ctx, service.CloseRequest{})
		if err != nil {
			t.Fatal(err)
		}
		ce := res.Epochs[0]
		if ce.IntegrityRan || ce.IntegrityRun.ID != pre.Run.ID || ce.Verdicts < len(pre.Run.Verdicts) || len(pre.Run.Verdicts) == 0 {
			t.Fatalf("close of week 1: ran %v, run %d (want the stored run %d), %d verdicts (run has %d)", ce.IntegrityRan, ce.IntegrityRun.ID, pre.Run.ID, ce.Verdicts, len(pre.Run.Verdicts))
		}
		recorded, err := st.EpochVerdicts(ctx, ce.Window.ID)
		if err != nil || len(recorded) != ce.Verdicts {
			t.Fatalf("recorded verdicts: %d, %v; want %d", len(recorded), err, ce.Verdicts)
		}
		// A run for week 2, then an event in week 2: the run is stale and the close runs a new one.
		if _, err := svc.RunIntegrity(ctx, service.IntegrityRequest{Since: at("2026-01-12"), Until: at("2026-01-19"), By: "test"}); err != nil {
			t.Fatal(err)
		}
		appendAll(t, st, []plaudit.Event{{Source: plaudit.SourceAPI, ExternalID: "wk2", Kind: plaudit.KindPost, Actor: "zed", Content: "hello", Time: at("2026-01-13")}})
		res, err = svc.CloseEpochs(ctx, service.CloseRequest{})
		if err != nil {
			t.Fatal(err)
		}
		if ce := res.Epochs[0]; !ce.IntegrityRan || ce.IntegrityRun.ThroughSeq != res.LogSeq || !ce.IntegrityRun.Since.Equal(at("2026-01-12")) {
			t.Fatalf("close of week 2 after a new event: ran %v, run %+v, log seq %d", ce.IntegrityRan, ce.IntegrityRun, res.LogSeq)
		}
		// Given verdicts replace the run.
		res, err = svc.CloseEpochs(ctx, service.CloseRequest{Verdicts: []plaudit.Verdict{}})
		if err != nil || res.Epochs[0].IntegrityRun != nil || res.Epochs[0].Verdicts != 0 {
			t.Fatalf("close with given verdicts: %+v %v", res, err)
		}
	})
}

package neynar_test

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/hex"
	"encoding/json"
	"hash"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/internal/testenv"
	"github.com/plaudit/plaudit/score"
	"github.com/plaudit/plaudit/service"
	"github.com/plaudit/plaudit/source/neynar"
	"github.com/plaudit/plaudit/sqlstore"
)

const secret = "neynar-test-secret"

var target = neynar.Target{Username: "shreyaspapi", FID: 830020}

// testPolicy scores casts with the cast scorer (the campaign target set) and farcaster recasts with the
// PoE share rules, so that both a cast's and a reaction's points can be withdrawn.
const testPolicy = `name: farcaster-test
version: 1
program:
  period: weekly
scorers:
  - scorer: cast
    sources: [farcaster]
    kinds: [post, reply]
    params:
      target:
        fid: 830020
        username: shreyaspapi
  - scorer: poe
    sources: [farcaster]
    kinds: [repost]
    params:
      min_score: 0
`

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

func quiet() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

type env struct {
	st  plaudit.Store
	svc *service.Service
	h   http.Handler
}

func newEnv(t *testing.T, st plaudit.Store) *env {
	t.Helper()
	svc := service.New(st, service.Options{Logger: quiet(), Streaming: true})
	if _, err := svc.ActivatePolicy(context.Background(), []byte(testPolicy), "test.yml", "test"); err != nil {
		t.Fatal(err)
	}
	return &env{st: st, svc: svc, h: neynar.NewHandler(svc, secret, target, quiet())}
}

func fixture(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return bytes.TrimSpace(b)
}

func (e *env) post(t *testing.T, body []byte, sig string) *httptest.ResponseRecorder {
	t.Helper()
	req := httptest.NewRequest(http.MethodPost, neynar.Path, bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	if sig != "" {
		req.Header.Set(neynar.SignatureHeader, sig)
	}
	rec := httptest.NewRecorder()
	e.h.ServeHTTP(rec, req)
	return rec
}

// deliver posts a fixture signed with the secret and wants 200.
func (e *env) deliver(t *testing.T, name string) neynar.Result {
	t.Helper()
	body := fixture(t, name)
	rec := e.post(t, body, neynar.Sign([]byte(secret), body))
	if rec.Code != http.StatusOK {
		t.Fatalf("%s: status %d: %s", name, rec.Code, rec.Body)
	}
	var res neynar.Result
	if err := json.Unmarshal(rec.Body.Bytes(), &res); err != nil {
		t.Fatalf("%s: %v: %s", name, err, rec.Body)
	}
	return res
}

func (e *env) events(t *testing.T) []plaudit.Event {
	t.Helper()
	var out []plaudit.Event
	err := e.svc.ScanEvents(context.Background(), plaudit.EventFilter{}, func(ev *plaudit.Event) error {
		out = append(out, *ev)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func (e *env) catchUp(t *testing.T) {
	t.Helper()
	if _, err := e.svc.CatchUp(context.Background()); err != nil {
		t.Fatal(err)
	}
}

// stored returns the active policy's stored scores as comparable rows, sorted.
func (e *env) stored(t *testing.T) []string {
	t.Helper()
	pol, err := e.svc.ActivePolicy(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	scores, err := e.st.Scores(context.Background(), plaudit.ScoreFilter{PolicyHash: pol.Hash()})
	if err != nil {
		t.Fatal(err)
	}
	var rows []string
	for _, s := range scores {
		rows = append(rows, strings.Join([]string{s.Event, s.Member, s.Scorer, s.Points.String(), s.Time.UTC().String()}, " "))
	}
	sort.Strings(rows)
	return rows
}

// pointsOf returns the stored points of one event, summed over its scores.
func (e *env) pointsOf(t *testing.T, key string) (plaudit.Points, int) {
	t.Helper()
	x, err := e.svc.Explain(context.Background(), key, nil)
	if err != nil {
		t.Fatal(err)
	}
	var sum plaudit.Points
	for _, s := range x.Scores {
		sum += s.Points
	}
	return sum, len(x.Scores)
}

const castKey = "farcaster/0x5f1c0a3e9b2e11aa4c7d0e6f1a2b3c4d5e6f7a8b"

func TestCastCreatedStoredOnceAndScored(t *testing.T) {
	forEachStore(t, func(t *testing.T, st plaudit.Store) {
		e := newEnv(t, st)
		for i, want := range []plaudit.AppendStatus{plaudit.Accepted, plaudit.Duplicate, plaudit.Duplicate} {
			res := e.deliver(t, "cast_created.json")
			if len(res.Events) != 1 || res.Events[0].Status != want || res.Events[0].Kind != plaudit.KindReply {
				t.Fatalf("delivery %d: %+v, want one reply %s", i+1, res, want)
			}
		}
		evs := e.events(t)
		if len(evs) != 1 {
			t.Fatalf("stored %d events after three deliveries, want 1", len(evs))
		}
		ev := evs[0]
		if ev.Key() != castKey || ev.Actor != "3621" || ev.Target != "0x9b2e11aa00000000000000000000000000000001" || ev.TargetAuthor != "830020" {
			t.Fatalf("event = %+v", ev)
		}
		if n, _ := ev.AttrInt("likes_count"); n != 15 {
			t.Errorf("likes_count = %v", ev.Attrs["likes_count"])
		}
		e.catchUp(t)
		x, err := e.svc.Explain(context.Background(), castKey, nil)
		if err != nil {
			t.Fatal(err)
		}
		if len(x.Scores) != 1 || x.Scores[0].Scorer != "cast" || x.Scores[0].Points <= 0 {
			t.Fatalf("scores = %+v", x.Scores)
		}
		rules := map[string]bool{}
		for _, l := range x.Scores[0].Lines {
			rules[l.Rule] = true
		}
		for _, r := range []string{"cast.ac.reply", "cast.ac.mention", "cast.cq.question", "cast.ci.channel"} {
			if !rules[r] {
				t.Errorf("the cast's explanation lacks %s: %v", r, rules)
			}
		}
		board, err := e.svc.Leaderboard(context.Background(), service.LeaderboardRequest{})
		if err != nil {
			t.Fatal(err)
		}
		if len(board.Entries) != 1 || board.Entries[0].Member != "farcaster:3621" || board.Entries[0].Points != x.Scores[0].Points {
			t.Fatalf("leaderboard = %+v, want farcaster:3621 with %s", board.Entries, x.Scores[0].Points)
		}
	})
}

func TestSignatureRefused(t *testing.T) {
	body := fixture(t, "cast_created.json")
	other := fixture(t, "cast_created_mention.json")
	mac := func(h func() hash.Hash, key, b []byte) string {
		m := hmac.New(h, key)
		m.Write(b)
		return hex.EncodeToString(m.Sum(nil))
	}
	plain := sha512.Sum512(body)
	good := neynar.Sign([]byte(secret), body)
	cases := []struct{ name, sig string }{
		{"missing", ""},
		{"forged", strings.Repeat("ab", sha512.Size)},
		{"not hex", "zz" + good[2:]},
		{"over another body", neynar.Sign([]byte(secret), other)},
		{"another secret", neynar.Sign([]byte("wrong"), body)},
		{"HMAC-SHA1", mac(sha1.New, []byte(secret), body)},
		{"HMAC-SHA256", mac(sha256.New, []byte(secret), body)},
		{"SHA-512 without the key", hex.EncodeToString(plain[:])},
		{"truncated", good[:64]},
	}
	forEachStore(t, func(t *testing.T, st plaudit.Store) {
		e := newEnv(t, st)
		for _, c := range cases {
			rec := e.post(t, body, c.sig)
			if rec.Code != http.StatusUnauthorized {
				t.Errorf("%s: status %d, want 401: %s", c.name, rec.Code, rec.Body)
			}
		}
		// A bad signature is refused before the body is read: even a malformed body gets 401, not 400.
		if rec := e.post(t, []byte("{not json"), "00"); rec.Code != http.StatusUnauthorized {
			t.Errorf("malformed body, bad signature: status %d, want 401", rec.Code)
		}
		if evs := e.events(t); len(evs) != 0 {
			t.Fatalf("refused deliveries stored %d events", len(evs))
		}
		if rec := e.post(t, body, good); rec.Code != http.StatusOK {
			t.Fatalf("the right signature: status %d: %s", rec.Code, rec.Body)
		}
		// Upper-case hex is the same signature.
		if rec := e.post(t, body, strings.ToUpper(good)); rec.Code != http.StatusOK {
			t.Fatalf("upper-case signature: status %d: %s", rec.Code, rec.Body)
		}
	})
}

const recastKey = "farcaster/repost:4242:0x5f1c0a3e9b2e11aa4c7d0e6f1a2b3c4d5e6f7a8b"

func (e *env) rescore(t *testing.T) {
	t.Helper()
	if _, err := e.svc.Rescore(context.Background(), nil); err != nil {
		t.Fatal(err)
	}
}

// TestDeletesWithdrawPoints streams casts, reactions and their deletes through the webhook, scoring after
// each, and checks that the deleted events end at 0 and that a whole-history rescore stores the very same
// scores as the stream did.
func TestDeletesWithdrawPoints(t *testing.T) {
	forEachStore(t, func(t *testing.T, st plaudit.Store) {
		e := newEnv(t, st)
		e.deliver(t, "cast_created.json")
		e.catchUp(t)
		castPts, _ := e.pointsOf(t, castKey)
		if castPts <= 0 {
			t.Fatalf("the cast scored %s", castPts)
		}
		e.deliver(t, "cast_created_mention.json")
		e.deliver(t, "reaction_created_like.json")
		e.catchUp(t)
		// A whole-history run now covers the cast and the like: the deletes below stream after it.
		e.rescore(t)
		e.deliver(t, "reaction_created_recast.json")
		e.catchUp(t)
		recastPts, n := e.pointsOf(t, recastKey)
		if n != 1 || recastPts <= 0 {
			t.Fatalf("the recast: %d scores, %s points; want one score above 0", n, recastPts)
		}
		mentionKey := "farcaster/0x7a7a7a7a00000000000000000000000000000002"
		mentionPts, _ := e.pointsOf(t, mentionKey)

		for _, name := range []string{"reaction_deleted_recast.json", "reaction_deleted_like.json", "cast_deleted.json"} {
			res := e.deliver(t, name)
			if len(res.Events) != 1 || res.Events[0].Kind != plaudit.KindDelete || res.Events[0].Status != plaudit.Accepted {
				t.Fatalf("%s: %+v", name, res)
			}
			e.catchUp(t)
		}
		// A redelivered cast changes nothing: it is a duplicate, and its delete still stands.
		if res := e.deliver(t, "cast_created.json"); res.Events[0].Status != plaudit.Duplicate {
			t.Fatalf("redelivery: %+v", res)
		}
		e.catchUp(t)

		for key, want := range map[string]plaudit.Points{castKey: 0, recastKey: 0, mentionKey: mentionPts} {
			got, n := e.pointsOf(t, key)
			if got != want || n == 0 {
				t.Errorf("%s: %d scores, %s points, want %s", key, n, got, want)
			}
		}
		x, err := e.svc.Explain(context.Background(), castKey, nil)
		if err != nil {
			t.Fatal(err)
		}
		if l := x.Scores[0].Lines; len(l) != 1 || l[0].Rule != score.WithdrawnRule {
			t.Errorf("the deleted cast's explanation: %+v", l)
		}
		board, err := e.svc.Leaderboard(context.Background(), service.LeaderboardRequest{})
		if err != nil {
			t.Fatal(err)
		}
		for _, b := range board.Entries {
			if b.Member == "farcaster:3621" && b.Points != 0 {
				t.Errorf("alice keeps %s points after her cast was deleted", b.Points)
			}
		}

		streamed := e.stored(t)
		e.rescore(t)
		replayed := e.stored(t)
		if strings.Join(streamed, "\n") != strings.Join(replayed, "\n") {
			t.Fatalf("streamed scores differ from a rescore's:\nstreamed:\n%s\nrescored:\n%s", strings.Join(streamed, "\n"), strings.Join(replayed, "\n"))
		}
	})
}

// TestDeleteBeforeCreate: a delete that arrives before its cast (webhooks are not ordered) gives the cast 0
// when it comes, streamed or rescored.
func TestDeleteBeforeCreate(t *testing.T) {
	forEachStore(t, func(t *testing.T, st plaudit.Store) {
		e := newEnv(t, st)
		e.deliver(t, "cast_deleted.json")
		e.catchUp(t)
		e.deliver(t, "cast_created.json")
		e.catchUp(t)
		if got, n := e.pointsOf(t, castKey); got != 0 || n != 1 {
			t.Fatalf("cast deleted before it came: %d scores, %s points", n, got)
		}
		streamed := e.stored(t)
		e.rescore(t)
		if s, r := strings.Join(streamed, "\n"), strings.Join(e.stored(t), "\n"); s != r {
			t.Fatalf("streamed:\n%s\nrescored:\n%s", s, r)
		}
	})
}

func TestFollowAndIgnored(t *testing.T) {
	forEachStore(t, func(t *testing.T, st plaudit.Store) {
		e := newEnv(t, st)
		res := e.deliver(t, "follow_created.json")
		if len(res.Events) != 1 || res.Events[0].Kind != plaudit.KindFollow || res.Events[0].ID != "follow:4242:830020" {
			t.Fatalf("follow: %+v", res)
		}
		for _, name := range []string{"user_updated.json", "cast_created_unrelated.json"} {
			if res := e.deliver(t, name); res.Ignored == "" || len(res.Events) != 0 {
				t.Errorf("%s: %+v, want ignored", name, res)
			}
		}
		evs := e.events(t)
		if len(evs) != 1 || evs[0].Kind != plaudit.KindFollow || evs[0].Actor != "4242" || evs[0].Target != "830020" {
			t.Fatalf("stored %+v, want the follow only", evs)
		}
	})
}

// TestBadBodies: a signed body that is not a valid webhook is 400 naming the field, and stores nothing.
func TestBadBodies(t *testing.T) {
	forEachStore(t, func(t *testing.T, st plaudit.Store) {
		e := newEnv(t, st)
		for _, c := range []struct{ body, want string }{
			{`{"type":"cast.created","data":{"hash":"0x1","author":{"fid":"x"},"timestamp":"2026-12-01T12:00:00Z"}}`, "data.author.fid"},
			{`{"type":"cast.created","data":{"hash":"0x1","author":{"fid":3},"timestamp":"yesterday"}}`, "data.timestamp"},
			{`{"type":"reaction.created","data":{"reaction_type":3,"user":{"fid":1},"cast":{"hash":"0x1"},"timestamp":"2026-12-01T12:00:00Z"}}`, "data.reaction_type"},
			{`{"type":"reaction.created","data":{"reaction_type":1,"user":{"fid":1},"timestamp":"2026-12-01T12:00:00Z"}}`, "data.cast.hash"},
			{`{"type":"follow.created","data":{"user":{"fid":1},"timestamp":"2026-12-01T12:00:00Z"}}`, "data.target_user"},
			{`{"type":"cast.deleted","created_at":"soon","data":{}}`, "created_at"},
			{`{"type":"cast.created"}`, "data"},
			{`{"data":{}}`, "type"},
			{`{"type":"cast.created","data":{}} trailing`, "trailing"},
			{`[1,2]`, "wrong type"},
			// Decoded, then refused by the event log's validation: the event and the field are named.
			{`{"type":"follow.created","data":{"user":{"fid":1},"target_user":{"fid":2},"timestamp":"1900-01-01T00:00:00Z"}}`, `follow.created: id \"follow:1:2\": field time: year 1900`},
			{`{"type":"cast.created","data":{"hash":"0x\u202e1","author":{"fid":830020},"timestamp":"2026-12-01T12:00:00Z"}}`, "field id"},
		} {
			rec := e.post(t, []byte(c.body), neynar.Sign([]byte(secret), []byte(c.body)))
			if rec.Code != http.StatusBadRequest || !strings.Contains(rec.Body.String(), c.want) {
				t.Errorf("%s: status %d %s, want 400 naming %q", c.body, rec.Code, rec.Body, c.want)
			}
		}
		big := append([]byte(`{"type":"cast.created","data":{"text":"`), bytes.Repeat([]byte("a"), 1<<20)...)
		big = append(big, `"}}`...)
		if rec := e.post(t, big, neynar.Sign([]byte(secret), big)); rec.Code != http.StatusRequestEntityTooLarge {
			t.Errorf("a body over 1 MiB: status %d, want 413", rec.Code)
		}
		if evs := e.events(t); len(evs) != 0 {
			t.Fatalf("bad bodies stored %d events", len(evs))
		}
	})
}

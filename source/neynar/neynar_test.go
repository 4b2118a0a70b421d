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

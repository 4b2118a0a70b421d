package api

import (
	"context"
	"crypto/ed25519"
	"encoding/json"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/didkey"
	"github.com/plaudit/plaudit/eventio"
	"github.com/plaudit/plaudit/internal/testenv"
	"github.com/plaudit/plaudit/service"
)

// signedJSON returns the JSON of a native post by actor, signed with priv (nil: unsigned); tamper changes
// the content after signing.
func signedJSON(t *testing.T, priv ed25519.PrivateKey, id, actor string, tamper bool) string {
	t.Helper()
	e := plaudit.Event{Source: plaudit.SourceAPI, ExternalID: id, Kind: plaudit.KindPost, Actor: actor, Content: "hello " + id,
		Time: fixtureNow.Add(-24 * 3600e9)}
	if priv != nil {
		msg, err := eventio.SigningBytes(&e)
		if err != nil {
			t.Fatal(err)
		}
		e.Attrs = map[string]any{eventio.SignatureAttr: eventio.FormatSignature(didkey.Format(priv.Public().(ed25519.PublicKey)), ed25519.Sign(priv, msg))}
	}
	if tamper {
		e.Content += "!"
	}
	b, err := eventio.AppendEvent(nil, &e)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestSignedEvents: a key linked through POST /v1/members/{member}/keys lets its member's native events in
// signed; a signature that does not verify, by a key the author does not hold, or malformed, refuses the
// whole batch (403, 400) naming the event and stores nothing; with program.witnesses.signed_native an
// unsigned native event is refused too. On SQLite and PostgreSQL.
func TestSignedEvents(t *testing.T) {
	for _, backend := range []string{"sqlite", "postgres"} {
		t.Run(backend, func(t *testing.T) {
			dsn := ""
			if backend == "postgres" {
				dsn = testenv.Postgres(t)
			}
			testSignedEvents(t, newFixture(t, dsn))
		})
	}
}

func testSignedEvents(t *testing.T, f *fixture) {
	ctx := context.Background()
	// A clock that ticks on every read, as the operator's changes are ids of its nanoseconds.
	var mu sync.Mutex
	tick := fixtureNow
	f.svc = service.New(f.st, service.Options{Logger: quiet(), Now: func() time.Time {
		mu.Lock()
		defer mu.Unlock()
		tick = tick.Add(time.Millisecond)
		return tick
	}})
	f.srv = NewServer(f.st, Options{Service: f.svc, Logger: quiet()})
	alice := ed25519.NewKeyFromSeed(make([]byte, 32))
	seed := make([]byte, 32)
	seed[31] = 1
	mallory := ed25519.NewKeyFromSeed(seed)
	aliceDID := didkey.Format(alice.Public().(ed25519.PublicKey))
	if _, err := f.svc.LinkAccount(ctx, "api:alice", "alice", "", "test"); err != nil {
		t.Fatal(err)
	}

	// Linking keys.
	if code, body := f.as(&Caller{Role: plaudit.RoleMember, Member: "someone-else"}, "POST", "/v1/members/alice/keys", "application/json", `{"did":"`+aliceDID+`"}`); code != 403 {
		t.Fatalf("another member's key links alice's key: %d %s", code, body)
	}
	if code, body := f.as(&Caller{Role: plaudit.RoleAdmin}, "POST", "/v1/members/alice/keys", "application/json", `{"did":"did:key:z6Mk"}`); code != 400 || !strings.Contains(body, "did:key") {
		t.Fatalf("a malformed did: %d %s", code, body)
	}
	code, body := f.as(&Caller{Role: plaudit.RoleMember, Member: "alice"}, "POST", "/v1/members/alice/keys", "application/json", `{"did":"`+aliceDID+`"}`)
	var kr MemberKeyResponse
	if code != 201 || json.Unmarshal([]byte(body), &kr) != nil || !kr.Member.HasKey(aliceDID) || kr.Event.Kind != plaudit.KindKey {
		t.Fatalf("alice links her key: %d %s", code, body)
	}
	if code, body := f.as(&Caller{Role: plaudit.RoleAdmin}, "POST", "/v1/members/alice/keys", "application/json", `{"did":"`+aliceDID+`"}`); code != 409 {
		t.Fatalf("the same key again: %d %s", code, body)
	}

	post := func(events ...string) (int, string) {
		t.Helper()
		return f.as(&Caller{Role: plaudit.RoleIngest}, "POST", "/v1/events", "application/json", "["+strings.Join(events, ",")+"]")
	}
	stored := func(id string) bool {
		t.Helper()
		_, err := f.svc.Event(ctx, plaudit.SourceAPI, id)
		if err != nil && plaudit.ErrorCode(err) != plaudit.ENOTFOUND {
			t.Fatal(err)
		}
		return err == nil
	}
	if code, body := post(signedJSON(t, alice, "s1", "alice", false), signedJSON(t, nil, "u1", "bob", false)); code != 200 || !strings.Contains(body, `"accepted":2`) {
		t.Fatalf("a signed and an unsigned event: %d %s", code, body)
	}
	for _, c := range []struct {
		name, id, bad string
		code          int
		want          string
	}{
		{"tampered", "b1", signedJSON(t, alice, "b1", "alice", true), 403, "event 1 (api/b1): the signature by " + aliceDID + " does not verify"},
		{"not her key", "b2", signedJSON(t, mallory, "b2", "alice", false), 403, "event 1 (api/b2): key did:key:z6MkjchhfUsD6mmvni8mCdXHw216Xrm9bQe2mBH1P5RDjVJG is not linked to the author api:alice"},
		{"another author", "b3", signedJSON(t, alice, "b3", "bob", false), 403, "is not linked to the author api:bob"},
		{"malformed", "b4", strings.Replace(signedJSON(t, alice, "b4", "alice", false), ";sig=", ";sig=*", 1), 400, "event 1 (api/b4): attrs.signature: sig: not unpadded base64url"},
	} {
		code, body := post(signedJSON(t, nil, "g-"+c.name, "carol", false), c.bad)
		if code != c.code || !strings.Contains(body, c.want) || !strings.Contains(body, "nothing in the request was stored") {
			t.Errorf("%s: %d %s; want %d with %q", c.name, code, body, c.code, c.want)
		}
		if stored("g-"+c.name) || stored(c.id) {
			t.Errorf("%s: the refused batch left events in the store", c.name)
		}
	}

	// Revoked, the key signs nothing more.
	if code, body := f.as(&Caller{Role: plaudit.RoleCore}, "POST", "/v1/members/alice/keys", "application/json", `{"did":"`+aliceDID+`","revoke":true}`); code != 200 {
		t.Fatalf("revoke: %d %s", code, body)
	}
	if code, body := post(signedJSON(t, alice, "s2", "alice", false)); code != 403 || !strings.Contains(body, "not linked") {
		t.Fatalf("signed by a revoked key: %d %s", code, body)
	}

	// signed_native: unsigned native events are refused; other sources are not concerned.
	doc := strings.Replace(string(fixturePolicy(t)), "  cap: 0.1\n", "  cap: 0.1\n  witnesses:\n    addresses: [\"0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266\"]\n    signed_native: true\n", 1)
	if _, err := f.svc.ActivatePolicy(ctx, []byte(doc), "signed.yml", "test"); err != nil {
		t.Fatal(err)
	}
	if code, body := post(signedJSON(t, nil, "u2", "bob", false)); code != 403 || !strings.Contains(body, "event 0 (api/u2): unsigned") {
		t.Fatalf("unsigned native event under signed_native: %d %s", code, body)
	}
	if stored("u2") {
		t.Fatal("the refused unsigned event was stored")
	}
	x := `{"source":"x","id":"x-signed-native","kind":"post","actor":"1001","time":"2026-03-01T00:00:00Z"}`
	if code, body := post(x); code != 200 || !strings.Contains(body, `"accepted":1`) {
		t.Fatalf("an x event under signed_native: %d %s", code, body)
	}
}
